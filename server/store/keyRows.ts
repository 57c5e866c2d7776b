/**
 * API keys as records: the row of `api_keys` and its mapping, with the roles the key owns and
 * whether it has a scope, read for a page of keys at once.
 */
import type { Driver } from "./driver";
import { num, placeholders, str } from "./sql";

export type SecurityLevel = "standard" | "advanced";

export interface KeySecret {
  /** Standard: hex HMAC of the key (chained through each pepper in pepperChain). */
  secretHash: string | null;
  pepperChain: string | null;
  /** Advanced: AES-256-GCM ciphertext of the key under masterKeyId. */
  secretEnc: string | null;
  masterKeyId: string | null;
}

export interface KeyAuthRecord extends KeySecret {
  id: number;
  securityLevel: SecurityLevel;
  expiration: number | null;
  status: "active" | "revoked";
}

export interface KeyRecord {
  id: number;
  securityLevel: SecurityLevel;
  comment: string | null;
  expiration: number | null;
  createdAt: number;
  createdBy: string | null;
  userName: string | null;
  creatorKeyId: number | null;
  status: "active" | "revoked";
  revokedAt: number | null;
  lastUsed: number | null;
  roleIds: string[];
  roleNames: string[];
  scopeDefinitionId: string | null;
  hasScope: boolean;
  /** In its overlap: deleted by the scheduler once it expires. */
  retiring: boolean;
}

export interface KeyRow {
  id: number | string;
  security_level: string;
  comment: string | null;
  expiration: number | string | null;
  created_at: number | string;
  created_by: string | null;
  user_name: string | null;
  creator_key_id: number | string | null;
  status: string;
  revoked_at: number | string | null;
  last_used: number | string | null;
  retiring: number | string | null;
  secret_hash: string | null;
  pepper_chain: string | null;
  secret_enc: string | null;
  master_key_id: string | null;
}

/** The roles each key owns (ids and display names, by name) and its scope definition, if any. */
export interface KeyExtras {
  roles: Map<number, { ids: string[]; names: string[] }>;
  /** Keys with a scope: the definition they point at, or null for inline areas. */
  scopes: Map<number, string | null>;
}

/** The columns of a key row that {@link keyFromRow} reads: none of its secret material. */
export const KEY_RECORD_COLUMNS = [
  "id",
  "security_level",
  "comment",
  "expiration",
  "created_at",
  "created_by",
  "user_name",
  "creator_key_id",
  "status",
  "revoked_at",
  "last_used",
  "retiring",
] as const;

export type KeyRecordRow = Pick<KeyRow, (typeof KEY_RECORD_COLUMNS)[number]>;

export function keyFromRow(r: KeyRecordRow, { roles, scopes }: KeyExtras): KeyRecord {
  const id = Number(r.id);
  const rr = roles.get(id) ?? { ids: [], names: [] };
  return {
    id,
    securityLevel: r.security_level as SecurityLevel,
    comment: str(r.comment),
    expiration: num(r.expiration),
    createdAt: Number(r.created_at),
    createdBy: str(r.created_by),
    userName: str(r.user_name),
    creatorKeyId: num(r.creator_key_id),
    status: r.status as "active" | "revoked",
    revokedAt: num(r.revoked_at),
    lastUsed: num(r.last_used),
    roleIds: rr.ids,
    roleNames: rr.names,
    scopeDefinitionId: scopes.has(id) ? (scopes.get(id) ?? null) : null,
    hasScope: scopes.has(id),
    retiring: Number(r.retiring ?? 0) === 1,
  };
}

/** A key row as the values of {@link KEY_RECORD_COLUMNS}, in that order (`Driver.values`). */
export type KeyRecordValues = ValuesOf<typeof KEY_RECORD_COLUMNS>;
type ValuesOf<T extends readonly (keyof KeyRecordRow)[]> = {
  -readonly [I in keyof T]: KeyRecordRow[T[I] & keyof KeyRecordRow];
};

/**
 * {@link keyFromRow} for a row read as values: the same record, field for field, from the
 * same columns by position (the key list by id reads its row this way, without an object per row).
 */
export function keyFromValues(
  v: readonly [...KeyRecordValues, ...unknown[]],
  roleIds: string[],
  roleNames: string[],
  scope: { has: boolean; definitionId: string | null },
): KeyRecord {
  return {
    id: Number(v[0]),
    securityLevel: v[1] as SecurityLevel,
    comment: str(v[2]),
    expiration: num(v[3]),
    createdAt: Number(v[4]),
    createdBy: str(v[5]),
    userName: str(v[6]),
    creatorKeyId: num(v[7]),
    status: v[8] as "active" | "revoked",
    revokedAt: num(v[9]),
    lastUsed: num(v[10]),
    roleIds,
    roleNames,
    scopeDefinitionId: scope.definitionId,
    hasScope: scope.has,
    retiring: Number(v[11] ?? 0) === 1,
  };
}

/** The secret material columns of a key row. */
export type KeySecretRow = Pick<
  KeyRow,
  "secret_hash" | "pepper_chain" | "secret_enc" | "master_key_id"
>;

export function secretFromRow(r: KeySecretRow): KeySecret {
  return {
    secretHash: str(r.secret_hash),
    pepperChain: str(r.pepper_chain),
    secretEnc: str(r.secret_enc),
    masterKeyId: str(r.master_key_id),
  };
}

/** Reads {@link KeyExtras} for the given keys, 500 at a time. */
export async function keyExtras(d: Driver, ids: number[]): Promise<KeyExtras> {
  const roles: KeyExtras["roles"] = new Map();
  const scopes: KeyExtras["scopes"] = new Map();
  if (ids.length === 0) return { roles, scopes };
  const sids = ids.map(String);
  for (let i = 0; i < sids.length; i += 500) {
    const chunk = sids.slice(i, i + 500);
    const rows = await d.all<{ principal_id: string; role_id: string; pretty_name: string }>(
      `SELECT b.principal_id, r.role_id, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id
       WHERE b.principal_type = 'api-key' AND b.owner = 'api-key' AND b.principal_id IN (${placeholders(chunk.length)})
       ORDER BY b.principal_id, r.name_key`,
      chunk,
    );
    for (const row of rows) {
      const id = Number(row.principal_id);
      const e = roles.get(id) ?? { ids: [], names: [] };
      e.ids.push(String(row.role_id));
      e.names.push(String(row.pretty_name));
      roles.set(id, e);
    }
    const srows = await d.all<{ entity_id: string; scope_definition_id: string | null }>(
      `SELECT entity_id, scope_definition_id FROM entity_scopes WHERE entity_type = 'api-key' AND entity_id IN (${placeholders(chunk.length)})`,
      chunk,
    );
    for (const row of srows) scopes.set(Number(row.entity_id), str(row.scope_definition_id));
  }
  return { roles, scopes };
}
