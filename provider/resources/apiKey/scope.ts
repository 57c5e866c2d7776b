/** An ApiKey's scope: the input as the API takes it, the live scope as read, and whether they match. */
import {
  canonicalScope,
  scopeFromRead,
  type CanonicalScope,
  type ScopeAreasWrite,
} from "../../../sdk/contract";
import type { KeyScopeInput } from "../../api";
import { stable } from "../../common";

export function keyScopeParam(
  scope: string | ScopeAreasWrite | undefined,
): KeyScopeInput | undefined {
  if (scope === undefined) return undefined;
  return typeof scope === "string" ? { scope_definition_id: scope } : scope;
}

/** Whether the live scope matches the requested one. */
export function scopeMatches(
  want: string | ScopeAreasWrite | undefined,
  live: { scopeId: string | null; areas: CanonicalScope | null; has: boolean },
): boolean {
  if (want === undefined) return !live.has;
  if (typeof want === "string") return live.scopeId === want;
  return (
    live.scopeId === null &&
    live.areas !== null &&
    stable(canonicalScope(want)) === stable(live.areas)
  );
}

export type LiveScope = { scopeId: string | null; areas: CanonicalScope | null; has: boolean };

export function liveScope(
  s:
    | ({ scope_definition_id?: string | null; has_scope?: boolean } & Parameters<
        typeof scopeFromRead
      >[0])
    | null,
) {
  if (!s || s.has_scope === false) return { scopeId: null, areas: null, has: false };
  return { scopeId: s.scope_definition_id ?? null, areas: scopeFromRead(s), has: true };
}
