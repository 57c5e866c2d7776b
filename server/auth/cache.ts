/**
 * What the hot path needs, cached: per key its auth record, decrypted Advanced secret, effective
 * roles, permissions and scope; all roles; the tenant settings. A replica drops everything when
 * the store's `revision` moves (polled every 200 ms) and at once after its own writes (a
 * generate or a delete of keys drops only what it changes: {@link AuthCache.keysWritten}), so a revocation reaches every replica well within a second.
 *
 * Memory: up to 100,000 keys are cached, so an entry holds only what is its own, in one object
 * ({@link CachedKey}). Keys with the same roles share one frozen copy of their role ids, names and
 * permissions, and the few distinct strings (security level, status, pepper chain) are shared
 * too; with 100,000 keys this cuts the cache to a third (about 770 → 440 → 260 bytes a key;
 * bench/RESULTS.md). The stored keyed hash is kept as its 32 bytes, not its 64 hex digits
 * (245 → 215 bytes a key in `node --expose-gc dist/bench/micro.js cache`), and a proven value's
 * digest takes its place instead of adding ~50 bytes beside it.
 */
import { hash, timingSafeEqual } from "node:crypto";
import type { CanonicalScope, ComponentPermissions, Settings } from "../../sdk/contract";
import { ADMIN_ROLE_IDS, unionPermissions } from "../authz/roles";
import type { Keyring } from "../crypto/keyring";
import type { RoleRecord, Store } from "../store/store";

export interface KeyPrincipal {
  keyId: number;
  securityLevel: "standard" | "advanced";
  expiration: number | null;
  status: "active" | "revoked";
  roleIds: string[];
  roleNames: string[];
  permissions: ComponentPermissions;
  admin: boolean;
  scope: CanonicalScope | null;
  scopeDefinitionId: string | null;
  /** How the audit log and `created_by` name this key. */
  displayName: string;
}

export const keyDisplayName = (id: number) => `Public API - ${id}`;

/**
 * What handlers, the audit log and verify's reply get of an authenticated key: a frozen copy of
 * the {@link KeyPrincipal} fields and nothing else, so no log line or error written with it can
 * hold the decrypted Advanced secret or the Standard hash the cache entry keeps.
 */
export function principalView(k: KeyPrincipal): KeyPrincipal {
  return Object.freeze({
    keyId: k.keyId,
    securityLevel: k.securityLevel,
    expiration: k.expiration,
    status: k.status,
    roleIds: k.roleIds,
    roleNames: k.roleNames,
    permissions: k.permissions,
    admin: k.admin,
    scope: k.scope,
    scopeDefinitionId: k.scopeDefinitionId,
    displayName: k.displayName,
  });
}

/** Scratch space to compare a remembered digest in (the hot path is synchronous: one at a time). */
const digestScratch = Buffer.alloc(32);

/**
 * One cached key: what authentication checks and, as its own principal, what handlers see. One
 * object per key (no separate auth record, principal or display name string): role data comes
 * from the shared {@link Grant}, the display name is computed when asked for.
 */
export class CachedKey implements KeyPrincipal {
  /**
   * Standard keys: 32 bytes as a binary string (half the size of their hex). First the stored
   * keyed hash; once a value has passed the full check on this entry, sha256 of that value
   * instead ({@link proven}), so that later requests with it compare one plain digest instead of
   * recomputing the HMAC chain, and any other value is known to be wrong without the stored hash
   * (the caller still pays the chain for it, for timing). It lives and dies with the entry: every
   * write, here or on another replica, drops the cache and with it what was proven (a generate
   * here keeps the other keys' entries: it cannot change them).
   */
  private check: string | null;
  /** Whether {@link check} holds the digest of a proven value rather than the stored hash. */
  private proven = false;
  constructor(
    readonly keyId: number,
    readonly securityLevel: "standard" | "advanced",
    readonly expiration: number | null,
    readonly status: "active" | "revoked",
    /** Standard keys: the keyed hash of the key (hex, as stored) and the pepper chain it was made with. */
    secretHash: string | null,
    readonly pepperChain: string | null,
    /** Advanced keys: the decrypted key, to recompute signatures. */
    readonly secret: string | null,
    private readonly grant: Grant,
    readonly scope: CanonicalScope | null,
    readonly scopeDefinitionId: string | null,
  ) {
    this.check = secretHash ? Buffer.from(secretHash, "hex").toString("latin1") : null;
  }
  /** Whether the key can be checked at all (a Standard key with its hash: not revoked). */
  get hasSecretHash(): boolean {
    return this.check !== null;
  }
  /**
   * The stored keyed hash in hex, as the keyring checks it; null once a value was proven (then
   * no other value can be the key) or when there is none.
   */
  get secretHash(): string | null {
    return this.check === null || this.proven
      ? null
      : Buffer.from(this.check, "latin1").toString("hex");
  }
  get roleIds(): string[] {
    return this.grant.roleIds;
  }
  get roleNames(): string[] {
    return this.grant.roleNames;
  }
  get permissions(): ComponentPermissions {
    return this.grant.permissions;
  }
  get admin(): boolean {
    return this.grant.admin;
  }
  get displayName(): string {
    return keyDisplayName(this.keyId);
  }
  /** Whether `presented` is the very value that passed the full check on this entry (constant time). */
  isProven(presented: string): boolean {
    if (!this.proven || this.check === null) return false;
    digestScratch.write(this.check, "binary");
    return timingSafeEqual(hash("sha256", presented, "buffer"), digestScratch);
  }
  /** Remembers a value that has just passed the full check (see {@link proven}). */
  remember(presented: string): void {
    this.check = hash("sha256", presented, "binary");
    this.proven = true;
  }
}

/** What every key with the same role ids shares (frozen: principals never change it). */
interface Grant {
  roleIds: string[];
  roleNames: string[];
  permissions: ComponentPermissions;
  admin: boolean;
}

export class AuthCache {
  private keys = new Map<number, CachedKey | null>();
  private roles: Map<string, RoleRecord> | null = null;
  private settings: Settings | null = null;
  private keyCount: number | null = null;
  private keyScopes: string[] | null = null;
  private rev = -1;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** Loads in flight, so a burst of requests for one key costs one load. */
  private loading = new Map<number, Promise<CachedKey | null>>();
  private readonly maxKeys = 100_000;
  /** One Grant per distinct list of role ids; dropped with the roles. */
  private grants = new Map<string, Grant>();
  /** Low-cardinality strings of auth records (levels, statuses, pepper chains, master key ids). */
  private strings = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly keyring: Keyring,
  ) {}

  /** Starts polling the revision counter. */
  start(intervalMs = 200): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Checks the revision and drops the caches when it moved. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const r = await this.store.revision();
      if (r !== this.rev) {
        this.invalidate();
        this.rev = r;
      }
    } catch {
      // A store hiccup: keep serving; the next poll retries.
    } finally {
      this.polling = false;
    }
  }

  /** Drops everything (after a local write, or when another replica wrote). */
  invalidate(): void {
    this.keys = new Map();
    this.roles = null;
    this.settings = null;
    this.keyCount = null;
    this.keyScopes = null;
    this.loading = new Map();
    this.grants = new Map();
  }

  /**
   * After this replica's write that created or deleted exactly keys `ids` (a generate, a delete
   * of keys): no other cached key, role, grant or setting changes, so only those keys' entries
   * (a remembered miss, a load in flight) and the counts go. A full drop made the caller's next
   * request (a verify of the new key, the next delete of a destroy) reload its own key, the
   * roles and the settings. Other replicas drop everything on the revision poll.
   */
  keysWritten(ids: readonly number[]): void {
    for (const id of ids) {
      this.keys.delete(id);
      this.loading.delete(id);
    }
    this.keyCount = null;
    this.keyScopes = null;
  }

  /** How many keys exist (get_api_keys' TOTAL_COUNT), cached like everything else here. */
  async totalKeys(): Promise<number> {
    if (this.keyCount === null) this.keyCount = await this.store.countKeys();
    return this.keyCount;
  }

  /** The distinct scopes keys have (what key lists are narrowed by), cached like the rest. */
  async keyScopeTexts(): Promise<string[]> {
    if (this.keyScopes === null) this.keyScopes = await this.store.keyScopeTexts();
    return this.keyScopes;
  }

  async getSettings(): Promise<Settings> {
    if (!this.settings) this.settings = await this.store.getSettings();
    return this.settings;
  }

  async allRoles(): Promise<Map<string, RoleRecord>> {
    if (!this.roles) {
      const page = await this.store.listRoles(0, 100_000, true);
      this.roles = new Map(page.rows.map((r) => [r.roleId, r]));
    }
    return this.roles;
  }

  /** Effective permissions of a set of role ids. */
  async permissionsOf(
    roleIds: string[],
  ): Promise<{ permissions: ComponentPermissions; names: string[]; admin: boolean }> {
    const all = await this.allRoles();
    const roles = roleIds.map((id) => all.get(id)).filter((r): r is RoleRecord => !!r);
    return {
      permissions: unionPermissions(roles),
      names: roles.map((r) => r.prettyName).sort((a, b) => a.localeCompare(b)),
      admin: roleIds.some((id) => ADMIN_ROLE_IDS.has(id)),
    };
  }

  private async grantOf(roleIds: string[]): Promise<Grant> {
    const k = roleIds.join("\n");
    const grants = this.grants;
    const hit = grants.get(k);
    if (hit) return hit;
    const { permissions, names, admin } = await this.permissionsOf(roleIds);
    const g: Grant = Object.freeze({
      roleIds: Object.freeze([...roleIds]) as string[],
      roleNames: Object.freeze(names) as string[],
      permissions: Object.freeze(permissions),
      admin,
    });
    if (grants.size < 10_000) grants.set(k, g);
    return g;
  }

  private shared<T extends string | null>(v: T): T {
    if (v === null) return v;
    const hit = this.strings.get(v);
    if (hit !== undefined) return hit as T;
    if (this.strings.size < 1_000) this.strings.set(v, v);
    return v;
  }

  /** The key with its effective principal, or null when no such key exists. */
  async key(id: number): Promise<CachedKey | null> {
    const hit = this.keys.get(id);
    if (hit !== undefined) return hit;
    let p = this.loading.get(id);
    if (!p) {
      const keys = this.keys;
      p = this.load(id).then(
        (v) => {
          // Not when the cache was dropped meanwhile, nor when this id's entry was
          // (keysWritten): what this load read may predate that write.
          if (this.keys === keys && this.loading.get(id) === p) {
            if (keys.size >= this.maxKeys) keys.clear();
            keys.set(id, v);
          }
          if (this.loading.get(id) === p) this.loading.delete(id);
          return v;
        },
        (e) => {
          if (this.loading.get(id) === p) this.loading.delete(id);
          throw e;
        },
      );
      this.loading.set(id, p);
    }
    return p;
  }

  private async load(id: number): Promise<CachedKey | null> {
    const auth = await this.store.getKeyAuth(id);
    if (!auth) return null;
    const roleIds = await this.store.roleIdsOf("api-key", String(id));
    const scope = await this.store.getEntityScope("api-key", String(id));
    const grant = await this.grantOf(roleIds);
    let secret: string | null = null;
    if (auth.securityLevel === "advanced" && auth.secretEnc && auth.masterKeyId) {
      secret = this.keyring
        .decrypt(auth.secretEnc, auth.masterKeyId, `api-key:${id}`)
        .toString("utf8");
    }
    return new CachedKey(
      id,
      this.shared(auth.securityLevel),
      auth.expiration,
      this.shared(auth.status),
      auth.secretHash,
      this.shared(auth.pepperChain),
      secret,
      grant,
      scope?.areas ?? null,
      scope?.scopeDefinitionId ?? null,
    );
  }
}
