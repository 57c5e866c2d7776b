/**
 * The SQL side of "which API keys may this caller see" (the rule itself is in
 * server/authz/keyVisibility.ts). The rule compares scopes, which SQL cannot do, so it is
 * decided in TypeScript over the few distinct scopes keys have ({@link keyScopeTexts}) and
 * handed down as the list of scope texts the caller may see. The query then keeps a key when it
 * is the caller, has no scope, or has one of those scopes: paging and counts stay in the
 * database, and a page is never short because rows were dropped after it.
 *
 * A key's scope is compared as the stored JSON text of its areas (its definition's when it
 * points at one). A scope written after the list was made has a text the list does not hold, so
 * the key is hidden until the list is refreshed: the narrowing fails closed.
 */
import type { Driver, Param } from "./driver";

/** What the store needs to narrow a key list (null or absent: no narrowing). */
export interface KeyNarrowing {
  /** The caller's own key: always visible. */
  selfId: number;
  /** The scope texts (see {@link keyScopeTexts}) of the keys the caller may see. */
  visibleScopes: string[];
}

/** The scope text of an `entity_scopes` row `e` joined with its definition `s`. */
const SCOPE_TEXT =
  "COALESCE(CASE WHEN e.scope_definition_id IS NULL THEN e.areas ELSE s.areas END, '')";
const SCOPED_KEYS = `FROM entity_scopes e LEFT JOIN scope_definitions s ON s.scope_id = e.scope_definition_id
  WHERE e.entity_type = 'api-key'`;

/** The distinct scope texts of the keys that have a scope. */
export async function keyScopeTexts(d: Driver): Promise<string[]> {
  const rows = await d.all<{ t: string }>(`SELECT DISTINCT ${SCOPE_TEXT} AS t ${SCOPED_KEYS}`);
  return rows.map((r) => String(r.t));
}

/**
 * The condition keeping the keys `n` lets the caller see, on the key id column `col` (a
 * BIGINT). Two shapes with the same parameters: per row for a page (LIMIT stops early), and one
 * set of hidden ids for a count (which visits every row).
 */
export function visibleKeyCondition(
  col: string,
  n: KeyNarrowing,
): { page: string; count: string; params: Param[] } {
  const hidden = n.visibleScopes.length
    ? `${SCOPED_KEYS} AND ${SCOPE_TEXT} NOT IN (${n.visibleScopes.map(() => "?").join(", ")})`
    : SCOPED_KEYS;
  return {
    page: `(${col} = ? OR NOT EXISTS (SELECT 1 ${hidden} AND e.entity_id = CAST(${col} AS TEXT)))`,
    count: `(${col} = ? OR ${col} NOT IN (SELECT CAST(e.entity_id AS BIGINT) ${hidden}))`,
    params: [n.selfId, ...n.visibleScopes],
  };
}
