/**
 * verifyAfterCreate: right after minting, the new key must authenticate (signed, if Advanced) and
 * hold exactly the roles and scope that were asked for.
 */
import { authHeaders, type ApiKey as WireKey, type CanonicalScope } from "../../../sdk/contract";
import { KeyplaneApiError, KeyplaneConnectError, KeyplaneTimeoutError } from "../../../sdk/errors";
import { sameSet, type ProviderDeps } from "../../common";
import type { News } from "./inputs";
import { liveScope, scopeMatches, type LiveScope } from "./scope";

/** Retries of verifyAfterCreate's `auth/verify` after a transient failure, each freshly signed. */
const VERIFY_RETRIES = 6;

/**
 * `auth/verify` is never retried by the SDK (it cannot re-sign forwarded headers, and a repeat
 * of an Advanced request is a replay). Here the headers are made afresh for every attempt, so a
 * transient failure (connection lost or reset, time-out, 429/502/503/504) is retried: without
 * this, one blip on this single call failed the whole create and threw the new key away.
 */
export async function verifyFresh<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      const transient =
        e instanceof KeyplaneConnectError ||
        e instanceof KeyplaneTimeoutError ||
        (e instanceof KeyplaneApiError && [429, 502, 503, 504].includes(e.status));
      if (!transient || i >= VERIFY_RETRIES) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(4000, 250 * 2 ** i)));
    }
  }
}

/** The key's live scope (one call saved when the key row says it has none). */
export async function scopeOf(deps: ProviderDeps, id: number, k: WireKey): Promise<LiveScope> {
  if (k.has_scope === false) return { scopeId: null, areas: null, has: false };
  return liveScope((await deps.api().getScope("api-key", String(id))) as never);
}

/**
 * verifyAfterCreate: the key must authenticate and hold exactly the roles and scope asked for.
 * `generated` is the row the generate reply carried, if any (else the key is read here). Returns
 * what it read, so that create need not read it again.
 */
export async function verifyNewKey(
  deps: ProviderDeps,
  id: number,
  key: string,
  news: News,
  generated?: WireKey,
): Promise<{ k: WireKey; scope: LiveScope }> {
  const api = deps.api();
  const cred = { apiKeyId: id, apiKey: key, securityLevel: news.securityLevel };
  const res = await verifyFresh(() => api.verify(authHeaders(cred, deps.now)));
  const k = generated ?? (await api.getKey(id));
  if (!k) throw new Error(`API key ${id} is gone right after it was generated`);
  let roles: string[];
  let scope: { scopeId: string | null; areas: CanonicalScope | null; has: boolean };
  if (res === "forbidden") {
    // This credential may not call verify: prove the key works by using it, and read what it holds.
    if (!(await api.validateAs(cred)))
      throw new Error(`API key ${id} does not authenticate right after it was generated`);
    roles = k.roles;
    scope = await scopeOf(deps, id, k);
  } else {
    if (!res.valid)
      throw new Error(
        `API key ${id} does not authenticate right after it was generated (${res.reason})`,
      );
    roles = res.roles;
    scope = await scopeOf(deps, id, k);
    if (res.has_scope !== scope.has)
      throw new Error(`API key ${id}: verify and the scope API disagree about its scope`);
  }
  if (
    !sameSet(roles, k.roles) ||
    k.roles.length !== new Set(news.roles.map((r) => r.toLowerCase())).size
  ) {
    // Effective roles (verify) must be exactly the key's own roles, one per role asked for.
    throw new Error(
      `API key ${id} holds roles [${roles.join(", ")}] but [${news.roles.join(", ")}] were asked for`,
    );
  }
  if (!scopeMatches(news.scope, scope)) {
    throw new Error(`API key ${id} has a different scope than was asked for`);
  }
  return { k, scope };
}
