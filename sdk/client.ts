/**
 * `KeyplaneClient`: the typed client of the keyplane API (and of the vendor's documented API it is
 * wire-compatible with). One client holds one credential and one undici dispatcher; share it, and
 * `close()` it when done.
 */
import type { Dispatcher } from "undici";
import { InvalidArgumentError } from "./errors";
import { ApiKeysApi } from "./groups/apiKeys";
import { AuditApi } from "./groups/audit";
import { AuthApi } from "./groups/auth";
import { BindingsApi } from "./groups/bindings";
import { GroupsApi } from "./groups/groups";
import { NotificationsApi } from "./groups/notifications";
import { RolesApi } from "./groups/roles";
import { ScopesApi } from "./groups/scopes";
import { SettingsApi } from "./groups/settings";
import { UsersApi } from "./groups/users";
import { Transport, type CallOptions } from "./transport";

/** Options of {@link KeyplaneClient}. */
export interface KeyplaneClientOptions {
  /** The API's base URL, e.g. `https://api-tenant.example.com` (a path prefix is kept). */
  endpoint: string | URL;
  /** The key id (sent as `x-xdr-auth-id`). */
  apiKeyId: number | string;
  /** The key. Kept in a private field: never logged, never in an error, never enumerable. */
  apiKey: string;
  /** `standard` (default: the key travels in `Authorization`) or `advanced` (every attempt is signed). */
  securityLevel?: "standard" | "advanced";
  /** Limit for each attempt in ms, from sending to the last byte of the reply (default 30000; 0: none). */
  timeoutMs?: number;
  /** Maximum retries of a call that is safe to repeat (default 3; 0: never retry). */
  retries?: number;
  /**
   * The undici dispatcher to send through (an `Agent`, `Pool`, `MockAgent`, ...). Default: an
   * `Agent` with keep-alive owned by this client and closed by {@link KeyplaneClient.close}; a
   * dispatcher passed here is left open.
   */
  dispatcher?: Dispatcher;
  /** Prepended to the `User-Agent` header, e.g. `my-pipeline/1.2`. */
  userAgent?: string;
  /** First backoff ceiling in ms; doubles on each retry (default 250). */
  retryBaseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 10000). */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this (ms) is not waited for: the error is thrown instead (default 60000). */
  maxRetryAfterMs?: number;
}

/** The defaults of {@link KeyplaneClientOptions}. */
export const CLIENT_DEFAULTS = {
  securityLevel: "standard",
  timeoutMs: 30_000,
  retries: 3,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
} as const;

function count(v: number | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw new InvalidArgumentError(name, "must be a number, 0 or more");
  return Math.floor(v);
}

/**
 * The keyplane client.
 *
 * ```ts
 * const client = new KeyplaneClient({ endpoint, apiKeyId: 12, apiKey, securityLevel: "advanced" });
 * const { id, key } = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard", expiration: "2026-12-31" });
 * await client.close();
 * ```
 *
 * Every call takes an optional last argument {@link CallOptions} (`signal`, `timeoutMs`, `retries`),
 * parses the reply with the contract's zod schema, and throws a {@link KeyplaneError} subclass on failure.
 */
export class KeyplaneClient {
  /** The base URL (without a trailing slash). */
  readonly endpoint: string;
  /** The key id this client authenticates as. */
  readonly apiKeyId: number;
  /** How this client authenticates. */
  readonly securityLevel: "standard" | "advanced";
  /** API keys: generate, list, iterate, get, edit, delete, revoke, examples, validate. */
  readonly apiKeys: ApiKeysApi;
  /** Roles: list, get, create, update, delete, permissionConfig. */
  readonly roles: RolesApi;
  /** Users: list, get, create, patch, delete. */
  readonly users: UsersApi;
  /** User groups: list, get, create, patch, delete. */
  readonly groups: GroupsApi;
  /** Role bindings: list, get, create, delete. */
  readonly bindings: BindingsApi;
  /** Named scope definitions and the scopes of users, groups and keys. */
  readonly scopes: ScopesApi;
  /** Tenant settings: get, update. */
  readonly settings: SettingsApi;
  /** API Key Expiration notices: list, markRead. */
  readonly notifications: NotificationsApi;
  /** The management audit log. */
  readonly audit: AuditApi;
  /** Key verification for downstream services. */
  readonly auth: AuthApi;
  readonly #transport: Transport;

  constructor(options: KeyplaneClientOptions) {
    if (!options || typeof options !== "object")
      throw new InvalidArgumentError("options", "are required");
    let url: URL;
    try {
      url = new URL(String(options.endpoint));
    } catch {
      throw new InvalidArgumentError("endpoint", "must be an http(s) URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new InvalidArgumentError("endpoint", "must be an http(s) URL");
    if (url.username || url.password)
      throw new InvalidArgumentError("endpoint", "must not carry user info");
    const id =
      typeof options.apiKeyId === "string" && /^\d+$/.test(options.apiKeyId.trim())
        ? Number(options.apiKeyId)
        : options.apiKeyId;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0)
      throw new InvalidArgumentError("apiKeyId", "must be a positive integer");
    if (typeof options.apiKey !== "string" || options.apiKey.length === 0)
      throw new InvalidArgumentError("apiKey", "must be a non-empty string");
    const level = String(options.securityLevel ?? CLIENT_DEFAULTS.securityLevel).toLowerCase();
    if (level !== "standard" && level !== "advanced")
      throw new InvalidArgumentError("securityLevel", "must be `standard` or `advanced`");

    url.search = "";
    url.hash = "";
    this.endpoint = url.toString().replace(/\/+$/, "");
    this.apiKeyId = id;
    this.securityLevel = level;
    this.#transport = new Transport({
      endpoint: url,
      apiKeyId: id,
      apiKey: options.apiKey,
      securityLevel: level,
      timeoutMs: count(options.timeoutMs, "timeoutMs", CLIENT_DEFAULTS.timeoutMs),
      retries: count(options.retries, "retries", CLIENT_DEFAULTS.retries),
      retryBaseDelayMs: count(
        options.retryBaseDelayMs,
        "retryBaseDelayMs",
        CLIENT_DEFAULTS.retryBaseDelayMs,
      ),
      retryMaxDelayMs: count(
        options.retryMaxDelayMs,
        "retryMaxDelayMs",
        CLIENT_DEFAULTS.retryMaxDelayMs,
      ),
      maxRetryAfterMs: count(
        options.maxRetryAfterMs,
        "maxRetryAfterMs",
        CLIENT_DEFAULTS.maxRetryAfterMs,
      ),
      dispatcher: options.dispatcher,
      userAgent: options.userAgent,
    });
    const t = this.#transport;
    this.apiKeys = new ApiKeysApi(t);
    this.roles = new RolesApi(t);
    this.users = new UsersApi(t);
    this.groups = new GroupsApi(t);
    this.bindings = new BindingsApi(t);
    this.scopes = new ScopesApi(t);
    this.settings = new SettingsApi(t);
    this.notifications = new NotificationsApi(t);
    this.audit = new AuditApi(t);
    this.auth = new AuthApi(t);
  }

  /** Service health (`GET /public_api/v1/healthcheck`), `{ status: "available" }` when up. */
  async health(opts?: CallOptions): Promise<{ status: string }> {
    return (await this.#transport.call("health", {}, opts)).body;
  }

  /** The server's OpenAPI document. */
  async openapi(opts?: CallOptions): Promise<unknown> {
    return (await this.#transport.call("openapi", {}, opts)).body;
  }

  /** Closes the client's own dispatcher (open keep-alive sockets). Later calls fail with `KeyplaneConnectError`. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** What `JSON.stringify(client)` shows: where and as whom, never the key. */
  toJSON(): { endpoint: string; apiKeyId: number; securityLevel: "standard" | "advanced" } {
    return { endpoint: this.endpoint, apiKeyId: this.apiKeyId, securityLevel: this.securityLevel };
  }

  /** What `util.inspect(client)` (and `console.log`) shows. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `KeyplaneClient ${JSON.stringify(this.toJSON())}`;
  }
}
