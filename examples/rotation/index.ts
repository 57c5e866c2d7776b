import * as pulumi from "@pulumi/pulumi";
import * as keyplane from "keyplane";

const config = new pulumi.Config();

// The ingest pipeline's key lives 30 days. Once it is within 7 days of its expiry, the next
// `pulumi up` mints a new key (create-before-delete) and the old one keeps working for 24 more
// hours, so every consumer has a day to pick up the new value. Bumping `rotation` in the stack
// config rotates it on demand, with the same overlap.
const ingest = new keyplane.ApiKey("ingest", {
  securityLevel: "advanced",
  roles: ["Viewer"],
  comment: "log ingest pipeline",
  expiresIn: config.get("expiresIn") ?? "30d",
  rotateBefore: config.get("rotateBefore") ?? "7d",
  overlap: config.get("overlap") ?? "24h",
  rotationTriggers: [config.get("rotation") ?? "initial"],
});

export const keyId = ingest.keyId;
export const key = ingest.key;
export const expiresAt = ingest.expiresAt;
