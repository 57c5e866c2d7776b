/**
 * The app factory: `buildServer(deps)` returns a ready Fastify app with every route of the
 * contract registered, without listening. Route tests call it in process (`app.inject`); the
 * CLI's `keyplane server` listens on it.
 *
 * Each call goes through one wrapper: authenticate the key, check the route's permission
 * (recording refusals in the audit log), validate `request_data` with the contract's zod schema,
 * run the handler, and (in tests) check the reply against the contract too.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { levelAtLeast, ROUTES, type Family, type RouteDef, type RouteId } from "../sdk/contract";
import { AuditLog } from "./audit";
import { Authenticator, type HeaderGet } from "./auth/authenticate";
import { AuthCache, type KeyPrincipal } from "./auth/cache";
import { LastUsedTracker } from "./auth/lastUsed";
import { DEFAULT_RATE_LIMIT, FailureLimiter, type RateLimitOptions } from "./auth/rateLimit";
import { systemClock, type Clock } from "./clock";
import type { Keyring } from "./crypto/keyring";
import type { RandomBytes } from "./crypto/keyFormat";
import { registerConsole, type ConsoleOptions } from "./console";
import { ApiError, fromZod, renderError, unauthorized } from "./errors";
import { NotificationScheduler, type WebhookSender } from "./scheduler";
import { UniqueViolation, type Store } from "./store/store";
import { handlers } from "./routes";

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
  lastUsed: LastUsedTracker;
  audit: AuditLog;
  scheduler: NotificationScheduler;
  options: ServerOptions;
}

/** What a handler receives. */
export interface Ctx {
  req: FastifyRequest;
  route: RouteDef;
  /** Validated `request_data`. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Validated query string. */
  query: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Record<string, string>;
  principal: KeyPrincipal;
  now: number;
  requestId: string;
  svc: Services;
}

/** A handler's answer: the enveloped body, with an optional status and headers. */
export interface Answer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (c: Ctx) => Promise<Answer>;
export type Handlers = Partial<Record<RouteId, Handler>>;

/** `{reply: x}` */
export const reply = (x: unknown, status?: number): Answer => ({ body: { reply: x }, status });
/** `{data: x, metadata}` */
export const data = (x: unknown, opts: { total?: number; status?: number } = {}): Answer => ({
  body: opts.total === undefined ? { data: x } : { data: x, metadata: { total_count: opts.total } },
  status: opts.status,
});

const familyOf = (url: string): Family => (url.startsWith("/platform/") ? "platform" : "public");

const DAY = 86_400_000;

/** Creates (other than generate, which handles its own) that honour Idempotency-Key. */
const IDEMPOTENT_CREATES = new Set(["roles.create", "users.create", "groups.create", "bindings.create", "scopeDefinitions.create"]);

/** The idempotency record's key and the request's hash, when the request carries Idempotency-Key. */
function idempotencyOf(req: FastifyRequest, route: RouteDef, _p: KeyPrincipal): { key: string; hash: string } | undefined {
  const h = req.headers["idempotency-key"];
  if (h === undefined) return undefined;
  if (typeof h !== "string" || !/^[\x21-\x7e]{1,255}$/.test(h)) throw new ApiError("INVALID_INPUT", "Idempotency-Key: must be 1-255 printable ASCII characters", { fields: [{ path: "Idempotency-Key", reason: "must be 1-255 printable ASCII characters" }] });
  const body = (req.body as { request_data?: unknown } | undefined)?.request_data ?? {};
  return { key: `${route.id}:${h}`, hash: createHash("sha256").update(stableJson(body)).digest("hex") };
}

/** Stable JSON (sorted keys), so that the same request hashes the same however it was spelled. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Nesting deeper than this is refused before validation (no schema goes near it). */
const MAX_JSON_DEPTH = 64;

function jsonDepth(v: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    if (x && typeof x === "object") for (const y of Object.values(x as object)) if (y && typeof y === "object") stack.push([y, d + 1]);
  }
  return max;
}

/** Builds the app (not listening). Call `app.close()` to stop its timers and flush state. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance & { services: Services }> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? randomBytes;
  const options = deps.options ?? {};
  const store = deps.store;
  const cache = new AuthCache(store, deps.keyring);
  const lastUsed = new LastUsedTracker(store);
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter = new FailureLimiter(rateLimit, clock, store);
  const authenticator = new Authenticator({ store, cache, keyring: deps.keyring, clock, limiter, lastUsed });
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
  const svc: Services = {
    store,
    keyring: deps.keyring,
    clock,
    random,
    newId: (prefix) => `${prefix}${random(9).toString("base64url").replace(/[-_]/g, "x").toLowerCase()}`,
    cache,
    authenticator,
    lastUsed,
    audit,
    scheduler,
    options,
  };

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // A body sent a byte at a time must not hold a connection open for ever (Fastify's default
    // is no limit): the whole request gets requestTimeoutMs, the headers as long, and Node
    // checks the timers often enough for that to hold within a second.
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    http: { headersTimeout: options.requestTimeoutMs ?? 30_000, connectionsCheckingInterval: Math.min(1000, options.requestTimeoutMs ?? 30_000) },
    trustProxy: options.trustProxy ?? false,
    // One log line per request, written by the onResponse hook below (never headers or bodies).
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(h) ? h : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // The router's own refusals (a malformed %-escape, a path parameter over 100 characters) in the envelope.
    frameworkErrors: (err, req, res) =>
      sendError(req, res, new ApiError("INVALID_INPUT", err.code === "FST_ERR_MAX_PARAM_LENGTH" ? "a path parameter is longer than 100 characters" : "the URL is not valid (a malformed %-escape)")),
    // What Node's HTTP parser refuses (bare CR/LF, obs-fold, NUL, headers over 16 KB) in the public_api envelope:
    // the URL may not even be known, so the family is not.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return void socket.destroy();
      const code = (err as { code?: string }).code;
      if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
        // Not the whole request within requestTimeoutMs (a body sent a byte at a time).
        const body = JSON.stringify({ reply: { err_code: 408, err_msg: "the request took too long to arrive", err_extra: [{ type: "INVALID_INPUT", msg: "the request took too long to arrive" }] } });
        return void socket.end(`HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      }
      const status = code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify({ reply: { err_code: status, err_msg: status === 431 ? "the request headers are too large" : "the request is not valid HTTP/1.1", err_extra: [{ type: "INVALID_INPUT", msg: "the request is not valid HTTP" }] } });
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    },
  }) as unknown as FastifyInstance & { services: Services };
  app.decorate("services", svc);
  limiter.onSharedError = (e) => app.log.warn({ err: e }, "could not add a failed authentication to the shared counts; this replica's count still applies");

  // JSON bodies: empty means {}, depth is bounded, anything that is not JSON is a 400 in the envelope.
  app.removeAllContentTypeParsers();
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const parseJson = (_req: FastifyRequest, raw: Buffer, done: (err: Error | null, v?: unknown) => void) => {
    let body: string;
    try {
      body = utf8.decode(raw);
    } catch {
      return done(new ApiError("INVALID_JSON", "the body is not valid UTF-8"));
    }
    if (body.trim() === "") return done(null, {});
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return done(new ApiError("INVALID_JSON", "the body is not valid JSON"));
    }
    if (jsonDepth(v, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return done(new ApiError("INVALID_INPUT", `the body nests deeper than ${MAX_JSON_DEPTH} levels`));
    done(null, v);
  };
  app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "buffer" }, parseJson);
  app.addContentTypeParser("*", { parseAs: "buffer" }, parseJson);

  app.addHook("onResponse", async (req, res) => {
    const p = (req as FastifyRequest & { principal?: KeyPrincipal }).principal;
    req.log.info(
      { reqId: req.id, method: req.method, route: req.routeOptions.url ?? "(none)", status: res.statusCode, ms: Math.round(res.elapsedTime), key: p?.keyId },
      "request",
    );
  });

  app.setErrorHandler((err: unknown, req, res) => sendError(req, res, err));
  app.setNotFoundHandler((req, res) => {
    const path = req.url.split("?")[0]!;
    const methods = [...new Set(ROUTES.filter((r) => matchPath(r.path, path)).map((r) => r.method))];
    // RFC 9110: a 405 says which methods the resource allows.
    sendError(
      req,
      res,
      methods.length
        ? new ApiError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}`, { headers: { allow: methods.join(", ") } })
        : new ApiError("NOT_FOUND", `no such endpoint: ${req.method} ${path}`),
    );
  });

  function sendError(req: FastifyRequest, res: FastifyReply, err: unknown): void {
    let e: ApiError;
    const fe = err as { code?: string; statusCode?: number; message?: string };
    if (err instanceof ApiError) e = err;
    else if (err instanceof UniqueViolation) e = new ApiError("CONFLICT", "an object with the same unique name or identity exists");
    else if (fe?.code === "FST_ERR_CTP_BODY_TOO_LARGE") e = new ApiError("PAYLOAD_TOO_LARGE", `the body is larger than ${options.bodyLimit ?? 1048576} bytes`);
    else if (fe?.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") e = new ApiError("UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
    else if (fe?.statusCode === 400 && typeof fe.message === "string") e = new ApiError("INVALID_JSON", "the request could not be read as JSON");
    else {
      req.log.error({ reqId: req.id, err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, "internal error");
      e = new ApiError("INTERNAL", "An unexpected error occurred; the request id is in err_extra", { detail: undefined });
    }
    const r = renderError(familyOf(req.url), e, String(req.id));
    res.status(r.status).headers({ ...r.headers, "x-request-id": String(req.id) }).send(r.body);
  }

  // A credential header sent twice is no credential: Node.js keeps the first Authorization and
  // drops the rest before we see them, so count them in the raw headers.
  const AUTH_HEADERS = new Set(["authorization", "x-xdr-auth-id", "x-xdr-nonce", "x-xdr-timestamp"]);
  const get = (req: FastifyRequest): HeaderGet => {
    const repeated = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < req.raw.rawHeaders.length; i += 2) {
      const n = req.raw.rawHeaders[i]!.toLowerCase();
      if (!AUTH_HEADERS.has(n)) continue;
      if (seen.has(n)) repeated.add(n);
      seen.add(n);
    }
    return (name) => {
      if (repeated.has(name)) return undefined;
      const v = req.headers[name];
      return typeof v === "string" ? v : undefined;
    };
  };

  // The web console (/console): its pages, and the sessions whose `authenticate` is the one seam
  // where a signed-in page's calls join this pipeline as the session's key principal.
  const consoleSessions = registerConsole(app, svc, options.console);

  for (const route of ROUTES as readonly RouteDef[]) {
    const h = handlers[route.id as RouteId];
    if (!h) throw new Error(`no handler for route ${route.id}`);
    app.route({
      method: route.method,
      url: route.path,
      handler: async (req, res) => {
        const now = clock.now();
        let principal: KeyPrincipal | undefined;
        if (route.auth) {
          const viaSession = consoleSessions.authenticate(req);
          const out = viaSession ? await viaSession : await authenticator.authenticate(get(req), req.ip);
          if (!out.ok) {
            if (out.reason === "RATE_LIMITED") {
              throw new ApiError("RATE_LIMITED", "too many failed authentications; retry later", { retryAfterSec: out.retryAfterSec });
            }
            await audit.authFailure(req, out.keyId, out.reason);
            throw unauthorized();
          }
          principal = out.principal;
          if (out.nonceReused) await audit.nonceReused(req, principal);
          (req as FastifyRequest & { principal?: KeyPrincipal }).principal = principal;
          if (route.permission && !levelAtLeast(principal.permissions[route.permission.component], route.permission.level)) {
            await audit.permissionDenied(req, principal, route);
            throw new ApiError("FORBIDDEN", "forbidden", {
              headers: { "x-keyplane-required-permission": `${route.permission.component}:${route.permission.level}` },
            });
          }
        }
        let body: unknown = undefined;
        if (route.request) {
          const raw = req.body as Record<string, unknown> | undefined;
          if (raw !== undefined && (typeof raw !== "object" || raw === null || Array.isArray(raw))) {
            throw new ApiError("INVALID_INPUT", "the body must be a JSON object `{\"request_data\": {...}}`");
          }
          const rd = raw?.request_data ?? {};
          const parsed = route.request.safeParse(rd);
          if (!parsed.success) throw fromZod(parsed.error, "request_data", rd);
          body = parsed.data;
        }
        let query: unknown = {};
        if (route.query) {
          const parsed = route.query.safeParse(req.query ?? {});
          if (!parsed.success) throw fromZod(parsed.error, "query", req.query ?? {});
          query = parsed.data;
        }
        // Creates honour Idempotency-Key like generate does: a repeat of the same request under the
        // same key within 24 h gets the first reply, so a client whose reply was lost can retry.
        const idem = IDEMPOTENT_CREATES.has(route.id) ? idempotencyOf(req, route, principal!) : undefined;
        if (idem) {
          const prior = await store.getIdempotency(principal!.keyId, idem.key, now - DAY);
          if (prior && prior.replyEnc !== "") {
            if (prior.requestHash !== idem.hash) throw new ApiError("IDEMPOTENCY_CONFLICT", "Idempotency-Key was already used with a different request in the last 24 h");
            res.status(route.status ?? 200).header("x-request-id", String(req.id)).header("idempotent-replayed", "true");
            return JSON.parse(deps.keyring.open(prior.replyEnc, `idempotency:${principal!.keyId}:${idem.key}`));
          }
        }
        const ans = await h({
          req,
          route,
          body,
          query,
          params: (req.params ?? {}) as Record<string, string>,
          principal: principal!,
          now,
          requestId: String(req.id),
          svc,
        });
        if (options.validateReplies) {
          const chk = route.reply.safeParse(ans.body);
          if (!chk.success) {
            throw new Error(`reply of ${route.id} breaks the contract: ${JSON.stringify(chk.error.issues.slice(0, 3))}`);
          }
        }
        if (idem && (ans.status ?? route.status ?? 200) < 300) {
          await store.saveIdempotentReply({
            actorKeyId: principal!.keyId,
            key: idem.key,
            requestHash: idem.hash,
            replyEnc: deps.keyring.seal(JSON.stringify(ans.body), `idempotency:${principal!.keyId}:${idem.key}`),
            createdAt: now,
            notBefore: now - DAY,
          });
        }
        res.status(ans.status ?? route.status ?? 200);
        res.header("x-request-id", String(req.id));
        if (ans.headers) res.headers(ans.headers);
        // Fastify sends a string as it is; a reply that is a JSON string (validate's "true") is encoded here.
        if (typeof ans.body === "string") return res.type("application/json; charset=utf-8").send(JSON.stringify(ans.body));
        return ans.body;
      },
    });
  }

  cache.start(options.pollMs ?? 200);
  lastUsed.start();
  if ((options.schedulerMs ?? 30_000) > 0) scheduler.start(options.schedulerMs ?? 30_000);

  app.addHook("onClose", async () => {
    await audit.flushFailures().catch(() => undefined);
    scheduler.stop();
    cache.stop();
    await lastUsed.stop();
    await scheduler.release().catch(() => undefined);
  });

  await app.ready();
  return app;
}

/** Whether a concrete path matches a route path with `:param` segments. */
function matchPath(pattern: string, path: string): boolean {
  const a = pattern.split("/").filter(Boolean);
  const b = path.split("/").filter(Boolean);
  return a.length === b.length && a.every((seg, i) => seg.startsWith(":") || seg === b[i]);
}
