/**
 * API keys: creation (with the key's role bindings, scope and idempotency record in one
 * transaction), reads for authentication and for the API, edits, revocation, deletion and
 * retirement (the overlap after a rotation or destroy), and the scheduler's queries.
 */
import type { Driver, Param } from "./driver";
import { claimIdempotency, fillIdempotentReply, type IdempotencyClaim } from "./idempotency";
import { listKeys, type KeyListPage, type KeyListQuery } from "./keyList";
import { keyScopeTexts } from "./keyVisibility";
import {
  keyExtras,
  keyFromRow,
  secretFromRow,
  type KeyAuthRecord,
  type KeyRecord,
  type KeyRow,
  type KeySecret,
  type SecurityLevel,
} from "./keyRows";
import { bump } from "./revision";
import { roleNamesIn, rolesSort } from "./roles";
import { putScopeIn, type ScopeAssignment } from "./scopes";
import { countOf, num, placeholders } from "./sql";

export interface NewKey {
  securityLevel: SecurityLevel;
  /** The secret material, computed from the new id (Advanced ciphertext is bound to it). */
  secret: (id: number) => KeySecret;
  comment: string | null;
  expiration: number | null;
  createdAt: number;
  createdBy: string | null;
  userName: string | null;
  creatorKeyId: number | null;
  roleIds: string[];
  bindingIds: string[];
  scope?: ScopeAssignment;
  idempotency?: IdempotencyClaim;
}

export interface KeyPatch {
  roleIds?: string[];
  bindingIds?: string[];
  comment?: string | null;
  expiration?: number | null;
  by: string | null;
  now: number;
}

/** A binding the key owns (its own roles, as opposed to ones made through the bindings API). */
const INSERT_OWN_BINDING =
  "INSERT INTO role_bindings (binding_id, principal_type, principal_id, role_id, owner, created_by, created_ts) VALUES (?, 'api-key', ?, ?, 'api-key', ?, ?)";

export class KeyStore {
  constructor(private readonly driver: Driver) {}

  /**
   * Creates a key with its role bindings and scope, and (when asked) the idempotency record
   * whose encrypted reply needs the new id — all in one transaction.
   */
  async create(input: NewKey): Promise<number> {
    return this.driver.tx(async (d) => {
      if (input.idempotency) await claimIdempotency(d, input.idempotency, input.createdAt);
      const roleNames = await roleNamesIn(d, input.roleIds);
      const row = await d.get<{ id: number }>(
        `INSERT INTO api_keys (security_level, comment, expiration, created_at, created_by, user_name, creator_key_id, status, roles_sort)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?) RETURNING id`,
        [
          input.securityLevel,
          input.comment,
          input.expiration,
          input.createdAt,
          input.createdBy,
          input.userName,
          input.creatorKeyId,
          rolesSort(roleNames),
        ],
      );
      const id = Number(row!.id);
      const secret = input.secret(id);
      await d.run(
        "UPDATE api_keys SET secret_hash = ?, pepper_chain = ?, secret_enc = ?, master_key_id = ? WHERE id = ?",
        [secret.secretHash, secret.pepperChain, secret.secretEnc, secret.masterKeyId, id],
      );
      for (let i = 0; i < input.roleIds.length; i++) {
        await d.run(INSERT_OWN_BINDING, [
          input.bindingIds[i]!,
          String(id),
          input.roleIds[i]!,
          input.createdBy,
          input.createdAt,
        ]);
      }
      if (input.scope) await putScopeIn(d, "api-key", String(id), input.scope, input.createdAt);
      if (input.idempotency) await fillIdempotentReply(d, input.idempotency, id);
      await bump(d);
      return id;
    });
  }

  async getAuth(id: number): Promise<KeyAuthRecord | undefined> {
    const r = await this.driver.get<KeyRow>(
      "SELECT id, security_level, secret_hash, pepper_chain, secret_enc, master_key_id, expiration, status FROM api_keys WHERE id = ?",
      [id],
    );
    if (!r) return undefined;
    return {
      id: Number(r.id),
      securityLevel: r.security_level as SecurityLevel,
      ...secretFromRow(r),
      expiration: num(r.expiration),
      status: r.status as "active" | "revoked",
    };
  }

  async get(id: number): Promise<KeyRecord | undefined> {
    const r = await this.driver.get<KeyRow>("SELECT * FROM api_keys WHERE id = ?", [id]);
    if (!r) return undefined;
    return keyFromRow(r, await keyExtras(this.driver, [id]));
  }

  /** Lists keys with the reference's filters, sort and paging, in SQL (see keyList.ts). */
  list(q: KeyListQuery): Promise<KeyListPage> {
    return listKeys(this.driver, q, () => this.count());
  }

  /** Edits a key; `roleIds` replaces the roles the key owns. Returns false when the key is gone. */
  async update(id: number, patch: KeyPatch): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const exists = await d.get("SELECT id FROM api_keys WHERE id = ?", [id]);
      if (!exists) return false;
      const sets: string[] = [];
      const params: Param[] = [];
      if (patch.comment !== undefined) {
        sets.push("comment = ?");
        params.push(patch.comment);
      }
      if (patch.expiration !== undefined) {
        sets.push("expiration = ?");
        params.push(patch.expiration);
      }
      if (patch.roleIds) {
        await this.replaceOwnRoles(d, id, patch.roleIds, patch);
        sets.push("roles_sort = ?");
        params.push(rolesSort(await roleNamesIn(d, patch.roleIds)));
      }
      if (sets.length)
        await d.run(`UPDATE api_keys SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
      await bump(d);
      return true;
    });
  }

  /** Makes the roles the key owns exactly `roleIds`, keeping the bindings of roles it keeps. */
  private async replaceOwnRoles(d: Driver, id: number, roleIds: string[], patch: KeyPatch) {
    const current = await d.all<{ binding_id: string; role_id: string }>(
      "SELECT binding_id, role_id FROM role_bindings WHERE principal_type = 'api-key' AND principal_id = ? AND owner = 'api-key'",
      [String(id)],
    );
    const want = new Set(roleIds);
    for (const c of current) {
      if (!want.has(String(c.role_id)))
        await d.run("DELETE FROM role_bindings WHERE binding_id = ?", [String(c.binding_id)]);
    }
    const have = new Set(current.map((c) => String(c.role_id)));
    for (let i = 0; i < roleIds.length; i++) {
      const rid = roleIds[i]!;
      if (have.has(rid)) continue;
      await d.run(INSERT_OWN_BINDING, [
        patch.bindingIds![i]!,
        String(id),
        rid,
        patch.by,
        patch.now,
      ]);
    }
  }

  /** Deletes keys and everything that hangs off them. Returns how many existed. */
  async delete(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.driver.tx(async (d) => {
      let n = 0;
      for (const id of ids) {
        const r = await d.run("DELETE FROM api_keys WHERE id = ?", [id]);
        if (r.changes === 0) continue;
        n++;
        await d.run(
          "DELETE FROM role_bindings WHERE principal_type = 'api-key' AND principal_id = ?",
          [String(id)],
        );
        await d.run("DELETE FROM entity_scopes WHERE entity_type = 'api-key' AND entity_id = ?", [
          String(id),
        ]);
        await d.run("DELETE FROM nonces WHERE key_id = ?", [id]);
      }
      await bump(d);
      return n;
    });
  }

  /** Revokes keys: they stay listed, lose their secret material and never authenticate again. */
  async revoke(ids: number[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    return this.driver.tx(async (d) => {
      const r = await d.run(
        `UPDATE api_keys SET status = 'revoked', revoked_at = ?, secret_hash = NULL, secret_enc = NULL
         WHERE status = 'active' AND id IN (${placeholders(ids.length)})`,
        [now, ...ids],
      );
      await bump(d);
      return r.changes;
    });
  }

  /**
   * Ends a key's life at `until` instead of now (the overlap after a rotation or destroy): its
   * expiration becomes the sooner of its own and `until`, and once that passes the key is deleted
   * by the scheduler. A key already expired is deleted at once. Returns what happened.
   */
  async retire(
    id: number,
    until: number,
    now: number,
  ): Promise<"retiring" | "deleted" | "not_found"> {
    const k = await this.driver.get<KeyRow>("SELECT expiration FROM api_keys WHERE id = ?", [id]);
    if (!k) return "not_found";
    const exp = num(k.expiration);
    const at = exp === null || exp > until ? until : exp;
    if (at <= now) return (await this.delete([id])) > 0 ? "deleted" : "not_found";
    return this.driver.tx(async (d) => {
      const r = await d.run("UPDATE api_keys SET expiration = ?, retiring = 1 WHERE id = ?", [
        at,
        id,
      ]);
      await bump(d);
      return r.changes ? "retiring" : "not_found";
    });
  }

  /** Writes last-used times gathered in memory (one statement per key, in one transaction). */
  async touchLastUsed(entries: Array<[number, number]>): Promise<void> {
    if (entries.length === 0) return;
    await this.driver.tx(async (d) => {
      for (const [id, ts] of entries) {
        await d.run(
          "UPDATE api_keys SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)",
          [ts, id, ts],
        );
      }
    });
  }

  count(): Promise<number> {
    return countOf(this.driver, "SELECT COUNT(*) AS c FROM api_keys");
  }

  /** The distinct scopes keys have, as key-list narrowing compares them (./keyVisibility.ts). */
  scopeTexts(): Promise<string[]> {
    return keyScopeTexts(this.driver);
  }

  /** Keys that expire in `(from, to]` and are still active. */
  async expiringBetween(
    from: number,
    to: number,
  ): Promise<Array<{ id: number; expiration: number }>> {
    const rows = await this.driver.all<KeyRow>(
      "SELECT id, expiration FROM api_keys WHERE status = 'active' AND expiration IS NOT NULL AND expiration > ? AND expiration <= ? ORDER BY expiration",
      [from, to],
    );
    return rows.map((r) => ({ id: Number(r.id), expiration: Number(r.expiration) }));
  }

  /** Active, unexpired keys not used since `before` (never-used keys: made before it), with when that stretch began. */
  async unusedSince(
    before: number,
    now: number,
  ): Promise<Array<{ id: number; since: number; lastUsed: number | null }>> {
    const rows = await this.driver.all<KeyRow & { since: number | string }>(
      `SELECT id, last_used, COALESCE(last_used, created_at) AS since FROM api_keys
       WHERE status = 'active' AND retiring = 0 AND (expiration IS NULL OR expiration > ?) AND COALESCE(last_used, created_at) <= ? ORDER BY id`,
      [now, before],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      since: Number(r.since),
      lastUsed: r.last_used === null || r.last_used === undefined ? null : Number(r.last_used),
    }));
  }
}
