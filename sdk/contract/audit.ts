/** Management audit logs: `POST /public_api/v1/audits/management_logs`. */
import { z } from "zod";
import { EpochMs, Paging, replyEnvelope, sortOf } from "./common";

const StringIn = (field: string) =>
  z.object({
    field: z.literal(field),
    operator: z.literal("in", { error: `operator for \`${field}\` must be \`in\`` }),
    value: z.union([
      z.string().transform((s) => [s]),
      z.array(z.string()).max(1000, "must list at most 1000 values"),
    ]),
  });

export const AuditFilter = z.discriminatedUnion("field", [
  StringIn("email"),
  StringIn("type"),
  StringIn("sub_type"),
  StringIn("result"),
  z.object({
    field: z.literal("timestamp"),
    operator: z.enum(["gte", "lte"], { error: "operator for `timestamp` must be `gte` or `lte`" }),
    value: EpochMs,
  }),
]);
export type AuditFilter = z.output<typeof AuditFilter>;

export const AUDIT_SORT_FIELDS = ["type", "sub-type", "result", "timestamp", "email"] as const;

export const AuditRequest = Paging.extend({
  filters: z.array(AuditFilter).max(50).optional(),
  sort: sortOf([...AUDIT_SORT_FIELDS]).optional(),
});
export type AuditRequest = z.input<typeof AuditRequest>;

export const AuditEntry = z
  .object({
    AUDIT_ID: z.number(),
    AUDIT_OWNER_NAME: z.string().nullable(),
    AUDIT_OWNER_EMAIL: z.string().nullable(),
    AUDIT_ASSET_JSON: z.unknown().nullable(),
    AUDIT_ASSET_NAMES: z.string().nullable(),
    AUDIT_HOSTNAME: z.string().nullable(),
    AUDIT_RESULT: z.string(),
    AUDIT_REASON: z.string().nullable(),
    AUDIT_DESCRIPTION: z.string().nullable(),
    AUDIT_ENTITY: z.string(),
    AUDIT_ENTITY_SUBTYPE: z.string().nullable(),
    AUDIT_SESSION_ID: z.string().nullable(),
    AUDIT_CASE_ID: z.number().nullable(),
    AUDIT_INSERT_TIME: z.number(),
    AUDIT_SEVERITY: z.string(),
    AUDIT_LINK: z.string().nullable(),
    AUDIT_SOURCE_IP: z.string().nullable(),
    AUDIT_USER_AGENT: z.string().nullable(),
    AUDIT_USER_ROLES: z.array(z.string()),
    AUDIT_ADDITIONAL_INFORMATION: z.record(z.string(), z.unknown()),
    AUDIT_OBJECT_ID: z.string().nullable(),
  })
  .loose();
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditReply = replyEnvelope(
  z.object({
    total_count: z.coerce.number().int(),
    result_count: z.coerce.number().int(),
    data: z.array(AuditEntry),
  }),
);
