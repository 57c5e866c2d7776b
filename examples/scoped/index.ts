import * as keyplane from "keyplane";

// Two regions, each seeing only its own endpoint groups and cases.
const regions = {
  emea: { groups: ["emea-servers", "emea-laptops"], tags: ["EMEA"] },
  apac: { groups: ["apac-servers"], tags: ["APAC"] },
};

const keys: Record<string, keyplane.ApiKey> = {};
const scopes: Record<string, keyplane.ScopeDefinition> = {};
for (const [region, r] of Object.entries(regions)) {
  scopes[region] = new keyplane.ScopeDefinition(`${region}-scope`, {
    name: `${region.toUpperCase()} only`,
    areas: {
      endpoints: {
        endpoint_groups: { mode: "scope", names: r.groups },
        endpoint_tags: { mode: "any" },
      },
      cases_issues: { mode: "scope", names: r.tags, include_cases_issues_empty_entities: false },
      datasets_rows: {
        default_filter_mode: "no_scope",
        filters: [{ dataset: "xdr_data", filter: `region = "${region}"` }],
      },
    },
  });
  keys[region] = new keyplane.ApiKey(`${region}-responder`, {
    securityLevel: "advanced",
    roles: ["Privileged Responder"],
    comment: `responder automation, ${region.toUpperCase()}`,
    expiresIn: "30d",
    scope: scopes[region].scopeId,
  });
}

// The API gateway in front of the product checks every caller's key with auth/verify.
const gateway = new keyplane.ApiKey("gateway", {
  roles: ["Key Verifier"],
  comment: "API gateway",
  expiresIn: "90d",
});

export const gatewayKeyId = gateway.keyId;
export const gatewayKey = gateway.key;
export const emeaKeyId = keys.emea!.keyId;
export const emeaKey = keys.emea!.key;
export const apacKeyId = keys.apac!.keyId;
export const apacKey = keys.apac!.key;
export const emeaScopeId = scopes.emea!.scopeId;
