/**
 * What an entry of the route table says about a call: its family, permission, schemas, and how a
 * repeat of it is answered (the one home of idempotency and of the SDK's retry policy).
 */
import type { z } from "zod";
import type { Level } from "./common";
import type { ComponentName } from "./components";

export type Family = "public" | "platform";

/**
 * Whether a call may be sent again after a failure whose effect is unknown (the SDK's retry policy).
 * - `repeatable`: reads, and writes whose repetition leaves the same state (PUT, PATCH, deletes by id).
 * - `never`: `auth/verify` (the forwarded Advanced nonce is consumed by the first attempt).
 * - `idempotencyKey`: the calls that honour `Idempotency-Key` (generate and the other creates),
 *   repeatable only when they carry one (the SDK adds one to every create).
 */
export type RetryPolicy = "repeatable" | "never" | "idempotencyKey";

/** The header a call with `idempotency` honours: a repeat of the same request under the same key gets the first reply. */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** How long a reply is kept for a repeat under the same Idempotency-Key. */
export const IDEMPOTENCY_WINDOW_MS = 86_400_000;
/** What an Idempotency-Key may be. */
export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_KEY_RULE = "must be 1-255 printable ASCII characters";

/**
 * How a repeat of a call is answered, one field of its entry read by the server (which honours
 * the header), the SDK (which retries) and the OpenAPI generator (which documents the header).
 * Every entry says one of the two, so a new route must be classified.
 */
export type RepeatPolicy =
  | { idempotency: typeof IDEMPOTENCY_HEADER; retry?: never }
  | { idempotency?: never; retry: Exclude<RetryPolicy, "idempotencyKey"> };

export type RouteDef = RouteFields & RepeatPolicy;

interface RouteFields {
  /** Stable name, used by the SDK and in OpenAPI `operationId`. */
  id: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with `:param` segments. */
  path: string;
  family: Family;
  summary: string;
  /** Whether the call needs a key (false only for health and the OpenAPI document). */
  auth: boolean;
  /** Component and level the caller must hold. */
  permission?: { component: ComponentName; level: Exclude<Level, "none"> };
  /** The `request_data` schema (the body is `{request_data: ...}`). */
  request?: z.ZodType;
  /** Query-string schema for GET lists. */
  query?: z.ZodType;
  reply: z.ZodType;
  /** What the server sends, where `reply` (the SDK's parse schema) normalises several spellings of it. */
  wireReply?: z.ZodType;
  /** Success status (200 unless said). */
  status?: 200 | 201;
  /** Part of the reference API (true) or our extension (false). */
  reference: boolean;
}
