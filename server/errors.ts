/**
 * One home for every error: handlers throw {@link ApiError}; the server's error hook renders it
 * in the envelope of the route's family. 401 and 403 keep the reference's documented bodies.
 */
import type { ZodError } from "zod";
import { ERROR_CODES, type ErrorCode, type FieldError, type Family } from "../sdk/contract";

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: { fields?: FieldError[]; detail?: string; retryAfterSec?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_CODES[code];
  }
}

export const UNAUTHORIZED_MSG = "Public API request unauthorized";
export const FORBIDDEN_MSG = "Forbidden. Access was denied to this resource.";
export const FORBIDDEN_EXTRA = "Insufficient permissions for api key";

/** The identical body every authentication failure gets, whatever the cause. */
export function unauthorized(): ApiError {
  return new ApiError("UNAUTHORIZED", UNAUTHORIZED_MSG);
}

/** A 400 that names the field and the reason. */
export function invalid(path: string, reason: string): ApiError {
  return new ApiError("INVALID_INPUT", `${path}: ${reason}`, { fields: [{ path, reason }] });
}

/** Turns zod issues into a 400 naming each field (`request_data.roles: must name at least one role`). */
export function fromZod(err: ZodError, prefix: string): ApiError {
  const fields: FieldError[] = err.issues.slice(0, 20).map((i) => {
    const p = [prefix, ...i.path.map(String)].filter(Boolean).join(".");
    let reason = i.message;
    if (i.code === "invalid_type" && /received undefined/.test(i.message)) reason = "is required";
    if (i.code === "unrecognized_keys") reason = `unknown field(s): ${(i as { keys: string[] }).keys.join(", ")}`;
    return { path: p || "(body)", reason };
  });
  const first = fields[0]!;
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : "";
  return new ApiError("INVALID_INPUT", `${first.path}: ${first.reason}${more}`, { fields });
}

/** The wire body and status for an error, in the family's envelope. */
export function renderError(family: Family, e: ApiError, requestId: string): { status: number; body: unknown; headers: Record<string, string> } {
  const headers: Record<string, string> = { "x-keyplane-error": e.code, ...(e.opts.headers ?? {}) };
  if (e.opts.retryAfterSec !== undefined) headers["retry-after"] = String(e.opts.retryAfterSec);
  let extra: unknown;
  if (e.code === "UNAUTHORIZED") extra = null;
  else if (e.code === "FORBIDDEN") extra = FORBIDDEN_EXTRA;
  else extra = { code: e.code, ...(e.opts.fields ? { fields: e.opts.fields } : {}), ...(e.opts.detail ? { detail: e.opts.detail } : {}), request_id: requestId };
  const msg = e.code === "FORBIDDEN" ? FORBIDDEN_MSG : e.message;
  const body =
    family === "public"
      ? { reply: { err_code: e.status, err_msg: msg, err_extra: extra } }
      : { data: { err_msg: msg, metadata: { err_code: e.status, err_extra: extra } } };
  return { status: e.status, body, headers };
}
