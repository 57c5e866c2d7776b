/**
 * The calls the resources make, over the SDK. One narrow seam: the resource logic speaks in
 * these terms, and this file maps them onto KeyplaneClient (404s become `null`).
 */
import type { z } from "zod";
import type {
  ApiKey,
  EntityScope,
  RoleBinding,
  ScopeAreasWrite,
  ScopeDefinition,
  VerifyResult,
} from "../sdk/contract";
import type { Role } from "../sdk/contract";
import type { KeyplaneClient } from "../sdk";
import { ForbiddenError, NotFoundError } from "../sdk";
import { keyBatches } from "./keyBatches";

export type KeyScopeInput = { scope_definition_id: string } | ScopeAreasWrite;

export interface ProviderApi {
  generateKey(r: {
    roles: string[];
    securityLevel: "standard" | "advanced";
    expiration?: number | null;
    comment?: string | null;
    scope?: KeyScopeInput;
  }): Promise<{ id: number; key: string; record?: ApiKey }>;
  /** The key, or null when it does not exist (concurrent calls go as one `get_api_keys` by ids). */
  getKey(id: number): Promise<ApiKey | null>;
  /** Edits a key; the row after the edit, when the server sends it (an older server does not). */
  editKey(
    id: number,
    e: { roles?: string[]; comment?: string | null; expiration?: number | null },
  ): Promise<ApiKey | undefined>;
  /**
   * Deletes a key; one already gone counts as deleted (what destroy wants). Concurrent calls go
   * as one `delete` of their ids, whose count cannot say which of them were already gone.
   */
  deleteKey(id: number): Promise<void>;
  /** Ends a key's life at `until` (its overlap); the server deletes it then. "gone" when it did not exist. */
  retireKey(
    id: number,
    until: number,
  ): Promise<{ status: "retiring" | "deleted" | "gone"; expiration: number | null }>;
  getScope(entityType: "user" | "user-group" | "api-key", id: string): Promise<EntityScope | null>;
  setScope(
    entityType: "user" | "user-group" | "api-key",
    id: string,
    scope: KeyScopeInput | null,
  ): Promise<void>;
  /** Verify another key's headers; "forbidden" when this credential may not call verify. */
  verify(headers: Record<string, string>): Promise<VerifyResult | "forbidden">;
  /** Authenticates with the given key (api_keys/validate). */
  validateAs(cred: {
    apiKeyId: number;
    apiKey: string;
    securityLevel: "standard" | "advanced";
  }): Promise<boolean>;
  createBinding(b: {
    principalType: "user" | "user-group" | "api-key";
    principalId: string;
    role: string;
  }): Promise<RoleBinding>;
  getBinding(id: string): Promise<RoleBinding | null>;
  deleteBinding(id: string): Promise<boolean>;
  createScopeDefinition(d: {
    name: string;
    description?: string | null;
    areas: ScopeAreasWrite;
  }): Promise<ScopeDefinition>;
  getScopeDefinition(id: string): Promise<ScopeDefinition | null>;
  updateScopeDefinition(
    id: string,
    d: { name?: string; description?: string | null; areas?: ScopeAreasWrite },
  ): Promise<ScopeDefinition>;
  /** Deletes a scope definition; "retired" when only retiring keys still use it (it goes when they do). */
  deleteScopeDefinition(id: string): Promise<"deleted" | "retired" | "gone">;
  createRole(r: {
    name: string;
    description?: string | null;
    components: Record<string, string>;
  }): Promise<Role>;
  getRole(id: string): Promise<Role | null>;
  updateRole(
    id: string,
    r: { name?: string; description?: string | null; components?: Record<string, string> },
  ): Promise<Role>;
  /** Deletes a custom role; "retired" when only retiring keys still hold it (it goes when they do). */
  deleteRole(id: string): Promise<"deleted" | "retired" | "gone">;
}

const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
};
/** A delete that the server may answer with "retired" (still used by keys in their overlap); 404 is "gone". */
const retiredOrDeleted = async (
  p: Promise<{ retired?: boolean }>,
): Promise<"retired" | "deleted" | "gone"> => {
  const r = await orNull(p);
  return r === null ? "gone" : r.retired ? "retired" : "deleted";
};
const gone = async (p: Promise<unknown>): Promise<boolean> => {
  try {
    await p;
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
};

type Out<T extends z.ZodType> = z.output<T>;
export type { Out };

/** The ProviderApi over a KeyplaneClient. */
export function sdkApi(client: KeyplaneClient): ProviderApi {
  const batches = keyBatches(client);
  return {
    generateKey: async (r) => {
      const g = await client.apiKeys.generate(r);
      // The new row, when the server sends it (not on a replay, not from an older server).
      return { id: g.id, key: g.key, ...(g.record ? { record: g.record } : {}) };
    },
    getKey: batches.getKey,
    editKey: async (id, e) => (await client.apiKeys.edit(id, e)).record,
    deleteKey: batches.deleteKey,
    retireKey: async (id, until) => {
      try {
        const r = await client.apiKeys.retire(id, until);
        return { status: r.status, expiration: r.expiration };
      } catch (e) {
        if (e instanceof NotFoundError) return { status: "gone", expiration: null };
        throw e;
      }
    },
    getScope: (t, id) => orNull(client.scopes.get(t, id)),
    setScope: async (t, id, s) => {
      if (s === null) await client.scopes.clear(t, id);
      else await client.scopes.set(t, id, s as never);
    },
    verify: async (headers) => {
      try {
        return await client.auth.verify({ headers });
      } catch (e) {
        if (e instanceof ForbiddenError) return "forbidden";
        throw e;
      }
    },
    validateAs: async (cred) => {
      const { KeyplaneClient: Client } = await import("../sdk");
      const c = new Client({ endpoint: client.endpoint, ...cred, retries: 3 });
      try {
        return await c.apiKeys.validate();
      } finally {
        await c.close();
      }
    },
    createBinding: (b) => client.bindings.create(b),
    getBinding: (id) => orNull(client.bindings.get(id)),
    deleteBinding: (id) => gone(client.bindings.delete(id)),
    createScopeDefinition: async (d) => {
      const created = await client.scopes.createDefinition(d);
      return client.scopes.getDefinition(created.scope_id);
    },
    getScopeDefinition: (id) => orNull(client.scopes.getDefinition(id)),
    updateScopeDefinition: (id, d) => client.scopes.updateDefinition(id, d),
    deleteScopeDefinition: (id) =>
      retiredOrDeleted(client.scopes.deleteDefinition(id, { whenUnused: true })),
    createRole: async (r) => {
      const created = await client.roles.create(r as never);
      if (!created.role_id)
        throw new Error(`the server did not say which role it created for '${r.name}'`);
      return client.roles.get(created.role_id);
    },
    getRole: (id) => orNull(client.roles.get(id)),
    updateRole: async (id, r) => {
      await client.roles.update(id, r as never);
      return client.roles.get(id);
    },
    deleteRole: (id) => retiredOrDeleted(client.roles.delete(id, { whenUnused: true })),
  };
}
