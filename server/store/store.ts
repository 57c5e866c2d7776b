/**
 * The store: every read and write the server makes, as domain-level methods, each atomic on
 * its own. One implementation over the {@link Driver} interface serves SQLite and PostgreSQL;
 * the contract suite in test/server/store.test.ts runs against both. Filtering, sorting and
 * paging happen in SQL. Every write that can change who may do what bumps `revision`, which
 * replicas poll to drop their caches.
 */
import type { KeyFilter } from "../../sdk/contract/apiKeys";
import type { AuditFilter } from "../../sdk/contract/audit";
import type { ComponentPermissions } from "../../sdk/contract/components";
import type { CanonicalScope } from "../../sdk/contract/scopes";
import { DEFAULT_SETTINGS, type Settings } from "../../sdk/contract/settings";
import { UniqueViolation, type Driver, type Param } from "./driver";
import { migrate } from "./migrations";
import { SessionStore } from "./sessions";

export { UniqueViolation };

export type SecurityLevel = "standard" | "advanced";
export type PrincipalType = "user" | "user-group" | "api-key";
export type BindingOwner = "api-key" | "user" | "user-group" | "binding";

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

export interface RoleRecord {
  roleId: string;
  prettyName: string;
  description: string | null;
  isCustom: boolean;
  components: ComponentPermissions;
  datasetPermissions: unknown[] | null;
  createdBy: string | null;
  createdTs: number | null;
  updatedTs: number | null;
  /** Set when the role was deleted while retiring keys still held it: it goes once they expire. */
  retiredAt?: number | null;
}

export interface UserRecord {
  email: string;
  firstName: string | null;
  lastName: string | null;
  phoneNumber: string | null;
  status: string;
  isHidden: boolean;
  userType: string;
  lastLoggedIn: number | null;
  createdTs: number;
  updatedTs: number | null;
}

export interface GroupRecord {
  groupId: string;
  groupName: string;
  description: string | null;
  groupType: string;
  idpGroups: string[];
  createdBy: string | null;
  createdTs: number;
  updatedTs: number | null;
}

export interface BindingRecord {
  bindingId: string;
  principalType: PrincipalType;
  principalId: string;
  roleId: string;
  roleName: string;
  owner: BindingOwner;
  createdBy: string | null;
  createdTs: number;
}

export interface ScopeDefinitionRecord {
  scopeId: string;
  name: string;
  description: string | null;
  areas: CanonicalScope;
  createdBy: string | null;
  createdTs: number;
  updatedTs: number | null;
}

export interface EntityScopeRecord {
  entityType: PrincipalType;
  entityId: string;
  scopeDefinitionId: string | null;
  /** Inline areas, or the definition's areas when the entity points at one. */
  areas: CanonicalScope;
  updatedTs: number;
}

/** An entity's scope as written: inline areas or a pointer to a definition. */
export type ScopeAssignment = { scopeDefinitionId: string } | { areas: CanonicalScope };

export interface NotificationRecord {
  id: number;
  keyId: number;
  lead: "7d" | "1d" | "unused";
  expiration: number;
  title: string;
  message: string;
  createdTs: number;
  read: boolean;
  webhookStatus: "none" | "pending" | "delivered" | "failed";
  webhookAttempts: number;
  webhookNextAt: number | null;
  webhookLastError: string | null;
}

export interface AuditRecord {
  id: number;
  ts: number;
  actorKeyId: number | null;
  ownerName: string | null;
  ownerEmail: string | null;
  entity: string;
  subtype: string | null;
  result: "SUCCESS" | "FAIL";
  reason: string | null;
  description: string | null;
  objectId: string | null;
  assetNames: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  userRoles: string[];
  additional: Record<string, unknown>;
  severity: string;
}

export type NewAudit = Omit<AuditRecord, "id">;

export interface Page<T> {
  rows: T[];
  total: number;
}

const ROLE_KEY = (s: string) => s.trim().toLowerCase();

function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

function likeEscape(s: string): string {
  return s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

const KEY_SORT_COLUMNS: Record<string, string> = {
  id: "k.id",
  creation_time: "k.created_at",
  expiration: "k.expiration",
  security_level: "k.security_level",
  comment: "LOWER(COALESCE(k.comment, ''))",
  roles: "k.roles_sort",
  last_used: "k.last_used",
};

const AUDIT_SORT_COLUMNS: Record<string, string> = {
  type: "entity",
  "sub-type": "subtype",
  result: "result",
  timestamp: "ts",
  // Keys have no email: their display name ("Public API - 12") stands in for it.
  email: "COALESCE(owner_email, owner_name)",
};

type Row = Record<string, unknown>;

interface PendingNonce {
  keyId: number;
  nonce: string;
  seenAt: number;
  resolve: (fresh: boolean) => void;
  reject: (e: unknown) => void;
}
/** Nonces per INSERT: bounds the statement size and the number of cached statement shapes. */
const NONCE_BATCH = 64;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export class Store {
  /** The web console's sessions and sign-in challenges (their own module). */
  readonly sessions: SessionStore;
  constructor(readonly driver: Driver) {
    this.sessions = new SessionStore(driver);
  }

  get dialect() {
    return this.driver.dialect;
  }

  /** Applies pending migrations and installs the predefined roles. */
  async init(predefined: RoleRecord[], now: number): Promise<void> {
    await migrate(this.driver);
    await this.driver.tx(async (d) => {
      for (const r of predefined) {
        await d.run(
          `INSERT INTO roles (role_id, pretty_name, name_key, description, is_custom, components, dataset_permissions, created_by, created_ts, updated_ts)
           VALUES (?, ?, ?, ?, 0, ?, NULL, 'system', ?, NULL)
           ON CONFLICT (role_id) DO UPDATE SET pretty_name = excluded.pretty_name, name_key = excluded.name_key,
             description = excluded.description, components = excluded.components`,
          [
            r.roleId,
            r.prettyName,
            ROLE_KEY(r.prettyName),
            r.description,
            JSON.stringify(r.components),
            now,
          ],
        );
      }
    });
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  // ---------------------------------------------------------------- revision

  private async bump(d: Driver): Promise<void> {
    await d.run("UPDATE revision SET n = n + 1 WHERE id = 1");
  }

  /** The change counter that replicas poll to invalidate their caches. */
  async revision(): Promise<number> {
    const r = await this.driver.get<{ n: number }>("SELECT n FROM revision WHERE id = 1");
    return Number(r?.n ?? 0);
  }

  // ---------------------------------------------------------------- api keys

  /**
   * Creates a key with its role bindings and scope, and (when asked) the idempotency record
   * whose encrypted reply needs the new id — all in one transaction.
   */
  async createKey(input: {
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
    idempotency?: {
      actorKeyId: number;
      key: string;
      requestHash: string;
      notBefore: number;
      encryptReply: (id: number) => string;
    };
  }): Promise<number> {
    return this.driver.tx(async (d) => {
      if (input.idempotency) {
        const i = input.idempotency;
        // A record older than the idempotency window no longer counts.
        await d.run(
          "DELETE FROM idempotency WHERE actor_key_id = ? AND idem_key = ? AND created_at < ?",
          [i.actorKeyId, i.key, i.notBefore],
        );
        // Claims the idempotency key first: a concurrent twin blocks here (PostgreSQL) or
        // waits for the lock (SQLite), then fails the unique check and replays the stored reply.
        await d.run(
          "INSERT INTO idempotency (actor_key_id, idem_key, request_hash, reply_enc, created_at) VALUES (?, ?, ?, '', ?)",
          [i.actorKeyId, i.key, i.requestHash, input.createdAt],
        );
      }
      const roleNames = await this.roleNamesFor(d, input.roleIds);
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
        await d.run(
          "INSERT INTO role_bindings (binding_id, principal_type, principal_id, role_id, owner, created_by, created_ts) VALUES (?, 'api-key', ?, ?, 'api-key', ?, ?)",
          [input.bindingIds[i]!, String(id), input.roleIds[i]!, input.createdBy, input.createdAt],
        );
      }
      if (input.scope)
        await this.putScopeIn(d, "api-key", String(id), input.scope, input.createdAt);
      if (input.idempotency) {
        const i = input.idempotency;
        await d.run(
          "UPDATE idempotency SET reply_enc = ? WHERE actor_key_id = ? AND idem_key = ?",
          [i.encryptReply(id), i.actorKeyId, i.key],
        );
      }
      await this.bump(d);
      return id;
    });
  }

  /** The idempotency record for (actor, key), if younger than `notBefore`. */
  async getIdempotency(
    actorKeyId: number,
    key: string,
    notBefore: number,
  ): Promise<{ requestHash: string; replyEnc: string } | undefined> {
    const r = await this.driver.get<Row>(
      "SELECT request_hash, reply_enc FROM idempotency WHERE actor_key_id = ? AND idem_key = ? AND created_at >= ?",
      [actorKeyId, key, notBefore],
    );
    return r ? { requestHash: String(r.request_hash), replyEnc: String(r.reply_enc) } : undefined;
  }

  /** Remembers the reply to a create made under an idempotency key (a twin that got there first wins). */
  async saveIdempotentReply(r: {
    actorKeyId: number;
    key: string;
    requestHash: string;
    replyEnc: string;
    createdAt: number;
    notBefore: number;
  }): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        "DELETE FROM idempotency WHERE actor_key_id = ? AND idem_key = ? AND created_at < ?",
        [r.actorKeyId, r.key, r.notBefore],
      );
      await d.run(
        "INSERT INTO idempotency (actor_key_id, idem_key, request_hash, reply_enc, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [r.actorKeyId, r.key, r.requestHash, r.replyEnc, r.createdAt],
      );
    });
  }

  /** Drops idempotency records older than `before` (and any stale one under the same key first). */
  async purgeIdempotency(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM idempotency WHERE created_at < ?", [before]))
      .changes;
  }

  async getKeyAuth(id: number): Promise<KeyAuthRecord | undefined> {
    const r = await this.driver.get<Row>(
      "SELECT id, security_level, secret_hash, pepper_chain, secret_enc, master_key_id, expiration, status FROM api_keys WHERE id = ?",
      [id],
    );
    if (!r) return undefined;
    return {
      id: Number(r.id),
      securityLevel: r.security_level as SecurityLevel,
      secretHash: str(r.secret_hash),
      pepperChain: str(r.pepper_chain),
      secretEnc: str(r.secret_enc),
      masterKeyId: str(r.master_key_id),
      expiration: num(r.expiration),
      status: r.status as "active" | "revoked",
    };
  }

  private keyFromRow(
    r: Row,
    roles: Map<number, { ids: string[]; names: string[] }>,
    scopes: Map<number, string | null>,
  ): KeyRecord {
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

  private async keyExtras(d: Driver, ids: number[]) {
    const roles = new Map<number, { ids: string[]; names: string[] }>();
    const scopes = new Map<number, string | null>();
    if (ids.length === 0) return { roles, scopes };
    const sids = ids.map(String);
    for (let i = 0; i < sids.length; i += 500) {
      const chunk = sids.slice(i, i + 500);
      const rows = await d.all<Row>(
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
      const srows = await d.all<Row>(
        `SELECT entity_id, scope_definition_id FROM entity_scopes WHERE entity_type = 'api-key' AND entity_id IN (${placeholders(chunk.length)})`,
        chunk,
      );
      for (const row of srows) scopes.set(Number(row.entity_id), str(row.scope_definition_id));
    }
    return { roles, scopes };
  }

  async getKey(id: number): Promise<KeyRecord | undefined> {
    const r = await this.driver.get<Row>("SELECT * FROM api_keys WHERE id = ?", [id]);
    if (!r) return undefined;
    const { roles, scopes } = await this.keyExtras(this.driver, [id]);
    return this.keyFromRow(r, roles, scopes);
  }

  /** Lists keys with the reference's filters, sort and paging, in SQL. */
  async listKeys(q: {
    filters: KeyFilter[];
    sort?: { field: string; keyword: "asc" | "desc" };
    offset: number;
    limit: number;
    now: number;
    /** The total number of keys, when the caller knows it (cached). */
    totalCount?: number;
  }): Promise<{ rows: KeyRecord[]; filterCount: number; totalCount: number }> {
    // A condition is one SQL text, or a page shape and a count shape with the same parameters.
    const where: Array<string | { page: string; count: string }> = [];
    const params: Param[] = [];
    for (const f of q.filters) {
      switch (f.field) {
        case "id":
          if (f.value.length === 0) where.push("1 = 0");
          else {
            where.push(`k.id IN (${placeholders(f.value.length)})`);
            params.push(...f.value);
          }
          break;
        case "expiration":
          // A key that never expires is later than any date.
          if (f.operator === "gte") where.push("(k.expiration IS NULL OR k.expiration >= ?)");
          else where.push("(k.expiration IS NOT NULL AND k.expiration <= ?)");
          params.push(f.value);
          break;
        case "creation_time":
          where.push(f.operator === "gte" ? "k.created_at >= ?" : "k.created_at <= ?");
          params.push(f.value);
          break;
        case "roles": {
          const keys = f.value.map(ROLE_KEY);
          if (keys.length === 0) break;
          const bindings = `FROM role_bindings b JOIN roles r ON r.role_id = b.role_id
              WHERE b.principal_type = 'api-key' AND b.owner = 'api-key'
              AND (r.name_key IN (${placeholders(keys.length)}) OR r.role_id IN (${placeholders(f.value.length)}))`;
          // A page stops after LIMIT rows: a correlated EXISTS per key is cheapest. A count visits
          // every key: the set of matching key ids, built once, is (SQLite, 100,000 keys: 75 -> 32 ms).
          where.push({
            page: `EXISTS (SELECT 1 ${bindings} AND b.principal_id = CAST(k.id AS TEXT))`,
            count: `k.id IN (SELECT CAST(b.principal_id AS BIGINT) ${bindings})`,
          });
          params.push(...keys, ...f.value);
          break;
        }
        case "last_used":
          // Never used is as unused as it gets.
          where.push(
            f.operator === "lte" ? "(k.last_used IS NULL OR k.last_used <= ?)" : "k.last_used >= ?",
          );
          params.push(f.value);
          break;
        case "security_level":
          where.push(`k.security_level IN (${placeholders(f.value.length)})`);
          params.push(...f.value);
          break;
        case "comment":
          where.push("LOWER(COALESCE(k.comment, '')) LIKE ? ESCAPE '\\'");
          params.push(`%${likeEscape(f.value)}%`);
          break;
        case "created_by":
          where.push(`k.created_by IN (${placeholders(f.value.length)})`);
          params.push(...f.value);
          break;
        case "status": {
          const ors: string[] = [];
          for (const s of new Set(f.value)) {
            if (s === "revoked") ors.push("k.status = 'revoked'");
            if (s === "active") {
              ors.push("(k.status = 'active' AND (k.expiration IS NULL OR k.expiration > ?))");
              params.push(q.now);
            }
            if (s === "expired") {
              ors.push("(k.status = 'active' AND k.expiration IS NOT NULL AND k.expiration <= ?)");
              params.push(q.now);
            }
          }
          where.push(ors.length ? `(${ors.join(" OR ")})` : "1 = 0");
          break;
        }
      }
    }
    const sqlOf = (shape: "page" | "count") =>
      where.length
        ? `WHERE ${where.map((c) => (typeof c === "string" ? c : c[shape])).join(" AND ")}`
        : "";
    const whereSql = sqlOf("page");
    const countWhereSql = sqlOf("count");
    const col = KEY_SORT_COLUMNS[q.sort?.field ?? "id"] ?? "k.id";
    const dir = q.sort?.keyword === "desc" ? "DESC" : "ASC";
    const nulls = dir === "ASC" ? "NULLS LAST" : "NULLS FIRST";
    const order = col === "k.id" ? `k.id ${dir}` : `${col} ${dir} ${nulls}, k.id ${dir}`;
    // Plain reads, no transaction (a read transaction on SQLite would take the write lock): the
    // counts may be a write apart from the page, as with any paged API. The filtered count is
    // skipped when the page shows it (a first page that is not full), and the caller may pass
    // the total it has cached.
    const d = this.driver;
    // LIMIT and OFFSET as expressions, not bare parameters: SQLite (3.53) plans with a bare
    // bound LIMIT's value, so each new binding expires the statement and every call re-prepared
    // it (by id: 31 -> 9 us CPU per listKeys call; bench/RESULTS.md). The plans stay the same.
    const rows = await d.all<Row>(
      `SELECT k.* FROM api_keys k ${whereSql} ORDER BY ${order} LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)`,
      [...params, q.limit, q.offset],
    );
    const filterCount =
      q.offset === 0 && rows.length < q.limit
        ? rows.length
        : Number(
            (
              await d.get<{ c: number }>(
                `SELECT COUNT(*) AS c FROM api_keys k ${countWhereSql}`,
                params,
              )
            )?.c ?? 0,
          );
    const totalCount = q.totalCount ?? (where.length === 0 ? filterCount : await this.countKeys());
    const { roles, scopes } = await this.keyExtras(
      d,
      rows.map((r) => Number(r.id)),
    );
    return { rows: rows.map((r) => this.keyFromRow(r, roles, scopes)), filterCount, totalCount };
  }

  /**
   * Runs several reads together. Not in a transaction: on SQLite a transaction takes the write
   * lock, and these reads (a list and its details) may be a write apart, as any paged API's are.
   */
  private async driverRead<T>(fn: (d: Driver) => Promise<T>): Promise<T> {
    return fn(this.driver);
  }

  /** Edits a key; `roleIds` replaces the roles the key owns. Returns false when the key is gone. */
  async updateKey(
    id: number,
    patch: {
      roleIds?: string[];
      bindingIds?: string[];
      comment?: string | null;
      expiration?: number | null;
      by: string | null;
      now: number;
    },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const exists = await d.get<Row>("SELECT id FROM api_keys WHERE id = ?", [id]);
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
        const current = await d.all<Row>(
          "SELECT binding_id, role_id FROM role_bindings WHERE principal_type = 'api-key' AND principal_id = ? AND owner = 'api-key'",
          [String(id)],
        );
        const want = new Set(patch.roleIds);
        for (const c of current) {
          if (!want.has(String(c.role_id)))
            await d.run("DELETE FROM role_bindings WHERE binding_id = ?", [String(c.binding_id)]);
        }
        const have = new Set(current.map((c) => String(c.role_id)));
        for (let i = 0; i < patch.roleIds.length; i++) {
          const rid = patch.roleIds[i]!;
          if (have.has(rid)) continue;
          await d.run(
            "INSERT INTO role_bindings (binding_id, principal_type, principal_id, role_id, owner, created_by, created_ts) VALUES (?, 'api-key', ?, ?, 'api-key', ?, ?)",
            [patch.bindingIds![i]!, String(id), rid, patch.by, patch.now],
          );
        }
        sets.push("roles_sort = ?");
        params.push(rolesSort(await this.roleNamesFor(d, patch.roleIds)));
      }
      if (sets.length)
        await d.run(`UPDATE api_keys SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
      await this.bump(d);
      return true;
    });
  }

  /** Deletes keys and everything that hangs off them. Returns how many existed. */
  async deleteKeys(ids: number[]): Promise<number> {
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
      await this.bump(d);
      return n;
    });
  }

  /** Revokes keys: they stay listed, lose their secret material and never authenticate again. */
  async revokeKeys(ids: number[], now: number): Promise<number> {
    if (ids.length === 0) return 0;
    return this.driver.tx(async (d) => {
      const r = await d.run(
        `UPDATE api_keys SET status = 'revoked', revoked_at = ?, secret_hash = NULL, secret_enc = NULL
         WHERE status = 'active' AND id IN (${placeholders(ids.length)})`,
        [now, ...ids],
      );
      await this.bump(d);
      return r.changes;
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

  async countKeys(): Promise<number> {
    const r = await this.driver.get<{ c: number }>("SELECT COUNT(*) AS c FROM api_keys");
    return Number(r?.c ?? 0);
  }

  /** Keys that expire in `(from, to]` and are still active. */
  async keysExpiringBetween(
    from: number,
    to: number,
  ): Promise<Array<{ id: number; expiration: number }>> {
    const rows = await this.driver.all<Row>(
      "SELECT id, expiration FROM api_keys WHERE status = 'active' AND expiration IS NOT NULL AND expiration > ? AND expiration <= ? ORDER BY expiration",
      [from, to],
    );
    return rows.map((r) => ({ id: Number(r.id), expiration: Number(r.expiration) }));
  }

  /** Active, unexpired keys not used since `before` (never-used keys: made before it), with when that stretch began. */
  async keysUnusedSince(
    before: number,
    now: number,
  ): Promise<Array<{ id: number; since: number; lastUsed: number | null }>> {
    const rows = await this.driver.all<Row>(
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

  /** Every key's stored secret material (for re-encryption and re-peppering). */
  async allKeySecrets(): Promise<Array<KeySecret & { id: number; securityLevel: SecurityLevel }>> {
    const rows = await this.driver.all<Row>(
      "SELECT id, security_level, secret_hash, pepper_chain, secret_enc, master_key_id FROM api_keys WHERE status = 'active' ORDER BY id",
    );
    return rows.map((r) => ({
      id: Number(r.id),
      securityLevel: r.security_level as SecurityLevel,
      secretHash: str(r.secret_hash),
      pepperChain: str(r.pepper_chain),
      secretEnc: str(r.secret_enc),
      masterKeyId: str(r.master_key_id),
    }));
  }

  /** Replaces key secret material in one transaction (key-rotation command). */
  async replaceKeySecrets(entries: Array<{ id: number } & KeySecret>): Promise<void> {
    await this.driver.tx(async (d) => {
      for (const e of entries) {
        await d.run(
          "UPDATE api_keys SET secret_hash = ?, pepper_chain = ?, secret_enc = ?, master_key_id = ? WHERE id = ?",
          [e.secretHash, e.pepperChain, e.secretEnc, e.masterKeyId, e.id],
        );
      }
      await this.bump(d);
    });
  }

  /** Idempotency replies, for re-encryption under a new master key. */
  async allIdempotencyReplies(): Promise<
    Array<{ actorKeyId: number; key: string; replyEnc: string }>
  > {
    const rows = await this.driver.all<Row>(
      "SELECT actor_key_id, idem_key, reply_enc FROM idempotency",
    );
    return rows.map((r) => ({
      actorKeyId: Number(r.actor_key_id),
      key: String(r.idem_key),
      replyEnc: String(r.reply_enc),
    }));
  }

  async replaceIdempotencyReplies(
    entries: Array<{ actorKeyId: number; key: string; replyEnc: string }>,
  ): Promise<void> {
    await this.driver.tx(async (d) => {
      for (const e of entries) {
        await d.run(
          "UPDATE idempotency SET reply_enc = ? WHERE actor_key_id = ? AND idem_key = ?",
          [e.replyEnc, e.actorKeyId, e.key],
        );
      }
    });
  }

  /** The keyring check values recorded so far (see server/crypto/keyringCheck.ts). */
  async keyringChecks(): Promise<
    Array<{ kind: "master_key" | "pepper"; id: string; check: string }>
  > {
    const rows = await this.driver.all<Row>(
      "SELECT kind, version_id, check_value FROM keyring_checks",
    );
    return rows.map((r) => ({
      kind: r.kind as "master_key" | "pepper",
      id: String(r.version_id),
      check: String(r.check_value),
    }));
  }

  /** Records check values of keyring versions not recorded yet (a recorded one is never replaced). */
  async addKeyringChecks(
    entries: Array<{ kind: "master_key" | "pepper"; id: string; check: string }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.driver.tx(async (d) => {
      for (const e of entries) {
        await d.run(
          "INSERT INTO keyring_checks (kind, version_id, check_value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          [e.kind, e.id, e.check],
        );
      }
    });
  }

  /**
   * The keyring versions stored material depends on: master keys of Advanced secrets and the
   * peppers of Standard hash chains, with one Advanced secret per master key to try decrypting.
   */
  async keyringVersionsInUse(): Promise<{
    masterKeys: Map<string, { id: number; secretEnc: string }>;
    peppers: Set<string>;
  }> {
    const adv = await this.driver.all<Row>(
      "SELECT master_key_id, MIN(id) AS id FROM api_keys WHERE secret_enc IS NOT NULL AND master_key_id IS NOT NULL GROUP BY master_key_id",
    );
    const masterKeys = new Map<string, { id: number; secretEnc: string }>();
    for (const r of adv) {
      const row = await this.driver.get<Row>("SELECT secret_enc FROM api_keys WHERE id = ?", [
        Number(r.id),
      ]);
      if (row?.secret_enc)
        masterKeys.set(String(r.master_key_id), {
          id: Number(r.id),
          secretEnc: String(row.secret_enc),
        });
    }
    const chains = await this.driver.all<Row>(
      "SELECT DISTINCT pepper_chain FROM api_keys WHERE pepper_chain IS NOT NULL",
    );
    const peppers = new Set<string>();
    for (const r of chains) for (const id of String(r.pepper_chain).split(",")) peppers.add(id);
    return { masterKeys, peppers };
  }

  // ---------------------------------------------------------------- nonces

  /** Records a nonce; false when this key already used it inside the window (a replay). */
  /**
   * Records that `keyId` used `nonce`; true when it is new, false for a replay. Calls made in the
   * same turn of the event loop (concurrent Advanced requests) go to the database as one
   * multi-row INSERT: one commit, and on SQLite one WAL write of the touched pages, instead of
   * one per request. Each caller still learns whether its own nonce was new; of two identical
   * nonces in one batch only the first is.
   */
  recordNonce(keyId: number, nonce: string, seenAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.nonceQueue.push({ keyId, nonce, seenAt, resolve, reject });
      if (this.nonceQueue.length === 1) setImmediate(() => void this.flushNonces());
    });
  }

  private nonceQueue: PendingNonce[] = [];

  private async flushNonces(): Promise<void> {
    const all = this.nonceQueue;
    this.nonceQueue = [];
    for (let i = 0; i < all.length; i += NONCE_BATCH) {
      const batch = all.slice(i, i + NONCE_BATCH);
      try {
        const values = batch.map(() => "(?, ?, ?)").join(", ");
        const params = batch.flatMap((b) => [b.keyId, b.nonce, b.seenAt]);
        const rows = await this.driver.all<{ key_id: number | string; nonce: string }>(
          `INSERT INTO nonces (key_id, nonce, seen_at) VALUES ${values} ON CONFLICT DO NOTHING RETURNING key_id, nonce`,
          params,
        );
        const inserted = new Set(rows.map((r) => `${Number(r.key_id)}:${r.nonce}`));
        // `delete` hands each inserted row to the first caller that asked for it.
        for (const b of batch) b.resolve(inserted.delete(`${b.keyId}:${b.nonce}`));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }

  async purgeNonces(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM nonces WHERE seen_at < ?", [before])).changes;
  }

  /**
   * Adds one failed authentication of `subject` (all replicas count together). A window starts at
   * a subject's first failure and lasts `windowMs`; a failure after it starts a new one. Returns
   * the window and its count.
   */
  async countAuthFailure(
    subject: string,
    now: number,
    windowMs: number,
  ): Promise<{ start: number; n: number }> {
    const over = now - windowMs;
    const r = await this.driver.get<{ n: number | string; window_start: number | string }>(
      `INSERT INTO auth_failures (subject, window_start, n) VALUES (?, ?, 1)
       ON CONFLICT (subject) DO UPDATE SET
         n = CASE WHEN auth_failures.window_start <= ? THEN 1 ELSE auth_failures.n + 1 END,
         window_start = CASE WHEN auth_failures.window_start <= ? THEN excluded.window_start ELSE auth_failures.window_start END
       RETURNING n, window_start`,
      [subject, now, over, over],
    );
    return { start: Number(r!.window_start), n: Number(r!.n) };
  }

  async purgeAuthFailures(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM auth_failures WHERE window_start < ?", [before]))
      .changes;
  }

  // ---------------------------------------------------------------- roles

  private roleFromRow(r: Row): RoleRecord {
    return {
      roleId: String(r.role_id),
      prettyName: String(r.pretty_name),
      description: str(r.description),
      isCustom: Number(r.is_custom) === 1,
      components: JSON.parse(String(r.components)),
      datasetPermissions: r.dataset_permissions ? JSON.parse(String(r.dataset_permissions)) : null,
      createdBy: str(r.created_by),
      createdTs: num(r.created_ts),
      updatedTs: num(r.updated_ts),
      retiredAt: num(r.retired_at),
    };
  }

  private async roleNamesFor(d: Driver, roleIds: string[]): Promise<string[]> {
    if (roleIds.length === 0) return [];
    const rows = await d.all<Row>(
      `SELECT pretty_name FROM roles WHERE role_id IN (${placeholders(roleIds.length)})`,
      roleIds,
    );
    return rows.map((r) => String(r.pretty_name));
  }

  /** Roles; retired ones only when asked (the auth cache needs them: retiring keys still hold them). */
  async listRoles(offset = 0, limit = 1000, includeRetired = false): Promise<Page<RoleRecord>> {
    const w = includeRetired ? "" : "WHERE retired_at IS NULL";
    const rows = await this.driver.all<Row>(
      `SELECT * FROM roles ${w} ORDER BY is_custom, name_key LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    const t = await this.driver.get<{ c: number }>(`SELECT COUNT(*) AS c FROM roles ${w}`);
    return { rows: rows.map((r) => this.roleFromRow(r)), total: Number(t?.c ?? 0) };
  }

  /** A role by id or (case-insensitive) display name; retired roles are gone for this purpose. */
  async findRole(ref: string): Promise<RoleRecord | undefined> {
    const r =
      (await this.driver.get<Row>("SELECT * FROM roles WHERE role_id = ? AND retired_at IS NULL", [
        ref,
      ])) ??
      (await this.driver.get<Row>("SELECT * FROM roles WHERE name_key = ? AND retired_at IS NULL", [
        ROLE_KEY(ref),
      ]));
    return r ? this.roleFromRow(r) : undefined;
  }

  async getRolesByIds(ids: string[]): Promise<RoleRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.driver.all<Row>(
      `SELECT * FROM roles WHERE role_id IN (${placeholders(ids.length)})`,
      ids,
    );
    return rows.map((r) => this.roleFromRow(r));
  }

  async roleIdExists(id: string): Promise<boolean> {
    return !!(await this.driver.get("SELECT 1 AS x FROM roles WHERE role_id = ?", [id]));
  }

  async createRole(r: RoleRecord): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        `INSERT INTO roles (role_id, pretty_name, name_key, description, is_custom, components, dataset_permissions, created_by, created_ts, updated_ts)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL)`,
        [
          r.roleId,
          r.prettyName,
          ROLE_KEY(r.prettyName),
          r.description,
          JSON.stringify(r.components),
          r.datasetPermissions ? JSON.stringify(r.datasetPermissions) : null,
          r.createdBy,
          r.createdTs,
        ],
      );
      await this.bump(d);
    });
  }

  async updateRole(
    roleId: string,
    patch: {
      prettyName?: string;
      description?: string | null;
      components?: ComponentPermissions;
      datasetPermissions?: unknown[] | null;
      now: number;
    },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [patch.now];
      if (patch.prettyName !== undefined) {
        sets.push("pretty_name = ?", "name_key = ?");
        params.push(patch.prettyName, ROLE_KEY(patch.prettyName));
      }
      if (patch.description !== undefined) {
        sets.push("description = ?");
        params.push(patch.description);
      }
      if (patch.components !== undefined) {
        sets.push("components = ?");
        params.push(JSON.stringify(patch.components));
      }
      if (patch.datasetPermissions !== undefined) {
        sets.push("dataset_permissions = ?");
        params.push(patch.datasetPermissions ? JSON.stringify(patch.datasetPermissions) : null);
      }
      const r = await d.run(
        `UPDATE roles SET ${sets.join(", ")} WHERE role_id = ? AND is_custom = 1`,
        [...params, roleId],
      );
      if (r.changes === 0) return false;
      if (patch.prettyName !== undefined) {
        // Keep the denormalised sort column of keys holding this role in step.
        const keys = await d.all<Row>(
          "SELECT DISTINCT principal_id FROM role_bindings WHERE role_id = ? AND principal_type = 'api-key' AND owner = 'api-key'",
          [roleId],
        );
        for (const k of keys) {
          const names = await d.all<Row>(
            "SELECT r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id WHERE b.principal_type = 'api-key' AND b.owner = 'api-key' AND b.principal_id = ?",
            [String(k.principal_id)],
          );
          await d.run("UPDATE api_keys SET roles_sort = ? WHERE id = ?", [
            rolesSort(names.map((n) => String(n.pretty_name))),
            Number(k.principal_id),
          ]);
        }
      }
      await this.bump(d);
      return true;
    });
  }

  /** Who holds a role: the bindings that reference it. */
  async roleUsage(roleId: string): Promise<BindingRecord[]> {
    return (await this.listBindings({ roleId }, 0, 100)).rows;
  }

  /**
   * Deletes a custom role; 'in_use' when bindings reference it. With `whenUnused`, a role held
   * only by retiring keys (keys in their overlap after a rotation or destroy) is retired instead:
   * its name is freed at once, it can no longer be granted, and it is deleted when the last of
   * those keys expires.
   */
  async deleteRole(
    roleId: string,
    o: { whenUnused?: boolean; now?: number } = {},
  ): Promise<"deleted" | "not_found" | "in_use" | "read_only" | "retired"> {
    return this.driver.tx(async (d) => {
      const r = await d.get<Row>(
        "SELECT is_custom FROM roles WHERE role_id = ? AND retired_at IS NULL",
        [roleId],
      );
      if (!r) return "not_found";
      if (Number(r.is_custom) !== 1) return "read_only";
      return this.deleteOrRetire(
        d,
        { table: "roles", idColumn: "role_id", id: roleId, usedBy: ROLE_USERS },
        o,
      );
    });
  }

  /**
   * Ends a key's life at `until` instead of now (the overlap after a rotation or destroy): its
   * expiration becomes the sooner of its own and `until`, and once that passes the key is deleted
   * by the scheduler. A key already expired is deleted at once. Returns what happened.
   */
  async retireKey(
    id: number,
    until: number,
    now: number,
  ): Promise<"retiring" | "deleted" | "not_found"> {
    const k = await this.driver.get<Row>("SELECT expiration FROM api_keys WHERE id = ?", [id]);
    if (!k) return "not_found";
    const exp = num(k.expiration);
    const at = exp === null || exp > until ? until : exp;
    if (at <= now) return (await this.deleteKeys([id])) > 0 ? "deleted" : "not_found";
    return this.driver.tx(async (d) => {
      const r = await d.run("UPDATE api_keys SET expiration = ?, retiring = 1 WHERE id = ?", [
        at,
        id,
      ]);
      await this.bump(d);
      return r.changes ? "retiring" : "not_found";
    });
  }

  /** Deletes retiring keys whose time is up, then retired roles and scope definitions nothing uses. */
  async purgeRetired(
    now: number,
  ): Promise<{ keys: number; keyIds: number[]; roles: number; scopes: number }> {
    const ids = (
      await this.driver.all<Row>(
        "SELECT id FROM api_keys WHERE retiring = 1 AND expiration IS NOT NULL AND expiration <= ?",
        [now],
      )
    ).map((r) => Number(r.id));
    const keys = ids.length ? await this.deleteKeys(ids) : 0;
    const roles = (
      await this.driver.run(
        "DELETE FROM roles WHERE retired_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM role_bindings b WHERE b.role_id = roles.role_id)",
      )
    ).changes;
    const scopes = (
      await this.driver.run(
        "DELETE FROM scope_definitions WHERE retired_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entity_scopes e WHERE e.scope_definition_id = scope_definitions.scope_id)",
      )
    ).changes;
    if (roles || scopes) await this.driver.tx((d) => this.bump(d));
    return { keys, keyIds: ids, roles, scopes };
  }

  // ---------------------------------------------------------------- bindings

  private bindingFromRow(r: Row): BindingRecord {
    return {
      bindingId: String(r.binding_id),
      principalType: r.principal_type as PrincipalType,
      principalId: String(r.principal_id),
      roleId: String(r.role_id),
      roleName: String(r.pretty_name),
      owner: r.owner as BindingOwner,
      createdBy: str(r.created_by),
      createdTs: Number(r.created_ts),
    };
  }

  async listBindings(
    f: {
      principalType?: PrincipalType;
      principalId?: string;
      roleId?: string;
      owner?: BindingOwner;
    },
    offset: number,
    limit: number,
  ): Promise<Page<BindingRecord>> {
    const where: string[] = [];
    const params: Param[] = [];
    if (f.principalType) (where.push("b.principal_type = ?"), params.push(f.principalType));
    if (f.principalId) (where.push("b.principal_id = ?"), params.push(f.principalId));
    if (f.roleId) (where.push("b.role_id = ?"), params.push(f.roleId));
    if (f.owner) (where.push("b.owner = ?"), params.push(f.owner));
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const rows = await this.driver.all<Row>(
      `SELECT b.*, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id ${w} ORDER BY b.created_ts, b.binding_id LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    const t = await this.driver.get<{ c: number }>(
      `SELECT COUNT(*) AS c FROM role_bindings b ${w}`,
      params,
    );
    return { rows: rows.map((r) => this.bindingFromRow(r)), total: Number(t?.c ?? 0) };
  }

  async getBinding(id: string): Promise<BindingRecord | undefined> {
    const r = await this.driver.get<Row>(
      "SELECT b.*, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id WHERE b.binding_id = ?",
      [id],
    );
    return r ? this.bindingFromRow(r) : undefined;
  }

  /** Creates a binding. Throws UniqueViolation when the same principal already holds the role through this API. */
  async createBinding(b: Omit<BindingRecord, "roleName">): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        "INSERT INTO role_bindings (binding_id, principal_type, principal_id, role_id, owner, created_by, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [b.bindingId, b.principalType, b.principalId, b.roleId, b.owner, b.createdBy, b.createdTs],
      );
      await this.bump(d);
    });
  }

  async deleteBinding(id: string): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const r = await d.run("DELETE FROM role_bindings WHERE binding_id = ?", [id]);
      if (r.changes) await this.bump(d);
      return r.changes > 0;
    });
  }

  /** Role ids bound to one principal, through any owner. */
  async roleIdsOf(principalType: PrincipalType, principalId: string): Promise<string[]> {
    const rows = await this.driver.all<Row>(
      "SELECT DISTINCT role_id FROM role_bindings WHERE principal_type = ? AND principal_id = ?",
      [principalType, principalId],
    );
    return rows.map((r) => String(r.role_id));
  }

  /** Sets (or with null removes) the direct role of a user or group: the binding that principal owns. */
  private async setDirectRole(
    d: Driver,
    type: "user" | "user-group",
    id: string,
    roleId: string | null,
    bindingId: string,
    by: string | null,
    now: number,
  ) {
    await d.run(
      "DELETE FROM role_bindings WHERE principal_type = ? AND principal_id = ? AND owner = ?",
      [type, id, type],
    );
    if (roleId) {
      await d.run(
        "INSERT INTO role_bindings (binding_id, principal_type, principal_id, role_id, owner, created_by, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [bindingId, type, id, roleId, type, by, now],
      );
    }
  }

  private async directRoles(
    d: Driver,
    type: "user" | "user-group",
    ids: string[],
  ): Promise<Map<string, { roleId: string; roleName: string }>> {
    const out = new Map<string, { roleId: string; roleName: string }>();
    if (ids.length === 0) return out;
    const rows = await d.all<Row>(
      `SELECT b.principal_id, b.role_id, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id
       WHERE b.principal_type = ? AND b.owner = ? AND b.principal_id IN (${placeholders(ids.length)})`,
      [type, type, ...ids],
    );
    for (const r of rows)
      out.set(String(r.principal_id), {
        roleId: String(r.role_id),
        roleName: String(r.pretty_name),
      });
    return out;
  }

  // ---------------------------------------------------------------- users

  private userFromRow(r: Row): UserRecord {
    return {
      email: String(r.email),
      firstName: str(r.first_name),
      lastName: str(r.last_name),
      phoneNumber: str(r.phone_number),
      status: String(r.status),
      isHidden: Number(r.is_hidden) === 1,
      userType: String(r.user_type),
      lastLoggedIn: num(r.last_logged_in),
      createdTs: Number(r.created_ts),
      updatedTs: num(r.updated_ts),
    };
  }

  async listUsers(
    offset: number,
    limit: number,
  ): Promise<
    Page<
      UserRecord & {
        role: { roleId: string; roleName: string } | null;
        groups: Array<{ groupId: string; groupName: string }>;
      }
    >
  > {
    return this.driverRead(async (d) => {
      const rows = await d.all<Row>("SELECT * FROM users ORDER BY email LIMIT ? OFFSET ?", [
        limit,
        offset,
      ]);
      const t = await d.get<{ c: number }>("SELECT COUNT(*) AS c FROM users");
      const users = rows.map((r) => this.userFromRow(r));
      const emails = users.map((u) => u.email);
      const roles = await this.directRoles(d, "user", emails);
      const groups = await this.groupsOfUsers(d, emails);
      return {
        rows: users.map((u) => ({
          ...u,
          role: roles.get(u.email) ?? null,
          groups: groups.get(u.email) ?? [],
        })),
        total: Number(t?.c ?? 0),
      };
    });
  }

  private async groupsOfUsers(
    d: Driver,
    emails: string[],
  ): Promise<Map<string, Array<{ groupId: string; groupName: string }>>> {
    const out = new Map<string, Array<{ groupId: string; groupName: string }>>();
    if (emails.length === 0) return out;
    const rows = await d.all<Row>(
      `SELECT m.email, g.group_id, g.group_name FROM group_members m JOIN user_groups g ON g.group_id = m.group_id
       WHERE m.email IN (${placeholders(emails.length)}) ORDER BY g.name_key`,
      emails,
    );
    for (const r of rows) {
      const list = out.get(String(r.email)) ?? [];
      list.push({ groupId: String(r.group_id), groupName: String(r.group_name) });
      out.set(String(r.email), list);
    }
    return out;
  }

  async getUser(email: string) {
    return this.driverRead(async (d) => {
      const r = await d.get<Row>("SELECT * FROM users WHERE email = ?", [email]);
      if (!r) return undefined;
      const u = this.userFromRow(r);
      const roles = await this.directRoles(d, "user", [email]);
      const groups = await this.groupsOfUsers(d, [email]);
      return { ...u, role: roles.get(email) ?? null, groups: groups.get(email) ?? [] };
    });
  }

  async createUser(
    u: UserRecord,
    direct: { roleId: string | null; bindingId: string; by: string | null },
    groupIds: string[],
  ): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        `INSERT INTO users (email, first_name, last_name, phone_number, status, is_hidden, user_type, last_logged_in, created_ts, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)`,
        [
          u.email,
          u.firstName,
          u.lastName,
          u.phoneNumber,
          u.status,
          u.isHidden ? 1 : 0,
          u.userType,
          u.createdTs,
        ],
      );
      await this.setDirectRole(
        d,
        "user",
        u.email,
        direct.roleId,
        direct.bindingId,
        direct.by,
        u.createdTs,
      );
      for (const g of groupIds)
        await d.run("INSERT INTO group_members (group_id, email) VALUES (?, ?)", [g, u.email]);
      await this.bump(d);
    });
  }

  async patchUser(
    email: string,
    p: {
      firstName?: string | null;
      lastName?: string | null;
      phoneNumber?: string | null;
      status?: string;
      isHidden?: boolean;
      direct?: { roleId: string | null; bindingId: string; by: string | null };
      groupIds?: string[];
      now: number;
    },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [p.now];
      if (p.firstName !== undefined) (sets.push("first_name = ?"), params.push(p.firstName));
      if (p.lastName !== undefined) (sets.push("last_name = ?"), params.push(p.lastName));
      if (p.phoneNumber !== undefined) (sets.push("phone_number = ?"), params.push(p.phoneNumber));
      if (p.status !== undefined) (sets.push("status = ?"), params.push(p.status));
      if (p.isHidden !== undefined) (sets.push("is_hidden = ?"), params.push(p.isHidden ? 1 : 0));
      const r = await d.run(`UPDATE users SET ${sets.join(", ")} WHERE email = ?`, [
        ...params,
        email,
      ]);
      if (r.changes === 0) return false;
      if (p.direct)
        await this.setDirectRole(
          d,
          "user",
          email,
          p.direct.roleId,
          p.direct.bindingId,
          p.direct.by,
          p.now,
        );
      if (p.groupIds) {
        await d.run("DELETE FROM group_members WHERE email = ?", [email]);
        for (const g of p.groupIds)
          await d.run("INSERT INTO group_members (group_id, email) VALUES (?, ?)", [g, email]);
      }
      await this.bump(d);
      return true;
    });
  }

  async deleteUser(email: string): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const r = await d.run("DELETE FROM users WHERE email = ?", [email]);
      if (r.changes === 0) return false;
      await d.run("DELETE FROM role_bindings WHERE principal_type = 'user' AND principal_id = ?", [
        email,
      ]);
      await d.run("DELETE FROM entity_scopes WHERE entity_type = 'user' AND entity_id = ?", [
        email,
      ]);
      await this.bump(d);
      return true;
    });
  }

  async existingUsers(emails: string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    const rows = await this.driver.all<Row>(
      `SELECT email FROM users WHERE email IN (${placeholders(emails.length)})`,
      emails,
    );
    return new Set(rows.map((r) => String(r.email)));
  }

  // ---------------------------------------------------------------- groups

  private groupFromRow(r: Row): GroupRecord {
    return {
      groupId: String(r.group_id),
      groupName: String(r.group_name),
      description: str(r.description),
      groupType: String(r.group_type),
      idpGroups: JSON.parse(String(r.idp_groups ?? "[]")),
      createdBy: str(r.created_by),
      createdTs: Number(r.created_ts),
      updatedTs: num(r.updated_ts),
    };
  }

  private async groupDetails(d: Driver, groups: GroupRecord[]) {
    const ids = groups.map((g) => g.groupId);
    const roles = await this.directRoles(d, "user-group", ids);
    const members = new Map<string, string[]>();
    const nested = new Map<string, Array<{ groupId: string; groupName: string }>>();
    if (ids.length) {
      for (const r of await d.all<Row>(
        `SELECT group_id, email FROM group_members WHERE group_id IN (${placeholders(ids.length)}) ORDER BY email`,
        ids,
      )) {
        const l = members.get(String(r.group_id)) ?? [];
        l.push(String(r.email));
        members.set(String(r.group_id), l);
      }
      for (const r of await d.all<Row>(
        `SELECT n.group_id, g.group_id AS child_id, g.group_name FROM group_nesting n JOIN user_groups g ON g.group_id = n.child_group_id
         WHERE n.group_id IN (${placeholders(ids.length)}) ORDER BY g.name_key`,
        ids,
      )) {
        const l = nested.get(String(r.group_id)) ?? [];
        l.push({ groupId: String(r.child_id), groupName: String(r.group_name) });
        nested.set(String(r.group_id), l);
      }
    }
    return groups.map((g) => ({
      ...g,
      role: roles.get(g.groupId) ?? null,
      users: members.get(g.groupId) ?? [],
      nestedGroups: nested.get(g.groupId) ?? [],
    }));
  }

  async listGroups(offset: number, limit: number, names?: string[]) {
    return this.driverRead(async (d) => {
      const w = names ? `WHERE name_key IN (${placeholders(names.length)})` : "";
      const p = names ? names.map(ROLE_KEY) : [];
      const rows =
        names && names.length === 0
          ? []
          : await d.all<Row>(`SELECT * FROM user_groups ${w} ORDER BY name_key LIMIT ? OFFSET ?`, [
              ...p,
              limit,
              offset,
            ]);
      const t = await d.get<{ c: number }>("SELECT COUNT(*) AS c FROM user_groups");
      return {
        rows: await this.groupDetails(
          d,
          rows.map((r) => this.groupFromRow(r)),
        ),
        total: Number(t?.c ?? 0),
      };
    });
  }

  async getGroup(groupId: string) {
    return this.driverRead(async (d) => {
      const r = await d.get<Row>("SELECT * FROM user_groups WHERE group_id = ?", [groupId]);
      if (!r) return undefined;
      return (await this.groupDetails(d, [this.groupFromRow(r)]))[0];
    });
  }

  async existingGroups(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.driver.all<Row>(
      `SELECT group_id FROM user_groups WHERE group_id IN (${placeholders(ids.length)})`,
      ids,
    );
    return new Set(rows.map((r) => String(r.group_id)));
  }

  async createGroup(
    g: GroupRecord,
    direct: { roleId: string | null; bindingId: string; by: string | null },
    users: string[],
    nestedIds: string[],
  ): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        `INSERT INTO user_groups (group_id, group_name, name_key, description, group_type, idp_groups, created_by, created_ts, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [
          g.groupId,
          g.groupName,
          ROLE_KEY(g.groupName),
          g.description,
          g.groupType,
          JSON.stringify(g.idpGroups),
          g.createdBy,
          g.createdTs,
        ],
      );
      await this.setDirectRole(
        d,
        "user-group",
        g.groupId,
        direct.roleId,
        direct.bindingId,
        direct.by,
        g.createdTs,
      );
      for (const u of users)
        await d.run("INSERT INTO group_members (group_id, email) VALUES (?, ?)", [g.groupId, u]);
      for (const n of nestedIds)
        await d.run("INSERT INTO group_nesting (group_id, child_group_id) VALUES (?, ?)", [
          g.groupId,
          n,
        ]);
      await this.bump(d);
    });
  }

  async patchGroup(
    groupId: string,
    p: {
      groupName?: string;
      description?: string | null;
      idpGroups?: string[];
      direct?: { roleId: string | null; bindingId: string; by: string | null };
      users?: string[];
      nestedIds?: string[];
      now: number;
    },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [p.now];
      if (p.groupName !== undefined)
        (sets.push("group_name = ?", "name_key = ?"),
          params.push(p.groupName, ROLE_KEY(p.groupName)));
      if (p.description !== undefined) (sets.push("description = ?"), params.push(p.description));
      if (p.idpGroups !== undefined)
        (sets.push("idp_groups = ?"), params.push(JSON.stringify(p.idpGroups)));
      const r = await d.run(`UPDATE user_groups SET ${sets.join(", ")} WHERE group_id = ?`, [
        ...params,
        groupId,
      ]);
      if (r.changes === 0) return false;
      if (p.direct)
        await this.setDirectRole(
          d,
          "user-group",
          groupId,
          p.direct.roleId,
          p.direct.bindingId,
          p.direct.by,
          p.now,
        );
      if (p.users) {
        await d.run("DELETE FROM group_members WHERE group_id = ?", [groupId]);
        for (const u of p.users)
          await d.run("INSERT INTO group_members (group_id, email) VALUES (?, ?)", [groupId, u]);
      }
      if (p.nestedIds) {
        await d.run("DELETE FROM group_nesting WHERE group_id = ?", [groupId]);
        for (const n of p.nestedIds)
          await d.run("INSERT INTO group_nesting (group_id, child_group_id) VALUES (?, ?)", [
            groupId,
            n,
          ]);
      }
      await this.bump(d);
      return true;
    });
  }

  async deleteGroup(groupId: string): Promise<boolean> {
    return this.driver.tx(async (d) => {
      await d.run("DELETE FROM group_nesting WHERE group_id = ? OR child_group_id = ?", [
        groupId,
        groupId,
      ]);
      await d.run("DELETE FROM group_members WHERE group_id = ?", [groupId]);
      const r = await d.run("DELETE FROM user_groups WHERE group_id = ?", [groupId]);
      if (r.changes === 0) return false;
      await d.run(
        "DELETE FROM role_bindings WHERE principal_type = 'user-group' AND principal_id = ?",
        [groupId],
      );
      await d.run("DELETE FROM entity_scopes WHERE entity_type = 'user-group' AND entity_id = ?", [
        groupId,
      ]);
      await this.bump(d);
      return true;
    });
  }

  /** The groups a user belongs to, directly or through nesting (a member of a nested group belongs to its parent). */
  async groupIdsOfUser(email: string): Promise<string[]> {
    const direct = (
      await this.driver.all<Row>("SELECT group_id FROM group_members WHERE email = ?", [email])
    ).map((r) => String(r.group_id));
    return this.groupsWithParents(direct);
  }

  /** The given groups and every group they are nested in, transitively (their members belong to all of them). */
  async groupsWithParents(direct: string[]): Promise<string[]> {
    const edges = await this.driver.all<Row>("SELECT group_id, child_group_id FROM group_nesting");
    const parents = new Map<string, string[]>();
    for (const e of edges) {
      const l = parents.get(String(e.child_group_id)) ?? [];
      l.push(String(e.group_id));
      parents.set(String(e.child_group_id), l);
    }
    const seen = new Set<string>(direct);
    const queue = [...direct];
    while (queue.length) {
      const g = queue.shift()!;
      for (const p of parents.get(g) ?? []) if (!seen.has(p)) (seen.add(p), queue.push(p));
    }
    return [...seen];
  }

  /** Would nesting `childIds` under `groupId` make a cycle? */
  async nestingCycle(groupId: string, childIds: string[]): Promise<boolean> {
    const edges = await this.driver.all<Row>(
      "SELECT group_id, child_group_id FROM group_nesting WHERE group_id <> ?",
      [groupId],
    );
    const children = new Map<string, string[]>();
    for (const e of edges) {
      const l = children.get(String(e.group_id)) ?? [];
      l.push(String(e.child_group_id));
      children.set(String(e.group_id), l);
    }
    const seen = new Set<string>();
    const stack = [...childIds];
    while (stack.length) {
      const g = stack.pop()!;
      if (g === groupId) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...(children.get(g) ?? []));
    }
    return false;
  }

  // ---------------------------------------------------------------- scopes

  private scopeDefFromRow(r: Row): ScopeDefinitionRecord {
    return {
      scopeId: String(r.scope_id),
      name: String(r.name),
      description: str(r.description),
      areas: JSON.parse(String(r.areas)),
      createdBy: str(r.created_by),
      createdTs: Number(r.created_ts),
      updatedTs: num(r.updated_ts),
    };
  }

  async listScopeDefinitions(offset: number, limit: number): Promise<Page<ScopeDefinitionRecord>> {
    const rows = await this.driver.all<Row>(
      "SELECT * FROM scope_definitions WHERE retired_at IS NULL ORDER BY name_key LIMIT ? OFFSET ?",
      [limit, offset],
    );
    const t = await this.driver.get<{ c: number }>(
      "SELECT COUNT(*) AS c FROM scope_definitions WHERE retired_at IS NULL",
    );
    return { rows: rows.map((r) => this.scopeDefFromRow(r)), total: Number(t?.c ?? 0) };
  }

  /** A scope definition by id or (case-insensitive) name. */
  async findScopeDefinition(ref: string): Promise<ScopeDefinitionRecord | undefined> {
    const r =
      (await this.driver.get<Row>(
        "SELECT * FROM scope_definitions WHERE scope_id = ? AND retired_at IS NULL",
        [ref],
      )) ??
      (await this.driver.get<Row>(
        "SELECT * FROM scope_definitions WHERE name_key = ? AND retired_at IS NULL",
        [ROLE_KEY(ref)],
      ));
    return r ? this.scopeDefFromRow(r) : undefined;
  }

  async createScopeDefinition(s: ScopeDefinitionRecord): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        "INSERT INTO scope_definitions (scope_id, name, name_key, description, areas, created_by, created_ts, updated_ts) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [
          s.scopeId,
          s.name,
          ROLE_KEY(s.name),
          s.description,
          JSON.stringify(s.areas),
          s.createdBy,
          s.createdTs,
        ],
      );
      await this.bump(d);
    });
  }

  async updateScopeDefinition(
    scopeId: string,
    p: { name?: string; description?: string | null; areas?: CanonicalScope; now: number },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [p.now];
      if (p.name !== undefined)
        (sets.push("name = ?", "name_key = ?"), params.push(p.name, ROLE_KEY(p.name)));
      if (p.description !== undefined) (sets.push("description = ?"), params.push(p.description));
      if (p.areas !== undefined) (sets.push("areas = ?"), params.push(JSON.stringify(p.areas)));
      const r = await d.run(`UPDATE scope_definitions SET ${sets.join(", ")} WHERE scope_id = ?`, [
        ...params,
        scopeId,
      ]);
      if (r.changes) await this.bump(d);
      return r.changes > 0;
    });
  }

  /** Deletes a scope definition; with `whenUnused`, one used only by retiring keys is retired (as roles are). */
  async deleteScopeDefinition(
    scopeId: string,
    o: { whenUnused?: boolean; now?: number } = {},
  ): Promise<"deleted" | "not_found" | "in_use" | "retired"> {
    return this.driver.tx(async (d) => {
      const live = await d.get<Row>(
        "SELECT 1 AS x FROM scope_definitions WHERE scope_id = ? AND retired_at IS NULL",
        [scopeId],
      );
      if (!live) return "not_found";
      return this.deleteOrRetire(
        d,
        { table: "scope_definitions", idColumn: "scope_id", id: scopeId, usedBy: SCOPE_USERS },
        o,
      );
    });
  }

  /**
   * Deletes a role or scope definition nothing uses; with `whenUnused`, one used only by retiring
   * keys is retired instead (its name freed, deleted by purgeRetired once those keys are gone).
   */
  private async deleteOrRetire(
    d: Driver,
    t: { table: "roles" | "scope_definitions"; idColumn: string; id: string; usedBy: UsageTable },
    o: { whenUnused?: boolean; now?: number },
  ): Promise<"deleted" | "in_use" | "retired"> {
    const u = t.usedBy;
    if (!(await d.get<Row>(`SELECT 1 AS x FROM ${u.table} WHERE ${u.refColumn} = ?`, [t.id]))) {
      await d.run(`DELETE FROM ${t.table} WHERE ${t.idColumn} = ?`, [t.id]);
      await this.bump(d);
      return "deleted";
    }
    if (!o.whenUnused) return "in_use";
    const blocking = await d.get<Row>(
      `SELECT 1 AS x FROM ${u.table} u LEFT JOIN api_keys k ON u.${u.typeColumn} = 'api-key' AND k.id = CAST(u.${u.principalColumn} AS BIGINT)
       WHERE u.${u.refColumn} = ? AND (k.id IS NULL OR k.retiring <> 1)`,
      [t.id],
    );
    if (blocking) return "in_use";
    await d.run(`UPDATE ${t.table} SET retired_at = ?, name_key = ? WHERE ${t.idColumn} = ?`, [
      o.now ?? 0,
      `retired:${t.id}`,
      t.id,
    ]);
    await this.bump(d);
    return "retired";
  }

  async scopeDefinitionUsers(
    scopeId: string,
  ): Promise<Array<{ entityType: string; entityId: string }>> {
    const rows = await this.driver.all<Row>(
      "SELECT entity_type, entity_id FROM entity_scopes WHERE scope_definition_id = ? ORDER BY entity_type, entity_id LIMIT 20",
      [scopeId],
    );
    return rows.map((r) => ({ entityType: String(r.entity_type), entityId: String(r.entity_id) }));
  }

  private async putScopeIn(
    d: Driver,
    type: PrincipalType,
    id: string,
    s: ScopeAssignment | null,
    now: number,
  ): Promise<void> {
    if (s === null) {
      await d.run("DELETE FROM entity_scopes WHERE entity_type = ? AND entity_id = ?", [type, id]);
      return;
    }
    const defId = "scopeDefinitionId" in s ? s.scopeDefinitionId : null;
    const areas = "areas" in s ? JSON.stringify(s.areas) : null;
    await d.run(
      `INSERT INTO entity_scopes (entity_type, entity_id, scope_definition_id, areas, updated_ts) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (entity_type, entity_id) DO UPDATE SET scope_definition_id = excluded.scope_definition_id, areas = excluded.areas, updated_ts = excluded.updated_ts`,
      [type, id, defId, areas, now],
    );
  }

  /** Sets (or with null removes) an entity's scope. */
  async putEntityScope(
    type: PrincipalType,
    id: string,
    s: ScopeAssignment | null,
    now: number,
  ): Promise<void> {
    await this.driver.tx(async (d) => {
      await this.putScopeIn(d, type, id, s, now);
      await this.bump(d);
    });
  }

  async getEntityScope(type: PrincipalType, id: string): Promise<EntityScopeRecord | undefined> {
    const r = await this.driver.get<Row>(
      `SELECT e.entity_type, e.entity_id, e.scope_definition_id, e.areas, e.updated_ts, s.areas AS def_areas
       FROM entity_scopes e LEFT JOIN scope_definitions s ON s.scope_id = e.scope_definition_id
       WHERE e.entity_type = ? AND e.entity_id = ?`,
      [type, id],
    );
    if (!r) return undefined;
    return {
      entityType: r.entity_type as PrincipalType,
      entityId: String(r.entity_id),
      scopeDefinitionId: str(r.scope_definition_id),
      areas: JSON.parse(String(r.scope_definition_id ? r.def_areas : r.areas)),
      updatedTs: Number(r.updated_ts),
    };
  }

  /** Whether a principal exists (for scope and binding writes). */
  async principalExists(type: PrincipalType, id: string): Promise<boolean> {
    if (type === "api-key") {
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n <= 0) return false;
      return !!(await this.driver.get("SELECT 1 AS x FROM api_keys WHERE id = ?", [n]));
    }
    if (type === "user")
      return !!(await this.driver.get("SELECT 1 AS x FROM users WHERE email = ?", [id]));
    return !!(await this.driver.get("SELECT 1 AS x FROM user_groups WHERE group_id = ?", [id]));
  }

  // ---------------------------------------------------------------- settings

  async getSettings(): Promise<Settings> {
    const rows = await this.driver.all<Row>("SELECT k, v FROM settings");
    const s: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of rows)
      if (String(r.k) in DEFAULT_SETTINGS) s[String(r.k)] = JSON.parse(String(r.v));
    return s as Settings;
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    await this.driver.tx(async (d) => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        await d.run(
          "INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
          [k, JSON.stringify(v)],
        );
      }
      await this.bump(d);
    });
    return this.getSettings();
  }

  // ---------------------------------------------------------------- notifications

  private notificationFromRow(r: Row): NotificationRecord {
    return {
      id: Number(r.id),
      keyId: Number(r.key_id),
      lead: r.lead as "7d" | "1d" | "unused",
      expiration: Number(r.expiration),
      title: String(r.title),
      message: String(r.message),
      createdTs: Number(r.created_ts),
      read: Number(r.is_read) === 1,
      webhookStatus: r.webhook_status as NotificationRecord["webhookStatus"],
      webhookAttempts: Number(r.webhook_attempts),
      webhookNextAt: num(r.webhook_next_at),
      webhookLastError: str(r.webhook_last_error),
    };
  }

  /** Inserts a notice unless one exists for (key, lead, expiration); returns it when inserted. */
  async insertNotification(
    n: Omit<NotificationRecord, "id" | "read" | "webhookAttempts" | "webhookLastError">,
  ): Promise<NotificationRecord | undefined> {
    const r = await this.driver.get<Row>(
      `INSERT INTO notifications (key_id, lead, expiration, title, message, created_ts, is_read, webhook_status, webhook_attempts, webhook_next_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?) ON CONFLICT (key_id, lead, expiration) DO NOTHING RETURNING *`,
      [
        n.keyId,
        n.lead,
        n.expiration,
        n.title,
        n.message,
        n.createdTs,
        n.webhookStatus,
        n.webhookNextAt,
      ],
    );
    return r ? this.notificationFromRow(r) : undefined;
  }

  async listNotifications(
    f: { unread?: boolean; keyId?: number },
    offset: number,
    limit: number,
  ): Promise<Page<NotificationRecord>> {
    const where: string[] = [];
    const params: Param[] = [];
    if (f.unread !== undefined) (where.push("is_read = ?"), params.push(f.unread ? 0 : 1));
    if (f.keyId !== undefined) (where.push("key_id = ?"), params.push(f.keyId));
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const rows = await this.driver.all<Row>(
      `SELECT * FROM notifications ${w} ORDER BY created_ts DESC, id DESC LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    const t = await this.driver.get<{ c: number }>(
      `SELECT COUNT(*) AS c FROM notifications ${w}`,
      params,
    );
    return { rows: rows.map((r) => this.notificationFromRow(r)), total: Number(t?.c ?? 0) };
  }

  async setNotificationRead(id: number, read: boolean): Promise<NotificationRecord | undefined> {
    await this.driver.run("UPDATE notifications SET is_read = ? WHERE id = ?", [read ? 1 : 0, id]);
    const r = await this.driver.get<Row>("SELECT * FROM notifications WHERE id = ?", [id]);
    return r ? this.notificationFromRow(r) : undefined;
  }

  /** Notices whose webhook delivery is due. */
  async dueWebhooks(now: number, limit = 50): Promise<NotificationRecord[]> {
    const rows = await this.driver.all<Row>(
      "SELECT * FROM notifications WHERE webhook_status = 'pending' AND (webhook_next_at IS NULL OR webhook_next_at <= ?) ORDER BY id LIMIT ?",
      [now, limit],
    );
    return rows.map((r) => this.notificationFromRow(r));
  }

  async recordWebhookAttempt(
    id: number,
    r: { status: "pending" | "delivered" | "failed"; nextAt: number | null; error: string | null },
  ): Promise<void> {
    await this.driver.run(
      "UPDATE notifications SET webhook_status = ?, webhook_attempts = webhook_attempts + 1, webhook_next_at = ?, webhook_last_error = ? WHERE id = ?",
      [r.status, r.nextAt, r.error, id],
    );
  }

  // ---------------------------------------------------------------- leases

  /** Takes or renews a named lease; true when `holder` holds it until `now + ttl`. */
  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const r = await this.driver.run(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.expires_at < ? OR leases.holder = excluded.holder`,
      [name, holder, now + ttlMs, now],
    );
    return r.changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.driver.run("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder]);
  }

  // ---------------------------------------------------------------- audit

  /** Deletes audit entries older than `before` (the retention setting); returns how many. */
  async purgeAudit(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM audit_log WHERE ts < ?", [before])).changes;
  }

  async insertAudit(a: NewAudit): Promise<void> {
    await this.driver.run(
      `INSERT INTO audit_log (ts, actor_key_id, owner_name, owner_email, entity, subtype, result, reason, description, object_id,
         asset_names, source_ip, user_agent, user_roles, additional, severity)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        a.ts,
        a.actorKeyId,
        a.ownerName,
        a.ownerEmail,
        a.entity,
        a.subtype,
        a.result,
        a.reason,
        a.description,
        a.objectId,
        a.assetNames,
        a.sourceIp,
        a.userAgent,
        JSON.stringify(a.userRoles),
        JSON.stringify(a.additional),
        a.severity,
      ],
    );
  }

  async listAudit(q: {
    filters: AuditFilter[];
    sort?: { field: string; keyword: "asc" | "desc" };
    offset: number;
    limit: number;
  }): Promise<Page<AuditRecord>> {
    const where: string[] = [];
    const params: Param[] = [];
    const col: Record<string, string> = {
      email: AUDIT_SORT_COLUMNS.email!,
      type: "entity",
      sub_type: "subtype",
      result: "result",
    };
    for (const f of q.filters) {
      if (f.field === "timestamp") {
        where.push(f.operator === "gte" ? "ts >= ?" : "ts <= ?");
        params.push(f.value as number);
      } else {
        const vals = f.value as string[];
        if (vals.length === 0) where.push("1 = 0");
        else {
          where.push(`${col[f.field]} IN (${placeholders(vals.length)})`);
          params.push(...vals);
        }
      }
    }
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sortCol = AUDIT_SORT_COLUMNS[q.sort?.field ?? "timestamp"] ?? "ts";
    const dir = q.sort?.keyword === "asc" ? "ASC" : q.sort ? "DESC" : "DESC";
    const rows = await this.driver.all<Row>(
      `SELECT * FROM audit_log ${w} ORDER BY ${sortCol} ${dir}, id ${dir} LIMIT ? OFFSET ?`,
      [...params, q.limit, q.offset],
    );
    const t = await this.driver.get<{ c: number }>(
      `SELECT COUNT(*) AS c FROM audit_log ${w}`,
      params,
    );
    return {
      rows: rows.map((r) => ({
        id: Number(r.id),
        ts: Number(r.ts),
        actorKeyId: num(r.actor_key_id),
        ownerName: str(r.owner_name),
        ownerEmail: str(r.owner_email),
        entity: String(r.entity),
        subtype: str(r.subtype),
        result: r.result as "SUCCESS" | "FAIL",
        reason: str(r.reason),
        description: str(r.description),
        objectId: str(r.object_id),
        assetNames: str(r.asset_names),
        sourceIp: str(r.source_ip),
        userAgent: str(r.user_agent),
        userRoles: JSON.parse(String(r.user_roles)),
        additional: JSON.parse(String(r.additional)),
        severity: String(r.severity),
      })),
      total: Number(t?.c ?? 0),
    };
  }
}

/** A table whose rows use a role or a scope definition, and the columns naming who uses it. */
interface UsageTable {
  table: string;
  refColumn: string;
  typeColumn: string;
  principalColumn: string;
}
const ROLE_USERS: UsageTable = {
  table: "role_bindings",
  refColumn: "role_id",
  typeColumn: "principal_type",
  principalColumn: "principal_id",
};
const SCOPE_USERS: UsageTable = {
  table: "entity_scopes",
  refColumn: "scope_definition_id",
  typeColumn: "entity_type",
  principalColumn: "entity_id",
};

function rolesSort(names: string[]): string {
  return names
    .map((n) => n.toLowerCase())
    .sort()
    .join(",");
}
