/**
 * `POST /public_api/v1/auth/verify` (extension): the hot path for downstream services. A service,
 * authenticated by its own key holding `verify`, forwards its caller's auth headers, the
 * permission it needs and optionally the resource's scope attributes.
 */
import { z } from "zod";
import { Level, replyEnvelope } from "./common";
import { Component, ComponentPermissions } from "./components";
import { ResourceScope } from "./scopes";

/** Why a key was refused. `NOT_FOUND` covers unknown ids and wrong keys alike, on purpose. */
export const VERIFY_REASONS = [
  "MALFORMED",
  "NOT_FOUND",
  "EXPIRED",
  "REVOKED",
  "SIGNATURE_REQUIRED",
  "STALE_TIMESTAMP",
  "REPLAYED",
  "RATE_LIMITED",
  "INSUFFICIENT_PERMISSION",
  "OUT_OF_SCOPE",
] as const;
export const VerifyReason = z.enum(VERIFY_REASONS);
export type VerifyReason = z.infer<typeof VerifyReason>;

export const VerifyRequest = z.object({
  headers: z
    .record(z.string(), z.string().max(4096, "must be at most 4096 characters"))
    .describe(
      "The caller's auth headers as received: `x-xdr-auth-id`, `authorization`, and for Advanced keys `x-xdr-nonce` and `x-xdr-timestamp` (names are case-insensitive).",
    ),
  permission: z
    .object({ component: Component, level: Level.exclude(["none"]).default("view") })
    .optional()
    .describe("The permission the service needs; omitted: only authenticate."),
  resource: ResourceScope.optional(),
});
export type VerifyRequest = z.input<typeof VerifyRequest>;

export const VerifyResult = z.object({
  valid: z.boolean(),
  reason: VerifyReason.nullable(),
  key_id: z.number().nullable(),
  security_level: z.string().nullable(),
  roles: z.array(z.string()).describe("Effective roles: the key's own and those bound to it."),
  permissions: ComponentPermissions.describe(
    "Effective level per component (the union over the roles).",
  ),
  has_scope: z.boolean(),
  scope_enforced: z.boolean().describe("Whether SBAC is on for the tenant."),
  scope: z.unknown().nullable().describe("The key's effective scope (canonical areas), or null."),
  row_filter: z
    .string()
    .nullable()
    .describe("For a dataset resource: the row filter the service must apply."),
  expiration: z.number().nullable(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;
export const VerifyReply = replyEnvelope(VerifyResult);
