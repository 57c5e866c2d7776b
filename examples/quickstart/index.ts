import * as keyplane from "keyplane";

// A Standard key: the key itself travels in the Authorization header.
const reporting = new keyplane.ApiKey("reporting", {
  securityLevel: "standard",
  roles: ["Viewer"],
  comment: "nightly reporting job",
  expiresIn: "90d",
});

// An Advanced key: every request is signed with sha256(key + nonce + timestamp).
const automation = new keyplane.ApiKey("automation", {
  securityLevel: "advanced",
  roles: ["Investigator"],
  comment: "case automation",
  expiresIn: "30d",
});

export const reportingKeyId = reporting.keyId;
export const reportingKey = reporting.key; // a secret: `pulumi stack output reportingKey --show-secrets`
export const reportingExpiresAt = reporting.expiresAt;
export const automationKeyId = automation.keyId;
export const automationKey = automation.key;
export const automationLevel = automation.securityLevel;
