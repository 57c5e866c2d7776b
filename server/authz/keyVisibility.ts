/**
 * Which API keys a caller may see. With SBAC on, a caller that is not an administrator sees a
 * key only when the key's scope lies within its own (the test acting.ts applies before acting on
 * a key: it may act on what it may see, and sees no key it could never act on for its scope),
 * or when the key has no scope, or is the caller itself. A caller with no scope has no scoped
 * access, so it sees only keys whose scope gives nothing more. With SBAC off, or for an
 * administrator, nothing is narrowed.
 *
 * The rule is decided here, once per request, over the distinct scopes keys have (cached, a
 * handful in practice), and handed to the store as the list of scopes the caller may see: the
 * store narrows in SQL, so paging and counts stay right (see server/store/keyVisibility.ts).
 * Every route that lists keys or reveals one by id uses it: get_api_keys, the key by id, its
 * examples, its scope, and the API Key Expiration notices.
 */
import { canonicalScope, type CanonicalScope } from "../../sdk/contract";
import type { CallCtx } from "../http/context";
import type { KeyNarrowing } from "../store/keyVisibility";
import type { KeyRecord } from "../store/store";
import { scopeExceeds } from "./scope";

/** Whether the caller's key lists are narrowed at all (no query: settings are cached). */
async function narrowed(c: CallCtx): Promise<boolean> {
  return !c.principal.admin && (await c.svc.cache.getSettings()).sbac_enabled;
}

const callerScope = (c: CallCtx): CanonicalScope => c.principal.scope ?? canonicalScope(undefined);

/** Whether a key with scope `s` (null: none) is visible to a narrowed caller. */
const within = (c: CallCtx, s: CanonicalScope | null) =>
  s === null || scopeExceeds(s, callerScope(c)).length === 0;

/**
 * The narrowing of key lists for this caller, or undefined when it sees every key. Scopes that
 * do not parse are left out of the visible list, so their keys stay hidden.
 */
export async function keyNarrowing(c: CallCtx): Promise<KeyNarrowing | undefined> {
  if (!(await narrowed(c))) return undefined;
  const visibleScopes = (await c.svc.cache.keyScopeTexts()).filter((t) => {
    try {
      return within(c, JSON.parse(t) as CanonicalScope);
    } catch {
      return false;
    }
  });
  return { selfId: c.principal.keyId, visibleScopes };
}

/**
 * Whether the caller may see key `id`: answered without a query for an administrator, with SBAC
 * off, for itself and for a key without a scope (`hasScope` from the key's record when the caller
 * has it); else the key's scope is read.
 */
export async function canSeeKey(
  c: CallCtx,
  id: number,
  k?: Pick<KeyRecord, "hasScope">,
): Promise<boolean> {
  if (!(await narrowed(c)) || id === c.principal.keyId || (k && !k.hasScope)) return true;
  const s = await c.svc.store.getEntityScope("api-key", String(id));
  return within(c, s?.areas ?? null);
}

/** {@link canSeeKey} when the caller has already read the key's scope (null: none). */
export async function canSeeKeyScoped(
  c: CallCtx,
  id: number,
  scope: CanonicalScope | null,
): Promise<boolean> {
  return !(await narrowed(c)) || id === c.principal.keyId || within(c, scope);
}
