/**
 * The transport: one undici dispatcher per client (an `Agent` with keep-alive unless the caller
 * brings one), per-attempt signing, timeouts, the caller's `AbortSignal`, retries with backoff,
 * and reading both reply envelopes with the contract's zod schemas.
 *
 * The credential lives in a private field of {@link Transport} and nowhere else: not in an
 * enumerable property, not in an error, not in a message. Every string the transport puts into an
 * error passes through a redactor that knows the key.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Agent, type Dispatcher } from "undici";
import { z } from "zod";
import {
  authHeaders,
  FieldError,
  randomAlnum,
  retryPolicy,
  ROUTES,
  type RetryPolicy,
  type RouteDef,
  type RouteId,
} from "./contract";
import {
  apiErrorFor,
  codeForStatus,
  InvalidArgumentError,
  KeyplaneAbortError,
  KeyplaneApiError,
  KeyplaneConnectError,
  KeyplaneError,
  KeyplaneTimeoutError,
  ResponseValidationError,
  type CallSite,
  type ValidationIssue,
} from "./errors";

/** Options every call accepts as its last argument. */
export interface CallOptions {
  /** Aborts the call (the running attempt and any wait between attempts) with {@link KeyplaneAbortError}. */
  signal?: AbortSignal;
  /** Limit for each attempt in ms (overrides the client's `timeoutMs`; 0: no limit). */
  timeoutMs?: number;
  /** Maximum retries for this call (overrides the client's `retries`; 0: a single attempt). */
  retries?: number;
}

/** The retry policy of every route, read from its entry in the route table (`retry` or `idempotency`). */
export const RETRY_POLICY: Record<RouteId, RetryPolicy> = Object.fromEntries(
  ROUTES.map((r) => [r.id, retryPolicy(r)]),
) as Record<RouteId, RetryPolicy>;

type AnyRoute = (typeof ROUTES)[number];
/** The contract's route entry with id `I`. */
export type RouteOf<I extends RouteId> = Extract<AnyRoute, { readonly id: I }>;
/** The parsed (zod output) reply body of route `I`. */
export type ReplyOf<I extends RouteId> = z.output<RouteOf<I>["reply"]>;

/** What the transport needs to make one call. */
export interface CallRequest {
  /** `:name` path parameters. */
  params?: Record<string, string | number>;
  /** Query-string values; `undefined` ones are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** The `request_data` (sent as `{"request_data": ...}`). */
  body?: unknown;
  /** Extra request headers (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>;
}

/** A parsed 2xx reply. */
export interface CallResult<I extends RouteId> {
  /** The reply body, parsed with the route's reply schema. */
  body: ReplyOf<I>;
  /** HTTP status. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The request id (`x-request-id`) of the answer. */
  requestId: string | undefined;
}

/** The credential and connection settings of a {@link Transport}. */
export interface TransportConfig {
  endpoint: URL;
  apiKeyId: number;
  apiKey: string;
  securityLevel: "standard" | "advanced";
  timeoutMs: number;
  retries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxRetryAfterMs: number;
  dispatcher?: Dispatcher;
  userAgent?: string;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** The signing and HTTP machinery behind a client. One per client; holds the credential privately. */
export class Transport {
  readonly #apiKeyId: number;
  readonly #apiKey: string;
  readonly #level: "standard" | "advanced";
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #userAgent: string;
  readonly #cfg: Pick<
    TransportConfig,
    "timeoutMs" | "retries" | "retryBaseDelayMs" | "retryMaxDelayMs" | "maxRetryAfterMs"
  >;
  #closed = false;

  constructor(cfg: TransportConfig) {
    this.#apiKeyId = cfg.apiKeyId;
    this.#apiKey = cfg.apiKey;
    this.#level = cfg.securityLevel;
    this.#ownsDispatcher = !cfg.dispatcher;
    // Keep-alive is undici's default; the pool per origin is bounded so a busy script cannot open
    // hundreds of sockets against one server.
    this.#dispatcher =
      cfg.dispatcher ??
      new Agent({ connections: 16, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });
    this.#origin = cfg.endpoint.origin;
    this.#basePath = cfg.endpoint.pathname.replace(/\/+$/, "");
    this.#userAgent = [
      cfg.userAgent,
      `keyplane-sdk/${sdkVersion()}`,
      `node/${process.versions.node}`,
    ]
      .filter(Boolean)
      .join(" ");
    this.#cfg = {
      timeoutMs: cfg.timeoutMs,
      retries: cfg.retries,
      retryBaseDelayMs: cfg.retryBaseDelayMs,
      retryMaxDelayMs: cfg.retryMaxDelayMs,
      maxRetryAfterMs: cfg.maxRetryAfterMs,
    };
  }

  /** Closes the dispatcher if the client created it (a caller's dispatcher is left open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** Replaces every occurrence of the key in `text`. */
  redact(text: string): string {
    const k = this.#apiKey;
    return k.length >= 4 && text.includes(k) ? text.split(k).join("[redacted]") : text;
  }

  /** Calls route `id` with retries, and parses the reply with its schema. */
  async call<I extends RouteId>(
    id: I,
    req: CallRequest = {},
    opts: CallOptions = {},
  ): Promise<CallResult<I>> {
    const route = ROUTES.find((r) => r.id === id) as RouteDef | undefined;
    if (!route) throw new Error(`keyplane: unknown route ${id}`);
    const requestPath = this.#basePath + fillPath(route.path, req.params ?? {});
    const query = queryString(req.query);
    const policy = RETRY_POLICY[id];
    const repeatable =
      policy === "repeatable" ||
      (policy === "idempotencyKey" && hasHeader(req.headers, "idempotency-key"));
    const maxRetries = repeatable ? nonNegative(opts.retries ?? this.#cfg.retries) : 0;
    const timeoutMs = nonNegative(opts.timeoutMs ?? this.#cfg.timeoutMs);
    const body =
      route.request !== undefined || route.method === "POST"
        ? JSON.stringify({ request_data: route.request !== undefined ? (req.body ?? {}) : {} })
        : undefined;
    const callId = randomUUID();
    const site: CallSite = { operation: id, method: route.method, requestPath };

    for (let attempt = 0; ; attempt++) {
      const requestId = attempt === 0 ? callId : `${callId}.${attempt + 1}`;
      const at: CallSite = { ...site, requestId, attempts: attempt + 1 };
      if (this.#closed) throw new KeyplaneConnectError(`keyplane ${id}: the client is closed`, at);
      if (opts.signal?.aborted) throw abortError(id, at, opts.signal);
      // A fresh signature (nonce and timestamp) on every attempt: a retried Advanced request must
      // never reuse a nonce the server may already have seen.
      const headers: Record<string, string> = {
        accept: "application/json",
        "user-agent": this.#userAgent,
        "x-request-id": requestId,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(req.headers ?? {}),
        ...authHeaders(
          { apiKeyId: this.#apiKeyId, apiKey: this.#apiKey, securityLevel: this.#level },
          Date.now,
          () => randomAlnum(64),
        ),
      };

      let res: RawResponse;
      try {
        res = await this.#send(
          route.method,
          requestPath + query,
          headers,
          body,
          timeoutMs,
          opts.signal,
          at,
        );
      } catch (e) {
        const err = e as KeyplaneError;
        if (err instanceof KeyplaneAbortError || attempt >= maxRetries) throw err;
        await this.#sleep(this.#backoff(attempt), opts.signal, id, at);
        continue;
      }

      const answeredId = res.headers["x-request-id"] ?? requestId;
      if (res.status >= 200 && res.status < 300) {
        return {
          body: this.#parseReply(route, res, { ...at, requestId: answeredId }) as ReplyOf<I>,
          status: res.status,
          headers: res.headers,
          requestId: answeredId,
        };
      }
      const err = this.#apiError(res, { ...at, requestId: answeredId });
      if (RETRY_STATUSES.has(res.status) && attempt < maxRetries) {
        const retryAfter = retryAfterMs(res.headers["retry-after"]);
        if (retryAfter === undefined || retryAfter <= this.#cfg.maxRetryAfterMs) {
          await this.#sleep(retryAfter ?? this.#backoff(attempt), opts.signal, id, at);
          continue;
        }
      }
      throw err;
    }
  }

  /** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^attempt)]. */
  #backoff(attempt: number): number {
    const cap = Math.min(this.#cfg.retryMaxDelayMs, this.#cfg.retryBaseDelayMs * 2 ** attempt);
    return Math.floor(Math.random() * cap);
  }

  async #sleep(
    ms: number,
    signal: AbortSignal | undefined,
    id: string,
    at: CallSite,
  ): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(id, at, signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  /** One attempt: send, read the whole body, map failures onto the transport errors. */
  async #send(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    at: CallSite,
  ): Promise<RawResponse> {
    const ctl = new AbortController();
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            ctl.abort(new Error("timeout"));
          }, timeoutMs)
        : undefined;
    const onAbort = () => ctl.abort(new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.#dispatcher.request({
        origin: this.#origin,
        path: pathAndQuery,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: ctl.signal,
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: flatHeaders(res.headers), text };
    } catch (e) {
      const op = at.operation ?? "call";
      if (signal?.aborted) throw abortError(op, at, signal);
      if (timedOut)
        throw new KeyplaneTimeoutError(
          `keyplane ${op}: no complete answer within ${timeoutMs} ms`,
          at,
          { timeoutMs },
        );
      throw this.#transportError(e, at);
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #transportError(e: unknown, at: CallSite): KeyplaneError {
    const op = at.operation ?? "call";
    const code = (e as { code?: unknown })?.code;
    const sys = typeof code === "string" ? code : undefined;
    const msg = this.redact(String((e as Error)?.message ?? e));
    if (
      sys === "UND_ERR_HEADERS_TIMEOUT" ||
      sys === "UND_ERR_BODY_TIMEOUT" ||
      sys === "UND_ERR_CONNECT_TIMEOUT"
    ) {
      return new KeyplaneTimeoutError(`keyplane ${op}: ${msg}`, at, { cause: this.#safeCause(e) });
    }
    if (sys === "UND_ERR_DESTROYED" || sys === "UND_ERR_CLOSED") {
      return new KeyplaneConnectError(`keyplane ${op}: the client is closed (${msg})`, at, {
        cause: this.#safeCause(e),
        systemCode: sys,
      });
    }
    return new KeyplaneConnectError(
      `keyplane ${op}: connection to ${this.#origin} failed: ${msg}`,
      at,
      { cause: this.#safeCause(e), systemCode: sys },
    );
  }

  /** A copy of an underlying error with only its name, code and (redacted) message: nothing else travels. */
  #safeCause(e: unknown): Error {
    const c = new Error(this.redact(String((e as Error)?.message ?? e)));
    c.name = String((e as Error)?.name ?? "Error");
    const code = (e as { code?: unknown })?.code;
    if (typeof code === "string") (c as Error & { code?: string }).code = code;
    c.stack = `${c.name}: ${c.message}`;
    return c;
  }

  #parseReply(route: RouteDef, res: RawResponse, at: CallSite): unknown {
    let json: unknown;
    try {
      json = res.text === "" ? undefined : JSON.parse(res.text);
    } catch {
      throw new ResponseValidationError({
        ...at,
        status: res.status,
        issues: [{ path: "(root)", message: "the body is not JSON" }],
      });
    }
    const parsed = route.reply.safeParse(json);
    if (parsed.success) return parsed.data;
    const issues: ValidationIssue[] = parsed.error.issues.slice(0, 20).map((i) => ({
      path: i.path.length ? i.path.map(String).join(".") : "(root)",
      message: this.redact(i.message),
    }));
    throw new ResponseValidationError({ ...at, status: res.status, issues });
  }

  #apiError(res: RawResponse, at: CallSite): KeyplaneApiError {
    let json: unknown;
    try {
      json = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      json = undefined;
    }
    const env = readErrorEnvelope(json);
    const extra =
      env.errExtra === undefined ? undefined : redactDeep(env.errExtra, (s) => this.redact(s));
    const { code: extraCode, fields: fieldList, requestId: extraRequestId } = readErrExtra(extra);
    const code = res.headers["x-keyplane-error"] ?? extraCode ?? codeForStatus(res.status);
    const requestId = extraRequestId ?? at.requestId;
    const errMsg = this.redact(env.errMsg ?? (res.text ? snippet(res.text) : `HTTP ${res.status}`));
    return apiErrorFor({
      ...at,
      requestId,
      status: res.status,
      code,
      errCode: env.errCode,
      errMsg,
      errExtra: extra,
      fields: fieldList,
      retryAfterMs: retryAfterMs(res.headers["retry-after"]),
      requiredPermission: res.headers["x-keyplane-required-permission"],
    });
  }
}

const FieldList = z.array(FieldError);

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Reads `{reply:{err_*}}`, `{data:{err_msg, metadata:{err_*}}}` or root-level `{err_code, err_msg}`. */
function readErrorEnvelope(json: unknown): {
  errCode?: number | string;
  errMsg?: string;
  errExtra?: unknown;
} {
  const o = json && typeof json === "object" ? (json as Record<string, unknown>) : undefined;
  if (!o) return {};
  const pick = (x: unknown) => (typeof x === "number" || typeof x === "string" ? x : undefined);
  const reply = o.reply as Record<string, unknown> | undefined;
  if (reply && typeof reply === "object" && "err_msg" in reply) {
    return {
      errCode: pick(reply.err_code),
      errMsg: String(reply.err_msg),
      errExtra: reply.err_extra,
    };
  }
  const data = o.data as Record<string, unknown> | undefined;
  if (data && typeof data === "object" && "err_msg" in data) {
    const md = (data.metadata ?? {}) as Record<string, unknown>;
    return { errCode: pick(md.err_code), errMsg: String(data.err_msg), errExtra: md.err_extra };
  }
  if ("err_msg" in o || "err_code" in o) {
    return {
      errCode: pick(o.err_code),
      errMsg: o.err_msg === undefined ? undefined : String(o.err_msg),
      errExtra: o.err_extra,
    };
  }
  if (typeof o.message === "string") return { errMsg: o.message };
  return {};
}

/**
 * The code, fields and request id inside `err_extra`: keyplane's list of `{type, msg, field?,
 * request_id}` items, or the `{code, fields?, request_id}` object older servers sent.
 */
function readErrExtra(extra: unknown): {
  code?: string;
  fields?: FieldError[];
  requestId?: string;
} {
  const str = (x: unknown) => (typeof x === "string" ? x : undefined);
  if (Array.isArray(extra)) {
    const items = extra.filter((x): x is Record<string, unknown> => !!x && typeof x === "object");
    const fields = items
      .filter((i) => typeof i.field === "string")
      .map((i) => ({ path: String(i.field), reason: String(i.msg ?? "") }));
    return {
      code: items.map((i) => str(i.type)).find((x) => x !== undefined),
      fields: fields.length ? fields : undefined,
      requestId: items.map((i) => str(i.request_id)).find((x) => x !== undefined),
    };
  }
  if (extra && typeof extra === "object") {
    const o = extra as Record<string, unknown>;
    const fields = FieldList.safeParse(o.fields);
    return {
      code: str(o.code),
      fields: fields.success ? fields.data : undefined,
      requestId: str(o.request_id),
    };
  }
  return {};
}

function redactDeep(v: unknown, redact: (s: string) => string): unknown {
  if (typeof v === "string") return redact(v);
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, redact));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x, redact)]));
  return v;
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

function abortError(op: string, at: CallSite, signal: AbortSignal): KeyplaneAbortError {
  const reason = signal.reason;
  const why =
    reason instanceof Error ? reason.message : typeof reason === "string" ? reason : undefined;
  return new KeyplaneAbortError(`keyplane ${op}: aborted${why ? ` (${why})` : ""}`, at);
}

/** Seconds (or an HTTP date) in `Retry-After`, as milliseconds. */
export function retryAfterMs(h: string | undefined): number | undefined {
  if (h === undefined || h === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(h)) return Math.round(Number(h) * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  return !!h && Object.keys(h).some((k) => k.toLowerCase() === name);
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function fillPath(pattern: string, params: Record<string, string | number>): string {
  return pattern.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined || v === "") throw new InvalidArgumentError(name, "is required");
    return encodeURIComponent(String(v));
  });
}

function queryString(q: CallRequest["query"]): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

let version: string | undefined;
/** This package's version, for the User-Agent (read once from the nearest keyplane package.json). */
function sdkVersion(): string {
  if (version !== undefined) return version;
  version = "0";
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "keyplane" && pkg.version) {
        version = pkg.version;
        break;
      }
    } catch {
      // not here; look further up
    }
    dir = path.dirname(dir);
  }
  return version;
}
