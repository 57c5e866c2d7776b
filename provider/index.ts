/**
 * keyplane: Pulumi resources for API keys, role bindings, scope definitions and custom roles.
 *
 * ```ts
 * import * as keyplane from "keyplane";
 * const key = new keyplane.ApiKey("ci", { roles: ["Viewer"], expiresIn: "90d", rotateBefore: "7d" });
 * export const ciKey = key.key; // a secret
 * ```
 * Credentials: stack config `keyplane:endpoint`, `keyplane:apiKeyId`, `keyplane:apiKey` (secret),
 * `keyplane:securityLevel`, or the KEYPLANE_* environment variables (env wins).
 */
export { ApiKey, ADOPTED_KEY_VALUE, type ApiKeyArgs } from "./dynamic/apiKey";
export { RoleBinding, type RoleBindingArgs } from "./dynamic/roleBinding";
export { ScopeDefinition, type ScopeDefinitionArgs } from "./dynamic/scopeDefinition";
export { Role, type RoleArgs } from "./dynamic/role";
export type { ScopeAreasWrite as ScopeAreas } from "../sdk/contract";
export * as engine from "./engine";
