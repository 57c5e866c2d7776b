/**
 * The SDK's errors. Every class has a stable `name` and `code`, so callers branch with
 * `instanceof` or on `code` without parsing messages:
 *
 * ```
 * KeyplaneError                      (abstract root)
 * ├─ KeyplaneTransportError          the request got no HTTP answer
 * │  ├─ KeyplaneConnectError         code "CONNECT"  (refused, reset, DNS, socket closed)
 * │  ├─ KeyplaneTimeoutError         code "TIMEOUT"  (the attempt outlived `timeoutMs`)
 * │  └─ KeyplaneAbortError           code "ABORTED"  (the caller's AbortSignal fired)
 * ├─ KeyplaneApiError                the server answered with a non-2xx status
 * │  ├─ BadRequestError              400
 * │  ├─ UnauthorizedError            401
 * │  ├─ ForbiddenError               403
 * │  ├─ NotFoundError                404
 * │  ├─ ConflictError                409
 * │  └─ RateLimitError               429 (with `retryAfterMs`)
 * ├─ ResponseValidationError         a 2xx reply that breaks the contract (code "RESPONSE_VALIDATION")
 * └─ InvalidArgumentError            the SDK refused an argument before sending (code "INVALID_ARGUMENT")
 * ```
 *
 * No error ever holds the API key or an `Authorization` value: the transport builds every
 * message, `errMsg` and `errExtra` through a redactor that knows the credential, and no error
 * keeps request headers or bodies.
 */
import type { ErrorCode, FieldError } from "./contract";

/** Where a failed call was going: the contract's route id, the method and the path (never headers). */
export interface CallSite {
  /** The route id from the contract's `ROUTES`, e.g. `"apiKeys.generate"`. */
  operation?: string;
  /** The HTTP method. */
  method?: string;
  /** The request path (with parameters filled in, without the query string). */
  requestPath?: string;
  /** The request id the client sent (`x-request-id`) or the server answered with. */
  requestId?: string;
  /** How many attempts were made, retries included. */
  attempts?: number;
}

/** The root of every error the SDK throws. */
export abstract class KeyplaneError extends Error {
  /** A stable, machine-readable code. */
  abstract readonly code: string;
  /** The route id of the failed call, when there was one. */
  declare readonly operation?: string;
  /** The HTTP method of the failed call. */
  declare readonly method?: string;
  /** The request path of the failed call (no query string, no headers). */
  declare readonly requestPath?: string;
  /** The request id (`x-request-id`) of the last attempt. */
  declare readonly requestId?: string;
  /** Attempts made, retries included. */
  declare readonly attempts?: number;

  protected constructor(message: string, site: CallSite = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const self = this as { -readonly [K in keyof CallSite]: CallSite[K] };
    if (site.operation !== undefined) self.operation = site.operation;
    if (site.method !== undefined) self.method = site.method;
    if (site.requestPath !== undefined) self.requestPath = site.requestPath;
    if (site.requestId !== undefined) self.requestId = site.requestId;
    if (site.attempts !== undefined) self.attempts = site.attempts;
  }

  /** A plain object for logs: name, code, message and the enumerable fields (never a credential). */
  toJSON(): Record<string, unknown> {
    return {
      ...Object.fromEntries(Object.entries(this)),
      name: this.name,
      code: this.code,
      message: this.message,
    };
  }
}

/** The request got no HTTP answer (connection, timeout, abort). */
export abstract class KeyplaneTransportError extends KeyplaneError {
  abstract override readonly code: "CONNECT" | "TIMEOUT" | "ABORTED";
}

/** The connection failed or broke before a complete answer arrived (refused, reset, DNS, closed client). */
export class KeyplaneConnectError extends KeyplaneTransportError {
  readonly code = "CONNECT" as const;
  /** The underlying system or undici error code, e.g. `ECONNREFUSED` or `UND_ERR_SOCKET`. */
  declare readonly systemCode?: string;
  /** @internal */
  constructor(
    message: string,
    site: CallSite = {},
    options?: { cause?: unknown; systemCode?: string },
  ) {
    super(message, site, options);
    if (options?.systemCode !== undefined)
      (this as { systemCode?: string }).systemCode = options.systemCode;
  }
}

/** An attempt took longer than its `timeoutMs` (or undici's own header/body timeouts fired). */
export class KeyplaneTimeoutError extends KeyplaneTransportError {
  readonly code = "TIMEOUT" as const;
  /** The limit that was exceeded, in ms (when the SDK's own timer fired). */
  declare readonly timeoutMs?: number;
  /** @internal */
  constructor(
    message: string,
    site: CallSite = {},
    options?: { cause?: unknown; timeoutMs?: number },
  ) {
    super(message, site, options);
    if (options?.timeoutMs !== undefined)
      (this as { timeoutMs?: number }).timeoutMs = options.timeoutMs;
  }
}

/** The caller's `AbortSignal` fired (before, during, or between attempts). Never retried. */
export class KeyplaneAbortError extends KeyplaneTransportError {
  readonly code = "ABORTED" as const;
  /** @internal */
  constructor(message: string, site: CallSite = {}, options?: { cause?: unknown }) {
    super(message, site, options);
  }
}

/** What the server said, as the SDK read it from either error envelope. */
export interface ApiErrorDetails extends CallSite {
  /** HTTP status. */
  status: number;
  /** The symbolic code: the `x-keyplane-error` header, else `err_extra`'s `type` (or an older server's `code`), else derived from the status. */
  code: ErrorCode | (string & {});
  /** The wire's `err_code` (the reference sends the HTTP status, as a number or a string). */
  errCode?: number | string;
  /** The wire's `err_msg`. */
  errMsg: string;
  /** The wire's `err_extra`: `null` (401), a string (403), or a list of `{type, msg, loc?, field?, request_id}`. */
  errExtra?: unknown;
  /** Fields that failed validation (the `err_extra` items with a `field`), with dotted paths like `request_data.roles`. */
  fields?: FieldError[];
  /** Milliseconds the server asked to wait (`Retry-After`). */
  retryAfterMs?: number;
  /** The permission the call needed (`x-keyplane-required-permission`, e.g. `public_api:view_edit`). */
  requiredPermission?: string;
}

/** The server answered with a non-2xx status. Subclasses exist for 400, 401, 403, 404, 409 and 429. */
export class KeyplaneApiError extends KeyplaneError {
  /** The symbolic error code (see `contract.ERROR_CODES` and docs/errors.md), or one derived from the status. */
  readonly code: ErrorCode | (string & {});
  /** HTTP status. */
  readonly status: number;
  /** The wire's `err_code`. */
  declare readonly errCode?: number | string;
  /** The wire's `err_msg`. */
  readonly errMsg: string;
  /** The wire's `err_extra`. */
  declare readonly errExtra?: unknown;
  /** Fields that failed validation, with dotted paths (empty when the server named none). */
  readonly fields: FieldError[];

  /** @internal Use {@link apiErrorFor} to get the subclass that matches the status. */
  constructor(d: ApiErrorDetails) {
    super(formatApiMessage(d), d);
    this.status = d.status;
    this.code = d.code;
    if (d.errCode !== undefined) (this as { errCode?: number | string }).errCode = d.errCode;
    this.errMsg = d.errMsg;
    if (d.errExtra !== undefined) (this as { errExtra?: unknown }).errExtra = d.errExtra;
    this.fields = d.fields ?? [];
  }
}

/** 400: the request was refused as invalid; `fields` names each field and the reason. */
export class BadRequestError extends KeyplaneApiError {}

/** 401: the key was not accepted (unknown, wrong, expired, revoked, stale signature or replayed nonce). */
export class UnauthorizedError extends KeyplaneApiError {}

/** 403: the key is valid but lacks the permission (or would grant more than it holds). */
export class ForbiddenError extends KeyplaneApiError {
  /** The permission the call needed, as `component:level`, when the server said. */
  declare readonly requiredPermission?: string;
  /** @internal */
  constructor(d: ApiErrorDetails) {
    super(d);
    if (d.requiredPermission !== undefined)
      (this as { requiredPermission?: string }).requiredPermission = d.requiredPermission;
  }
}

/** 404: the object (or endpoint) does not exist. */
export class NotFoundError extends KeyplaneApiError {}

/** 409: a conflict: a unique name taken, an object in use, an idempotency key reused with another body. */
export class ConflictError extends KeyplaneApiError {}

/** 429: too many requests; `retryAfterMs` says how long the server asked to wait. */
export class RateLimitError extends KeyplaneApiError {
  /** Milliseconds to wait before trying again (from `Retry-After`), when the server said. */
  declare readonly retryAfterMs?: number;
  /** @internal */
  constructor(d: ApiErrorDetails) {
    super(d);
    if (d.retryAfterMs !== undefined)
      (this as { retryAfterMs?: number }).retryAfterMs = d.retryAfterMs;
  }
}

/** One place where a reply broke its schema. */
export interface ValidationIssue {
  /** Dotted path into the reply body, e.g. `reply.data.0.id` (`(root)` for the body itself). */
  path: string;
  /** What was wrong. */
  message: string;
}

/** A 2xx reply did not match the contract's reply schema (or was not JSON). Never retried. */
export class ResponseValidationError extends KeyplaneError {
  readonly code = "RESPONSE_VALIDATION" as const;
  /** HTTP status of the reply. */
  readonly status: number;
  /** Dotted path of the first mismatch, e.g. `reply.data.0.id`. */
  readonly path: string;
  /** Every mismatch (at most 20). */
  readonly issues: ValidationIssue[];
  /** @internal */
  constructor(d: CallSite & { status: number; issues: ValidationIssue[] }) {
    const first = d.issues[0] ?? { path: "(root)", message: "invalid reply" };
    const more = d.issues.length > 1 ? ` (and ${d.issues.length - 1} more)` : "";
    super(
      `keyplane ${d.operation ?? "call"}: the ${d.status} reply does not match the contract at ${first.path}: ${first.message}${more}` +
        (d.requestId ? ` (request ${d.requestId})` : ""),
      d,
    );
    this.status = d.status;
    this.path = first.path;
    this.issues = d.issues;
  }
}

/** The SDK refused an argument before sending anything (e.g. an unreadable `expiration`). */
export class InvalidArgumentError extends KeyplaneError {
  readonly code = "INVALID_ARGUMENT" as const;
  /** The argument, as a dotted path in camelCase (e.g. `expiration`, `filters.0.value`). */
  readonly argument: string;
  /** @internal */
  constructor(argument: string, reason: string) {
    super(`keyplane: ${argument}: ${reason}`);
    this.argument = argument;
  }
}

// Names live on the prototypes, so that the stack captured at construction already carries them
// and `name` is stable whatever a bundler does to class names.
const NAMES: Array<[{ prototype: Error }, string]> = [
  [KeyplaneError, "KeyplaneError"],
  [KeyplaneTransportError, "KeyplaneTransportError"],
  [KeyplaneConnectError, "KeyplaneConnectError"],
  [KeyplaneTimeoutError, "KeyplaneTimeoutError"],
  [KeyplaneAbortError, "KeyplaneAbortError"],
  [KeyplaneApiError, "KeyplaneApiError"],
  [BadRequestError, "BadRequestError"],
  [UnauthorizedError, "UnauthorizedError"],
  [ForbiddenError, "ForbiddenError"],
  [NotFoundError, "NotFoundError"],
  [ConflictError, "ConflictError"],
  [RateLimitError, "RateLimitError"],
  [ResponseValidationError, "ResponseValidationError"],
  [InvalidArgumentError, "InvalidArgumentError"],
];
for (const [cls, name] of NAMES) {
  Object.defineProperty(cls.prototype, "name", {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** The symbolic code for a status when the server named none. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "INVALID_INPUT";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 409:
      return "CONFLICT";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return "RATE_LIMITED";
    case 500:
      return "INTERNAL";
    case 502:
    case 503:
    case 504:
      return "UNAVAILABLE";
    default:
      return `HTTP_${status}`;
  }
}

/** The error class for a status: the matching subclass, else {@link KeyplaneApiError}. */
export function apiErrorFor(d: ApiErrorDetails): KeyplaneApiError {
  switch (d.status) {
    case 400:
      return new BadRequestError(d);
    case 401:
      return new UnauthorizedError(d);
    case 403:
      return new ForbiddenError(d);
    case 404:
      return new NotFoundError(d);
    case 409:
      return new ConflictError(d);
    case 429:
      return new RateLimitError(d);
    default:
      return new KeyplaneApiError(d);
  }
}

function formatApiMessage(d: ApiErrorDetails): string {
  const where = [d.operation, d.requestId ? `request ${d.requestId}` : undefined]
    .filter(Boolean)
    .join(", ");
  return `${d.errMsg} (HTTP ${d.status} ${d.code}${where ? `; ${where}` : ""})`;
}
