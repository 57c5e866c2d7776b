/**
 * What the app is made of, apart from HTTP: the store, the keyring, the clock and randomness,
 * and the services built on them (auth cache, authenticator, audit log, scheduler). `buildServer`
 * makes them once with {@link makeServices}; handlers reach them as `c.svc`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { AuditLog } from "./audit";
import { Authenticator } from "./auth/authenticate";
import { AuthCache } from "./auth/cache";
import { LastUsedTracker } from "./auth/lastUsed";
import { DEFAULT_RATE_LIMIT, FailureLimiter, type RateLimitOptions } from "./auth/rateLimit";
import { systemClock, type Clock } from "./clock";
import type { SessionOptions as ConsoleOptions } from "./console/session";
import type { Keyring } from "./crypto/keyring";
import type { RandomBytes } from "./crypto/keyFormat";
import { NotificationScheduler, type WebhookSender } from "./scheduler";
import type { Store } from "./store/store";

export interface ServerOptions {
  /** Check every reply against the contract and fail loudly on a mismatch (tests). */
  validateReplies?: boolean;
  rateLimit?: RateLimitOptions;
  /** Trust X-Forwarded-For / -Proto from a proxy in front. */
  trustProxy?: boolean;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /** Revision poll interval (ms) for cache invalidation across replicas. */
  pollMs?: number;
  /** Notification scheduler tick (ms); 0 disables the timer (tests call tick()). */
  schedulerMs?: number;
  /** Identifies this replica in leases. */
  replicaId?: string;
  /** The most time a client may take to send a whole request, headers and body (ms; default 30 s). */
  requestTimeoutMs?: number;
  /** Let the notification webhook point at loopback and private addresses (server/webhookTarget.ts). */
  allowPrivateWebhooks?: boolean;
  /** The web console's session timeouts. */
  console?: ConsoleOptions;
}

export interface ServerDeps {
  store: Store;
  keyring: Keyring;
  clock?: Clock;
  random?: RandomBytes;
  logger?: FastifyBaseLogger | boolean | Record<string, unknown>;
  webhook?: WebhookSender;
  options?: ServerOptions;
}

/** Everything a handler may use. */
export interface Services {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  random: RandomBytes;
  /** A new opaque id (role, group, binding, scope ids). */
  newId(prefix: string): string;
  cache: AuthCache;
  authenticator: Authenticator;
  limiter: FailureLimiter;
  lastUsed: LastUsedTracker;
  audit: AuditLog;
  scheduler: NotificationScheduler;
  options: ServerOptions;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function makeServices(deps: ServerDeps): Services {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? randomBytes;
  const options = deps.options ?? {};
  const store = deps.store;
  const cache = new AuthCache(store, deps.keyring);
  const lastUsed = new LastUsedTracker(store);
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter = new FailureLimiter(rateLimit, clock, store);
  const authenticator = new Authenticator({
    store,
    cache,
    keyring: deps.keyring,
    clock,
    limiter,
    lastUsed,
  });
  const audit = new AuditLog(store, clock);
  const scheduler = new NotificationScheduler({
    store,
    clock,
    cache,
    replicaId: options.replicaId ?? randomUUID(),
    webhook: deps.webhook,
    authFailureWindowMs: rateLimit.windowMs,
    allowPrivateWebhooks: options.allowPrivateWebhooks,
  });
  return {
    store,
    keyring: deps.keyring,
    clock,
    random,
    newId: (prefix) =>
      `${prefix}${random(9).toString("base64url").replace(/[-_]/g, "x").toLowerCase()}`,
    cache,
    authenticator,
    limiter,
    lastUsed,
    audit,
    scheduler,
    options,
  };
}
