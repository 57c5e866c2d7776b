/** Tenant settings (extension): `GET`/`PUT /platform/iam/v1/settings`. */
import { z } from "zod";

const DAY = 86_400_000;

export const Settings = z.object({
  sbac_enabled: z
    .boolean()
    .describe("Enforce scopes (SBAC). Off by default: scopes are stored but not enforced."),
  replay_window_ms: z
    .number()
    .int()
    .describe(
      "Advanced keys: accepted clock skew of `x-xdr-timestamp`, and how long a nonce is remembered.",
    ),
  nonce_reuse_window_ms: z
    .number()
    .int()
    .describe(
      "Advanced keys: 0 (the default) refuses every repeated nonce. Above 0, a repeated nonce is accepted for the same key while its signed timestamp is at most this old, for clients that reuse one set of headers for a whole run (the XSOAR integration's CoreClient); each such request is audited (AUTH / nonce_reused). See docs/compatibility.md for what it costs.",
    ),
  default_key_lifetime_ms: z
    .number()
    .int()
    .nullable()
    .describe("Lifetime of a key generated without `expiration`; null: such keys never expire."),
  max_key_lifetime_ms: z
    .number()
    .int()
    .nullable()
    .describe("Longest allowed lifetime; null: no limit (and keys may never expire)."),
  notification_webhook: z
    .string()
    .nullable()
    .describe("URL that receives each expiration notice as a JSON POST; null: none."),
  tenant_fqdn: z
    .string()
    .nullable()
    .describe("Host name shown in the View Examples snippets; null: the URL the request came to."),
  audit_retention_days: z
    .number()
    .int()
    .nullable()
    .describe("Audit entries older than this are deleted; null: kept for ever."),
  key_expiration_required: z
    .boolean()
    .describe(
      "Key policy: every key must expire (generate without an expiration and no default lifetime, or an edit to none, is refused).",
    ),
  key_comment_required: z
    .boolean()
    .describe("Key policy: every key must have a non-empty comment."),
  key_advanced_roles: z
    .array(z.string())
    .describe(
      "Key policy: role ids whose keys must be Advanced (e.g. `instance_administrator`); empty: none.",
    ),
  unused_key_notice_days: z
    .number()
    .int()
    .nullable()
    .describe(
      'Post an "API Key Unused" notice for a key not used (or, never used, not created) for this many days; null (default): none.',
    ),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  sbac_enabled: false,
  replay_window_ms: 5 * 60_000,
  nonce_reuse_window_ms: 0,
  default_key_lifetime_ms: null,
  max_key_lifetime_ms: null,
  notification_webhook: null,
  tenant_fqdn: null,
  audit_retention_days: 365,
  key_expiration_required: false,
  key_comment_required: false,
  key_advanced_roles: [],
  unused_key_notice_days: null,
};

/** The widest replay window a tenant may set; nonces are kept for twice this, whatever the current window. */
export const MAX_REPLAY_WINDOW_MS = 3_600_000;

/** `PUT /platform/iam/v1/settings` request_data: any subset. */
export const UpdateSettingsRequest = z.object({
  sbac_enabled: z.boolean({ error: "must be true or false" }).optional(),
  replay_window_ms: z
    .number({ error: "must be a number of milliseconds" })
    .int("must be whole milliseconds")
    .min(10_000, "must be at least 10000 (10 s)")
    .max(MAX_REPLAY_WINDOW_MS, "must be at most 3600000 (1 h)")
    .optional(),
  nonce_reuse_window_ms: z
    .number({ error: "must be a number of milliseconds" })
    .int("must be whole milliseconds")
    .min(0, "must be 0 (off) or more")
    .max(600_000, "must be at most 600000 (10 min)")
    .optional(),
  default_key_lifetime_ms: z
    .number()
    .int()
    .min(60_000, "must be at least one minute")
    .max(3650 * DAY, "must be at most 10 years")
    .nullable()
    .optional(),
  max_key_lifetime_ms: z
    .number()
    .int()
    .min(60_000, "must be at least one minute")
    .max(3650 * DAY, "must be at most 10 years")
    .nullable()
    .optional(),
  notification_webhook: z
    .string()
    .url("must be an http(s) URL")
    .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL")
    .nullable()
    .optional(),
  tenant_fqdn: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "must be a host name, optionally with :port")
    .nullable()
    .optional(),
  audit_retention_days: z
    .number({ error: "must be a number of days" })
    .int("must be whole days")
    .min(1, "must be at least 1")
    .max(36_500, "must be at most 36500 (100 years)")
    .nullable()
    .optional(),
  key_expiration_required: z.boolean({ error: "must be true or false" }).optional(),
  key_comment_required: z.boolean({ error: "must be true or false" }).optional(),
  key_advanced_roles: z
    .array(z.string({ error: "must be a role id" }).trim().min(1, "must not be empty"), {
      error: "must be a list of role ids",
    })
    .max(64, "must name at most 64 roles")
    .optional(),
  unused_key_notice_days: z
    .number({ error: "must be a number of days" })
    .int("must be whole days")
    .min(1, "must be at least 1")
    .max(3650, "must be at most 3650")
    .nullable()
    .optional(),
});
export type UpdateSettingsRequest = z.input<typeof UpdateSettingsRequest>;

/** A key that breaks the key policy as it now stands (reported by a settings change, never cut). */
export const KeyPolicyBreach = z.object({
  id: z.number().int().describe("The key id."),
  breaches: z
    .array(
      z.object({
        field: z.string().describe("The key's field, by wire name."),
        setting: z.string().describe("The setting it breaks."),
        reason: z.string(),
      }),
    )
    .describe("Each way the key breaks the policy."),
});
export type KeyPolicyBreach = z.infer<typeof KeyPolicyBreach>;

export const SettingsReply = z.object({
  data: Settings,
  metadata: z
    .object({
      keys_breaking_policy: z
        .array(KeyPolicyBreach)
        .optional()
        .describe(
          "After a change: existing active keys that break the key policy now (at most 500). They keep working; fix or rotate them.",
        ),
      keys_breaking_policy_count: z
        .number()
        .int()
        .optional()
        .describe("How many keys break it in all."),
    })
    .loose()
    .optional(),
});
