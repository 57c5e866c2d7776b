/**
 * One home for every error: handlers throw {@link ApiError}; the server's error hook renders it
 * in the envelope of the route's family. 401 and 403 keep the reference's documented bodies.
 */
import type { ZodError } from "zod";
import {
  ERROR_CODES,
  type ErrExtraItem,
  type ErrorCode,
  type FieldError,
  type Family,
} from "../sdk/contract";

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: {
      fields?: FieldError[];
      detail?: string;
      retryAfterSec?: number;
      headers?: Record<string, string>;
    } = {},
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

type Issue = ZodError["issues"][number];

/** The value at `path` inside `input` (undefined when any step is missing). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const depth = (issues: Issue[]) => Math.max(0, ...issues.map((i) => i.path.length));

/**
 * Replaces a union's generic "Invalid input" by what went wrong in the branch the input came
 * closest to matching (one whose type it has, with the deepest issues), so that
 * `{scope: {assets: {mode: "any"}}}` says the mode is wrong rather than that the scope is; a
 * discriminated union names its discriminator's values, and a value of none of the union's types
 * says which types would do.
 */
function flatten(
  issues: readonly Issue[],
  input: unknown,
  base: readonly PropertyKey[] = [],
): Array<{ path: PropertyKey[]; issue: Issue }> {
  const out: Array<{ path: PropertyKey[]; issue: Issue }> = [];
  for (const i of issues) {
    const path = [...base, ...i.path];
    if (i.code === "invalid_union") {
      const u = i as Issue & { errors?: Issue[][]; options?: unknown[]; note?: string };
      if (u.note === "No matching discriminator" && u.options?.length) {
        out.push({
          path,
          issue: { ...i, message: `must be one of: ${u.options.map(String).join(", ")}` } as Issue,
        });
        continue;
      }
      const branches = (u.errors ?? []).filter((b) => b.length > 0);
      if (
        branches.length &&
        branches.every((b) => b.every((x) => x.code === "invalid_type" && x.path.length === 0))
      ) {
        const expected = [
          ...new Set(branches.flat().map((x) => (x as Issue & { expected?: string }).expected)),
        ].join(" or ");
        out.push({
          path,
          issue: { ...i, code: "invalid_type", message: `must be ${expected}` } as unknown as Issue,
        });
        continue;
      }
      if (branches.length) {
        // A branch the input is not even the type of is the worst match.
        const wrongType = (b: Issue[]) =>
          b.every((x) => x.code === "invalid_type" && x.path.length === 0) ? 1 : 0;
        const best = [...branches].sort(
          (a, b) => wrongType(a) - wrongType(b) || depth(b) - depth(a) || a.length - b.length,
        )[0]!;
        out.push(...flatten(best, input, path));
        continue;
      }
    }
    out.push({ path, issue: i });
  }
  return out;
}

/**
 * Turns zod issues into a 400 naming each field (`request_data.roles: must name at least one role`).
 * `input` is what was validated: a field absent from it is reported as "is required", whatever
 * message its schema carries for a wrong type.
 */
export function fromZod(err: ZodError, prefix: string, input?: unknown): ApiError {
  const fields: FieldError[] = flatten(err.issues, input)
    .slice(0, 20)
    .map(({ path, issue: i }) => {
      const p = [prefix, ...path.map(String)].filter(Boolean).join(".");
      let reason = i.message;
      if (
        i.code === "invalid_type" &&
        (/received undefined/.test(i.message) ||
          (input !== undefined && path.length > 0 && valueAt(input, path) === undefined))
      )
        reason = "is required";
      else if (i.code === "invalid_type" && / received NaN$/.test(i.message))
        reason = "must be a number";
      if (i.code === "unrecognized_keys")
        reason = `unknown field(s): ${(i as { keys: string[] }).keys.join(", ")}`;
      return { path: p || "(body)", reason };
    });
  const first = fields[0]!;
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : "";
  return new ApiError("INVALID_INPUT", `${first.path}: ${first.reason}${more}`, { fields });
}

/**
 * `err_extra` for every error but 401 and 403: a list of `{type, msg, loc?, field?, request_id}`,
 * one item per field that failed or one for the whole error. A list of objects is what the
 * official Go SDK decodes (it fails on an object and then loses the message); `type` carries the
 * symbolic code, as the `x-keyplane-error` header does.
 */
export function errExtraItems(e: ApiError, requestId: string): ErrExtraItem[] {
  const detail = e.opts.detail ? { detail: e.opts.detail } : {};
  if (e.opts.fields?.length) {
    return e.opts.fields.map((f) => ({
      type: e.code,
      msg: f.reason,
      loc: f.path.split("."),
      field: f.path,
      ...detail,
      request_id: requestId,
    }));
  }
  return [{ type: e.code, msg: e.message, ...detail, request_id: requestId }];
}

/** The wire body and status for an error, in the family's envelope. */
export function renderError(
  family: Family,
  e: ApiError,
  requestId: string,
): { status: number; body: unknown; headers: Record<string, string> } {
  const headers: Record<string, string> = { "x-keyplane-error": e.code, ...(e.opts.headers ?? {}) };
  if (e.opts.retryAfterSec !== undefined) headers["retry-after"] = String(e.opts.retryAfterSec);
  let extra: unknown;
  if (e.code === "UNAUTHORIZED") extra = null;
  else if (e.code === "FORBIDDEN") extra = FORBIDDEN_EXTRA;
  else extra = errExtraItems(e, requestId);
  const msg = e.code === "FORBIDDEN" ? FORBIDDEN_MSG : e.message;
  const body =
    family === "public"
      ? { reply: { err_code: e.status, err_msg: msg, err_extra: extra } }
      : { data: { err_msg: msg, metadata: { err_code: e.status, err_extra: extra } } };
  return { status: e.status, body, headers };
}
