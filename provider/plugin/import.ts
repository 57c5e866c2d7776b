/**
 * `pulumi import`: the engine calls Read with an id and no properties. This makes the state a
 * kind's `read` starts from, out of what the server holds, as `adopt` would: an imported key's
 * value was never seen, so `key` says so.
 */
import { scopeFromRead } from "../../sdk/contract";
import type { ProviderApi } from "../api";
import { ADOPTED_KEY_VALUE } from "../resources/apiKey";
import type { PluginKind } from "./kinds";

/** The starting state for importing `id`, or undefined when the server has no such object. */
export async function importState(
  k: PluginKind,
  id: string,
  api: ProviderApi,
): Promise<Record<string, unknown> | undefined> {
  switch (k.name) {
    case "ApiKey": {
      if (!/^[1-9][0-9]*$/.test(id))
        throw new Error(`import: '${id}' is not an API key id (a positive integer)`);
      const key = await api.getKey(Number(id));
      if (!key || key.status === "revoked") return undefined;
      return {
        keyId: key.id,
        key: ADOPTED_KEY_VALUE,
        adopted: true,
        securityLevel: key.security_level,
        roles: key.roles,
        rolesInput: key.roles,
        rolesResolved: key.roles,
        ...(key.comment ? { commentInput: key.comment } : {}),
        ...(key.expiration !== null && key.expiration !== undefined
          ? { expirationInput: key.expiration }
          : {}),
        desiredExpiration: key.expiration ?? null,
        verifyAfterCreate: true,
      };
    }
    case "RoleBinding": {
      const b = await api.getBinding(id);
      return b ? { bindingId: b.binding_id, role: b.role_name } : undefined;
    }
    case "ScopeDefinition": {
      const d = await api.getScopeDefinition(id);
      if (!d) return undefined;
      const live = scopeFromRead(d.areas);
      return {
        scopeId: d.scope_id,
        name: d.name,
        description: d.description,
        areas: live,
        canonicalAreas: live,
      };
    }
    case "Role": {
      const r = await api.getRole(id);
      if (!r) return undefined;
      if (!r.is_custom)
        throw new Error(
          `import: role '${r.pretty_name}' is predefined; only custom roles can be managed`,
        );
      return { roleId: r.role_id };
    }
    default:
      throw new Error(`import: unknown kind ${k.name}`);
  }
}
