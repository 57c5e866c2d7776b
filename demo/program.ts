/**
 * The demo program (Pulumi.yaml at the repo root): what a platform team declares.
 *  - a custom role for an on-call responder team;
 *  - a scope definition limiting what that team's keys see;
 *  - a Standard key and an Advanced key, both expiring;
 *  - a role binding that lets the Standard key verify other keys (for a downstream service).
 * Credentials come from the stack config `keyplane:*` that `npm run demo` sets.
 */
import * as keyplane from "../provider";

const responder = new keyplane.Role("oncall-responder", {
  name: "On-call Responder",
  description: "Triage cases and run response actions; read endpoints and assets.",
  components: {
    cases_issues: "view_edit",
    response: "view_edit",
    endpoints: "view",
    assets: "view",
    public_api: "view",
  },
});

const emea = new keyplane.ScopeDefinition("emea-endpoints", {
  name: "EMEA endpoints",
  description: "Endpoints and cases of the EMEA region only.",
  areas: {
    endpoints: {
      endpoint_groups: { mode: "scope", names: ["emea-servers", "emea-laptops"] },
      endpoint_tags: { mode: "any" },
    },
    cases_issues: { mode: "scope", names: ["EMEA"], include_cases_issues_empty_entities: false },
    assets: { mode: "see_all" },
  },
});

const gateway = new keyplane.ApiKey("gateway", {
  securityLevel: "standard",
  roles: ["Viewer"],
  comment: "API gateway: verifies the keys its callers present",
  expiresIn: "90d",
  rotateBefore: "7d",
  overlap: "24h",
});

const oncall = new keyplane.ApiKey("oncall-bot", {
  securityLevel: "advanced",
  roles: [responder.name],
  comment: "On-call automation, EMEA only",
  expiresIn: "30d",
  rotateBefore: "3d",
  scope: emea.scopeId,
});

const verifier = new keyplane.RoleBinding("gateway-verifier", {
  principal: { type: "apiKey", id: gateway.keyId },
  role: "Key Verifier",
});

export const roleId = responder.roleId;
export const scopeId = emea.scopeId;
export const gatewayKeyId = gateway.keyId;
export const gatewayKey = gateway.key;
export const gatewayExpiresAt = gateway.expiresAt;
export const oncallKeyId = oncall.keyId;
export const oncallKey = oncall.key;
export const oncallExpiresAt = oncall.expiresAt;
export const verifierBindingId = verifier.bindingId;
