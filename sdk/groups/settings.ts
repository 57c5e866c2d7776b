/** `client.settings`: tenant settings (extension). */
import type { Settings } from "../contract";
import type { CallOptions } from "../transport";
import { compact } from "../wire";
import { CallGroup } from "./base";

/** Re-exported from the contract (zod output types). */
export type { Settings };

/** `update` input: any subset. */
export interface UpdateSettingsInput {
  /** Enforce scopes (wire `sbac_enabled`). */
  sbacEnabled?: boolean;
  /** Accepted clock skew and nonce memory for Advanced keys, 10 s to 1 h (wire `replay_window_ms`). */
  replayWindowMs?: number;
  /** 0 (default) refuses repeated nonces; above 0, accepts one signed at most this long ago, audited (wire `nonce_reuse_window_ms`). */
  nonceReuseWindowMs?: number;
  /** Lifetime of a key generated without `expiration`; null: such keys never expire (wire `default_key_lifetime_ms`). */
  defaultKeyLifetimeMs?: number | null;
  /** Longest allowed lifetime; null: no limit (wire `max_key_lifetime_ms`). */
  maxKeyLifetimeMs?: number | null;
  /** URL that receives expiration notices; null: none (wire `notification_webhook`). */
  notificationWebhook?: string | null;
  /** Host shown in View Examples; null: the request's host (wire `tenant_fqdn`). */
  tenantFqdn?: string | null;
  /** Key policy: every key must expire (wire `key_expiration_required`). */
  keyExpirationRequired?: boolean;
  /** Key policy: every key must have a comment (wire `key_comment_required`). */
  keyCommentRequired?: boolean;
  /** Key policy: role ids whose keys must be Advanced (wire `key_advanced_roles`). */
  keyAdvancedRoles?: string[];
  /** Days without use before an "API Key Unused" notice; null: none (wire `unused_key_notice_days`). */
  unusedKeyNoticeDays?: number | null;
}

/** Tenant settings. */
export class SettingsApi extends CallGroup {
  /** The tenant settings. */
  async get(opts?: CallOptions): Promise<Settings> {
    return (await this.call("settings.get", {}, opts)).body.data;
  }

  /** Changes some settings; returns all of them. */
  async update(input: UpdateSettingsInput, opts?: CallOptions): Promise<Settings> {
    const body = compact({
      sbac_enabled: input.sbacEnabled,
      replay_window_ms: input.replayWindowMs,
      nonce_reuse_window_ms: input.nonceReuseWindowMs,
      default_key_lifetime_ms: input.defaultKeyLifetimeMs,
      max_key_lifetime_ms: input.maxKeyLifetimeMs,
      notification_webhook: input.notificationWebhook,
      tenant_fqdn: input.tenantFqdn,
      key_expiration_required: input.keyExpirationRequired,
      key_comment_required: input.keyCommentRequired,
      key_advanced_roles: input.keyAdvancedRoles,
      unused_key_notice_days: input.unusedKeyNoticeDays,
    });
    return (await this.call("settings.update", { body }, opts)).body.data;
  }
}
