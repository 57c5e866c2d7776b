/**
 * The tenant's key policy, in one place: every route that creates or edits a key asks it, for
 * every caller, and a settings change asks it which existing keys now break it.
 *
 * The settings (`key_expiration_required`, `key_comment_required`, `key_advanced_roles`; the
 * maximum lifetime stays with `resolveExpiration`, which resolves the expiration itself) apply
 * to what a request sets: an edit is refused for a field it sets in breach of the policy, but
 * not for a breach it leaves as it was. Keys that break a newly tightened policy are reported
 * (`keyPolicyBreaches`), never silently cut.
 */
import type { Settings } from "../../sdk/contract/settings";
import { invalid } from "../errors";

/** What the policy looks at in a key (as it would be after the request). */
export interface KeyFacts {
  securityLevel: string;
  roleIds: string[];
  comment: string | null;
  expiration: number | null;
}

/** The fields of a key a request may set, by wire name. */
export type KeyField = "expiration" | "comment" | "roles" | "security_level";

export interface Breach {
  field: KeyField;
  setting: keyof Settings;
  reason: string;
}

const days = (ms: number) => `${Math.round(ms / 86_400_000)} days`;

/** Every way the key breaks the policy (`now` for the maximum lifetime of existing keys). */
export function keyPolicyBreaches(s: Settings, k: KeyFacts, now?: number): Breach[] {
  const out: Breach[] = [];
  if (s.key_expiration_required && k.expiration === null) {
    out.push({
      field: "expiration",
      setting: "key_expiration_required",
      reason:
        "is required: the tenant's key policy says every key must expire (setting key_expiration_required)",
    });
  }
  if (
    now !== undefined &&
    s.max_key_lifetime_ms !== null &&
    (k.expiration === null || k.expiration > now + s.max_key_lifetime_ms)
  ) {
    out.push({
      field: "expiration",
      setting: "max_key_lifetime_ms",
      reason: `is beyond the tenant's maximum key lifetime of ${days(s.max_key_lifetime_ms)} (setting max_key_lifetime_ms)`,
    });
  }
  if (s.key_comment_required && (k.comment ?? "").trim() === "") {
    out.push({
      field: "comment",
      setting: "key_comment_required",
      reason:
        "is required: the tenant's key policy says every key must say what it is for (setting key_comment_required)",
    });
  }
  const guarded = new Set(s.key_advanced_roles.map((r) => r.toLowerCase()));
  const held = k.roleIds.filter((r) => guarded.has(r.toLowerCase()));
  if (held.length > 0 && k.securityLevel !== "advanced") {
    out.push({
      field: "security_level",
      setting: "key_advanced_roles",
      reason: `a key holding ${held.join(", ")} must be advanced (setting key_advanced_roles)`,
    });
  }
  return out;
}

/**
 * Refuses (400 INVALID_INPUT, naming the field and the setting) a request that would make the
 * key break the policy in a field it sets. `sets`: the fields the request sets ("all" at
 * generate). A role change on a Standard key is reported on `roles`.
 */
export function assertKeyPolicy(
  s: Settings,
  next: KeyFacts,
  sets: KeyField[] | "all",
  prefix = "request_data",
): void {
  for (const b of keyPolicyBreaches(s, next)) {
    const field = b.setting === "key_advanced_roles" && sets !== "all" ? "roles" : b.field;
    if (sets === "all" || sets.includes(field)) throw invalid(`${prefix}.${field}`, b.reason);
  }
}
