/**
 * Shared pieces of the wire contract: envelopes, the closed set of error codes, filters, paging.
 *
 * Two API families share one host (see ../../docs/compatibility.md):
 * - `/public_api/v1/...`: `POST` with `{request_data: {...}}`, replies `{reply: ...}`, errors
 *   `{reply: {err_code, err_msg, err_extra}}`;
 * - `/platform/...`: REST verbs, replies `{data: ..., metadata?: {...}}`, errors
 *   `{data: {err_msg, metadata: {err_code, err_extra}}}`.
 */
import { z } from "zod";

/**
 * Numbers as clients send them: a JSON number, or a string of digits (optionally signed and
 * padded). Anything else is left as it is for `z.number()` to refuse: `z.coerce` would also take
 * `true` as 1, `[7]` as 7 and "0x1", "1e0" or "1.0" as 1, so a boolean could name key 1.
 */
const digitsAsNumber = (v: unknown) =>
  typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v;

/** Epoch milliseconds (UTC), as every timestamp on the wire. Numeric strings are accepted. */
export const EpochMs = z
  .preprocess(
    digitsAsNumber,
    z
      .number({ error: "must be an integer epoch-milliseconds timestamp" })
      .int("must be an integer epoch-milliseconds timestamp")
      .nonnegative("must not be negative")
      .max(8.64e15, "is out of range"),
  )
  .describe("Epoch milliseconds (UTC).");

/** A paging number (`search_from`, `search_to`): a whole number of at least 0; digit strings are accepted (query strings are text). */
export const PageNumber = z.preprocess(
  digitsAsNumber,
  z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .max(Number.MAX_SAFE_INTEGER, "is out of range"),
);

/** A numeric id; numeric strings are accepted, as real clients send both. */
export const NumericId = z.preprocess(
  digitsAsNumber,
  z
    .number({ error: "must be an integer id" })
    .int("must be an integer id")
    .positive("must be a positive integer id")
    .max(Number.MAX_SAFE_INTEGER, "is out of range"),
);

/** Wraps a request body in the `request_data` envelope. A missing body means `{}`. */
export function requestData<T extends z.ZodType>(inner: T) {
  return z.object({ request_data: inner }).describe("The request, wrapped in `request_data`.");
}

/** `{reply: T}`: the public_api success envelope. */
export function replyEnvelope<T extends z.ZodType>(inner: T) {
  return z.object({ reply: inner });
}

/** `{data: T, metadata?}`: the platform success envelope. */
export function dataEnvelope<T extends z.ZodType>(inner: T) {
  return z.object({
    data: inner,
    metadata: z.object({ total_count: z.coerce.number().int().optional() }).loose().optional(),
  });
}

/** The platform reply to a write that has nothing else to say. */
export const MessageData = z.object({ message: z.string() }).loose();

/**
 * The closed set of keyplane error codes. `docs/errors.md` lists each with its meaning and fix;
 * a test keeps the two in step. The wire's `err_code` is the HTTP status (as the reference
 * does); the symbolic code travels in the `x-keyplane-error` header and as `type` in each `err_extra` item.
 */
export const ERROR_CODES = {
  INVALID_JSON: 400,
  INVALID_INPUT: 400,
  PAST_EXPIRATION: 400,
  EXPIRATION_TOO_FAR: 400,
  UNKNOWN_ROLE: 400,
  UNKNOWN_SCOPE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PRIVILEGE_ESCALATION: 403,
  READ_ONLY: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IN_USE: 409,
  IDEMPOTENCY_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

/** A symbolic error code. */
export type ErrorCode = keyof typeof ERROR_CODES;
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** One field that failed validation: its dotted path and the reason. */
export const FieldError = z.object({
  path: z.string().describe("Dotted path of the field, e.g. `request_data.roles`."),
  reason: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

/**
 * One entry of keyplane's `err_extra` list, in the pydantic-style `{type, loc, msg}` shape the
 * official Go SDK decodes (it reads `err_extra` only as a string or a list of such objects).
 */
export const ErrExtraItem = z
  .object({
    type: ErrorCodeSchema.describe(
      "The symbolic error code (docs/errors.md), as in the `x-keyplane-error` header.",
    ),
    msg: z.string().describe("What went wrong (for a field: the reason)."),
    loc: z
      .array(z.string())
      .optional()
      .describe("A field error: the field's path, one segment per item."),
    field: z
      .string()
      .optional()
      .describe("A field error: the field's dotted path, e.g. `request_data.roles`."),
    detail: z.string().optional(),
    request_id: z
      .string()
      .optional()
      .describe("The request id (also in the `x-request-id` header)."),
  })
  .loose();
export type ErrExtraItem = z.infer<typeof ErrExtraItem>;

/**
 * `err_extra` as keyplane sends it (the reference leaves it free-form): `null` on 401, the
 * documented string on 403, otherwise a list of {@link ErrExtraItem}: one per field that failed,
 * or one for the error as a whole.
 */
export const ErrExtra = z.union([z.null(), z.string(), z.array(ErrExtraItem)]);

/** The public_api error body. */
export const PublicApiError = z.object({
  reply: z.object({
    err_code: z.union([z.number(), z.string()]),
    err_msg: z.string(),
    err_extra: ErrExtra.optional(),
  }),
});

/** The platform error body. */
export const PlatformError = z.object({
  data: z.object({
    err_msg: z.string(),
    metadata: z.object({
      err_code: z.union([z.number(), z.string()]),
      err_extra: ErrExtra.optional(),
    }),
  }),
});

/** Sort order, as the reference spells it. */
export const SortKeyword = z.enum(["asc", "desc"]);

/** `{field, keyword}` sort for the given fields. */
export function sortOf<F extends [string, ...string[]]>(fields: F) {
  return z.object({
    field: z.enum(fields).describe(`One of: ${fields.join(", ")}.`),
    keyword: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(SortKeyword)
      .default("asc"),
  });
}

/** Paging: `search_from` (inclusive, default 0) and `search_to` (exclusive, default from+100). */
export const Paging = z.object({
  search_from: PageNumber.optional(),
  search_to: PageNumber.optional(),
});

/** The largest page any list call returns. */
export const MAX_PAGE = 1000;
/** The page size when `search_to` is not given. */
export const DEFAULT_PAGE = 100;

/** Normalises paging into offset and limit (and refuses an inverted range). */
export function pageWindow(
  p: { search_from?: number; search_to?: number },
  max = MAX_PAGE,
): { offset: number; limit: number } {
  const offset = p.search_from ?? 0;
  const to = p.search_to ?? offset + DEFAULT_PAGE;
  return { offset, limit: Math.max(0, Math.min(max, to - offset)) };
}

/** Role-permission levels, lowest first. */
export const LEVELS = ["none", "view", "view_edit"] as const;
export const Level = z
  .enum(LEVELS)
  .describe("`none`, `view` (read) or `view_edit` (read and change).");
export type Level = z.infer<typeof Level>;

/** True when `have` is at least `need`. */
export function levelAtLeast(have: Level | undefined, need: Level): boolean {
  return LEVELS.indexOf(have ?? "none") >= LEVELS.indexOf(need);
}

/** API key security levels. */
export const SecurityLevel = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(["standard", "advanced"], { error: "must be `standard` or `advanced`" }))
  .describe(
    "`standard` (the key travels in `Authorization`) or `advanced` (each request is signed with sha256(key + nonce + timestamp)).",
  );
export type SecurityLevel = "standard" | "advanced";
