/**
 * The transport: one undici dispatcher per client (an `Agent` with keep-alive unless the caller
 * brings one), per-attempt signing, timeouts, the caller's `AbortSignal`, retries with backoff,
 * and reading both reply envelopes with the contract's zod schemas. The request loop is here;
 * retry policy and waits are in `transport/retry.ts`, reading answers in `transport/replies.ts`,
 * building requests in `transport/request.ts`.
 *
 * The credential lives in a private field of {@link Transport} and nowhere else: not in an
 * enumerable property, not in an error, not in a message. Every string the transport puts into an
 * error passes through a redactor that knows the key.
 */
import { randomUUID } from "node:crypto";
import { Agent, type Dispatcher } from "undici";
import type { z } from "zod";
import { authHeaders, randomAlnum, ROUTES, type RouteDef, type RouteId } from "./contract";
import {
  KeyplaneAbortError,
  KeyplaneConnectError,
  KeyplaneError,
  KeyplaneTimeoutError,
  type CallSite,
} from "./errors";
import { apiError, flatHeaders, parseReply, type RawResponse } from "./transport/replies";
import { fillPath, hasHeader, nonNegative, queryString, sdkVersion } from "./transport/request";
import {
  abortError,
  backoff,
  RETRY_POLICY,
  RETRY_STATUSES,
  retryAfterMs,
  sleep,
} from "./transport/retry";

export { RETRY_POLICY, retryAfterMs } from "./transport/retry";

/** Options every call accepts as its last argument. */
export interface CallOptions {
  /** Aborts the call (the running attempt and any wait between attempts) with {@link KeyplaneAbortError}. */
  signal?: AbortSignal;
  /** Limit for each attempt in ms (overrides the client's `timeoutMs`; 0: no limit). */
  timeoutMs?: number;
  /** Maximum retries for this call (overrides the client's `retries`; 0: a single attempt). */
  retries?: number;
}

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
        await sleep(backoff(attempt, this.#cfg), opts.signal, id, at);
        continue;
      }

      const answeredId = res.headers["x-request-id"] ?? requestId;
      if (res.status >= 200 && res.status < 300) {
        return {
          body: parseReply(route, res, { ...at, requestId: answeredId }, (s) =>
            this.redact(s),
          ) as ReplyOf<I>,
          status: res.status,
          headers: res.headers,
          requestId: answeredId,
        };
      }
      const err = apiError(res, { ...at, requestId: answeredId }, (s) => this.redact(s));
      if (RETRY_STATUSES.has(res.status) && attempt < maxRetries) {
        const retryAfter = retryAfterMs(res.headers["retry-after"]);
        if (retryAfter === undefined || retryAfter <= this.#cfg.maxRetryAfterMs) {
          await sleep(retryAfter ?? backoff(attempt, this.#cfg), opts.signal, id, at);
          continue;
        }
      }
      throw err;
    }
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
}
