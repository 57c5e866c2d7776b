/** Tenant settings (extension): `GET`/`PUT /platform/iam/v1/settings`. */
import { z } from "zod";
import { dataEnvelope } from "./common";

const DAY = 86_400_000;

export const Settings = z.object({
  sbac_enabled: z.boolean().describe("Enforce scopes (SBAC). Off by default: scopes are stored but not enforced."),
  replay_window_ms: z.number().int().describe("Advanced keys: accepted clock skew of `x-xdr-timestamp`, and how long a nonce is remembered."),
  nonce_reuse_window_ms: z
    .number()
    .int()
    .describe(
      "Advanced keys: 0 (the default) refuses every repeated nonce. Above 0, a repeated nonce is accepted for the same key while its signed timestamp is at most this old, for clients that reuse one set of headers for a whole run (the XSOAR integration's CoreClient); each such request is audited (AUTH / nonce_reused). See docs/compatibility.md for what it costs.",
    ),
  default_key_lifetime_ms: z.number().int().nullable().describe("Lifetime of a key generated without `expiration`; null: such keys never expire."),
  max_key_lifetime_ms: z.number().int().nullable().describe("Longest allowed lifetime; null: no limit (and keys may never expire)."),
  notification_webhook: z.string().nullable().describe("URL that receives each expiration notice as a JSON POST; null: none."),
  tenant_fqdn: z.string().nullable().describe("Host name shown in the View Examples snippets; null: the URL the request came to."),
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
};

/** `PUT /platform/iam/v1/settings` request_data: any subset. */
export const UpdateSettingsRequest = z.object({
  sbac_enabled: z.boolean({ error: "must be true or false" }).optional(),
  replay_window_ms: z
    .number({ error: "must be a number of milliseconds" })
    .int("must be whole milliseconds")
    .min(10_000, "must be at least 10000 (10 s)")
    .max(3_600_000, "must be at most 3600000 (1 h)")
    .optional(),
  nonce_reuse_window_ms: z
    .number({ error: "must be a number of milliseconds" })
    .int("must be whole milliseconds")
    .min(0, "must be 0 (off) or more")
    .max(600_000, "must be at most 600000 (10 min)")
    .optional(),
  default_key_lifetime_ms: z.number().int().min(60_000, "must be at least one minute").max(3650 * DAY, "must be at most 10 years").nullable().optional(),
  max_key_lifetime_ms: z.number().int().min(60_000, "must be at least one minute").max(3650 * DAY, "must be at most 10 years").nullable().optional(),
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
});
export type UpdateSettingsRequest = z.input<typeof UpdateSettingsRequest>;

export const SettingsReply = dataEnvelope(Settings);
