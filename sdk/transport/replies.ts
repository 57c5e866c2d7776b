/**
 * Reading an answer: a 2xx body parsed with the route's reply schema (ResponseValidationError
 * when it does not fit), and an error in any of the server's envelopes turned into the typed API
 * error. Every string taken from the answer passes through the transport's redactor.
 */
import { z } from "zod";
import { FieldError, type RouteDef } from "../contract";
import {
  apiErrorFor,
  codeForStatus,
  KeyplaneApiError,
  ResponseValidationError,
  type CallSite,
  type ValidationIssue,
} from "../errors";
import { retryAfterMs } from "./retry";

/** A 2xx body parsed with the route's reply schema, or ResponseValidationError with its issues. */
export function parseReply(
  route: RouteDef,
  res: RawResponse,
  at: CallSite,
  redact: (s: string) => string,
): unknown {
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
    message: redact(i.message),
  }));
  throw new ResponseValidationError({ ...at, status: res.status, issues });
}

/** A non-2xx answer as the typed API error (code from the header, `err_extra`, or the status). */
export function apiError(
  res: RawResponse,
  at: CallSite,
  redact: (s: string) => string,
): KeyplaneApiError {
  let json: unknown;
  try {
    json = res.text ? JSON.parse(res.text) : undefined;
  } catch {
    json = undefined;
  }
  const env = readErrorEnvelope(json);
  const extra = env.errExtra === undefined ? undefined : redactDeep(env.errExtra, redact);
  const { code: extraCode, fields: fieldList, requestId: extraRequestId } = readErrExtra(extra);
  const code = res.headers["x-keyplane-error"] ?? extraCode ?? codeForStatus(res.status);
  const requestId = extraRequestId ?? at.requestId;
  const errMsg = redact(env.errMsg ?? (res.text ? snippet(res.text) : `HTTP ${res.status}`));
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

const FieldList = z.array(FieldError);

/** One answer as read off the wire, before it is parsed. */
export interface RawResponse {
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

export function flatHeaders(
  h: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}
