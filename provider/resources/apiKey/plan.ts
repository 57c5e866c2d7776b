/** ApiKey's plan: the one pure decision of what a change takes, which diff reports and update carries out. */
import { isUnknown, sameSet, stable } from "../../common";
import { humanDuration, parseDuration } from "../../durations";
import type { ApiKeyState, News } from "./inputs";
import { scopeMatches } from "./scope";

/** One property that forces a replacement, and the sentence that says why. */
export interface PlannedReplace {
  property:
    "securityLevel" | "rotationTriggers" | "adopt" | "sealTo" | "expiration" | "rotateBefore";
  reason: string;
}

/** What moving an ApiKey from `olds` (its state) to `news` (checked inputs) takes, at `now`. */
export interface ApiKeyPlan {
  /** Whether anything differs (a replacement or an update). */
  changes: boolean;
  /** Properties that replace the key, each with its reason. */
  replaces: PlannedReplace[];
  /** User-facing properties updated in place (on the server, or only in state). */
  updates: string[];
  /** The edit an update sends to the server (empty: none). */
  edit: { roles?: string[]; comment?: string | null; expiration?: number | null };
  /** Whether an update sets the key's scope. */
  setScope: boolean;
  /** The expiration this resource asks for after the change (undefined: not known yet, in preview). */
  desiredExpiration: number | null | undefined;
}

/**
 * The one place that decides what changes: diff reports it, update carries it out. Pure: the
 * state, the inputs and the clock in, the plan out. `news` may hold unknowns (preview); those
 * count as changes and are left out of `edit`.
 */
export function planApiKey(olds: ApiKeyState, news: News, now: number): ApiKeyPlan {
  const replaces: PlannedReplace[] = [];
  const updates: string[] = [];
  const edit: ApiKeyPlan["edit"] = {};
  if (olds.securityLevel !== news.securityLevel)
    replaces.push({
      property: "securityLevel",
      reason: `keyplane: key ${olds.keyId}: securityLevel ${olds.securityLevel} → ${news.securityLevel}: replacing it`,
    });
  if (stable(olds.rotationTriggers) !== stable(news.rotationTriggers))
    replaces.push({
      property: "rotationTriggers",
      reason: `keyplane: key ${olds.keyId}: rotationTriggers changed: replacing it`,
    });
  if ((olds.adopt ?? null) !== (news.adopt ?? null))
    replaces.push({
      property: "adopt",
      reason: `keyplane: key ${olds.keyId}: adopt changed: replacing it`,
    });
  if (stable(olds.sealTo) !== stable(news.sealTo))
    replaces.push({
      property: "sealTo",
      reason: `keyplane: key ${olds.keyId}: sealTo changed: replacing it`,
    });
  const exp = olds.expiresAtMs;
  if (exp !== null && exp !== undefined) {
    if (exp <= now) {
      replaces.push({
        property: "expiration",
        reason: `keyplane: key ${olds.keyId} expired ${humanDuration(now - exp)} ago: replacing it`,
      });
    } else if (news.rotateBefore && !isUnknown(news.rotateBefore)) {
      const window = parseDuration(news.rotateBefore)!;
      if (exp - now < window) {
        replaces.push({
          property: "rotateBefore",
          reason: `keyplane: key ${olds.keyId} expires in ${humanDuration(exp - now)}, rotateBefore ${humanDuration(window)}: replacing it`,
        });
      }
    }
  }
  // Roles: a changed input, or live roles that differ from what the input resolved to.
  if (
    isUnknown(news.roles) ||
    stable(news.roles) !== stable(olds.rolesInput) ||
    !sameSet(olds.roles, olds.rolesResolved)
  ) {
    updates.push("roles");
    if (!isUnknown(news.roles)) edit.roles = news.roles;
  }
  if (isUnknown(news.comment) || (news.comment ?? null) !== (olds.comment ?? null)) {
    updates.push("comment");
    if (!isUnknown(news.comment)) edit.comment = news.comment ?? null;
  }
  // Expiration: what this resource wants now vs what the key has.
  let desired: number | null | undefined;
  if (news.expiration !== undefined)
    desired = isUnknown(news.expiration) ? undefined : (news.expiration as number);
  else if (news.expiresIn !== undefined)
    desired = isUnknown(news.expiresIn)
      ? undefined
      : news.expiresIn === olds.expiresIn
        ? olds.desiredExpiration
        : now + parseDuration(news.expiresIn)!;
  else
    desired =
      olds.expirationInput !== undefined || olds.expiresIn !== undefined
        ? null
        : olds.desiredExpiration;
  if (desired === undefined || desired !== (olds.expiresAtMs ?? null)) {
    updates.push("expiration");
    if (desired !== undefined) edit.expiration = desired;
  }
  if (news.expiresIn !== olds.expiresIn && !updates.includes("expiration"))
    updates.push("expiresIn");
  const setScope =
    isUnknown(news.scope) ||
    !scopeMatches(news.scope, {
      scopeId: olds.scopeId ?? null,
      areas: olds.scopeAreas ?? null,
      has: !!olds.hasScope,
    });
  if (setScope) updates.push("scope");
  for (const f of ["rotateBefore", "overlap", "verifyAfterCreate"] as const)
    if (stable(news[f]) !== stable(olds[f])) updates.push(f);
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    updates,
    edit,
    setScope,
    desiredExpiration: desired,
  };
}
