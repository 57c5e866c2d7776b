/**
 * The key list query: the reference's filters, sort and paging turned into SQL over `api_keys`,
 * with a page shape and a count shape where they are best written differently.
 */
import type { KeyFilter } from "../../sdk/contract/apiKeys";
import type { Driver, Param } from "./driver";
import { keyExtras, keyFromRow, type KeyRecord, type KeyRow } from "./keyRows";
import { visibleKeyCondition, type KeyNarrowing } from "./keyVisibility";
import { countOf, likeEscape, nameKey, placeholders } from "./sql";

export interface KeyListQuery {
  filters: KeyFilter[];
  sort?: { field: string; keyword: "asc" | "desc" };
  offset: number;
  limit: number;
  now: number;
  /** The total number of keys, when the caller knows it (cached). */
  totalCount?: number;
  /** Only the keys the caller may see by scope (server/authz/keyVisibility.ts). */
  narrow?: KeyNarrowing;
}

export interface KeyListPage {
  rows: KeyRecord[];
  filterCount: number;
  totalCount: number;
}

const KEY_SORT_COLUMNS: Record<string, string> = {
  id: "k.id",
  creation_time: "k.created_at",
  expiration: "k.expiration",
  security_level: "k.security_level",
  comment: "LOWER(COALESCE(k.comment, ''))",
  roles: "k.roles_sort",
  last_used: "k.last_used",
};

/** A condition is one SQL text, or a page shape and a count shape with the same parameters. */
type Condition = string | { page: string; count: string };

function conditions(q: KeyListQuery): { where: Condition[]; params: Param[] } {
  const where: Condition[] = [];
  const params: Param[] = [];
  const visible = q.narrow && visibleKeyCondition("k.id", q.narrow);
  if (visible) (where.push(visible), params.push(...visible.params));
  for (const f of q.filters) {
    switch (f.field) {
      case "id":
        if (f.value.length === 0) where.push("1 = 0");
        else {
          where.push(`k.id IN (${placeholders(f.value.length)})`);
          params.push(...f.value);
        }
        break;
      case "expiration":
        // A key that never expires is later than any date.
        if (f.operator === "gte") where.push("(k.expiration IS NULL OR k.expiration >= ?)");
        else where.push("(k.expiration IS NOT NULL AND k.expiration <= ?)");
        params.push(f.value);
        break;
      case "creation_time":
        where.push(f.operator === "gte" ? "k.created_at >= ?" : "k.created_at <= ?");
        params.push(f.value);
        break;
      case "roles": {
        const keys = f.value.map(nameKey);
        if (keys.length === 0) break;
        const bindings = `FROM role_bindings b JOIN roles r ON r.role_id = b.role_id
            WHERE b.principal_type = 'api-key' AND b.owner = 'api-key'
            AND (r.name_key IN (${placeholders(keys.length)}) OR r.role_id IN (${placeholders(f.value.length)}))`;
        // A page stops after LIMIT rows: a correlated EXISTS per key is cheapest. A count visits
        // every key: the set of matching key ids, built once, is (SQLite, 100,000 keys: 75 -> 32 ms).
        where.push({
          page: `EXISTS (SELECT 1 ${bindings} AND b.principal_id = CAST(k.id AS TEXT))`,
          count: `k.id IN (SELECT CAST(b.principal_id AS BIGINT) ${bindings})`,
        });
        params.push(...keys, ...f.value);
        break;
      }
      case "last_used":
        // Never used is as unused as it gets.
        where.push(
          f.operator === "lte" ? "(k.last_used IS NULL OR k.last_used <= ?)" : "k.last_used >= ?",
        );
        params.push(f.value);
        break;
      case "security_level":
        where.push(`k.security_level IN (${placeholders(f.value.length)})`);
        params.push(...f.value);
        break;
      case "comment":
        where.push("LOWER(COALESCE(k.comment, '')) LIKE ? ESCAPE '\\'");
        params.push(`%${likeEscape(f.value)}%`);
        break;
      case "created_by":
        where.push(`k.created_by IN (${placeholders(f.value.length)})`);
        params.push(...f.value);
        break;
      case "status": {
        const ors: string[] = [];
        for (const s of new Set(f.value)) {
          if (s === "revoked") ors.push("k.status = 'revoked'");
          if (s === "active") {
            ors.push("(k.status = 'active' AND (k.expiration IS NULL OR k.expiration > ?))");
            params.push(q.now);
          }
          if (s === "expired") {
            ors.push("(k.status = 'active' AND k.expiration IS NOT NULL AND k.expiration <= ?)");
            params.push(q.now);
          }
        }
        where.push(ors.length ? `(${ors.join(" OR ")})` : "1 = 0");
        break;
      }
    }
  }
  return { where, params };
}

function orderBy(sort: KeyListQuery["sort"]): string {
  const col = KEY_SORT_COLUMNS[sort?.field ?? "id"] ?? "k.id";
  const dir = sort?.keyword === "desc" ? "DESC" : "ASC";
  const nulls = dir === "ASC" ? "NULLS LAST" : "NULLS FIRST";
  return col === "k.id" ? `k.id ${dir}` : `${col} ${dir} ${nulls}, k.id ${dir}`;
}

/**
 * Lists keys with the reference's filters, sort and paging, in SQL. `countAll` counts every key
 * (used when the caller passes no cached total and a filter narrows the list).
 */
export async function listKeys(
  d: Driver,
  q: KeyListQuery,
  countAll: () => Promise<number>,
): Promise<KeyListPage> {
  const { where, params } = conditions(q);
  const sqlOf = (shape: "page" | "count") =>
    where.length
      ? `WHERE ${where.map((c) => (typeof c === "string" ? c : c[shape])).join(" AND ")}`
      : "";
  // Plain reads, no transaction (a read transaction on SQLite would take the write lock): the
  // counts may be a write apart from the page, as with any paged API. The filtered count is
  // skipped when the page shows it (a first page that is not full), and the caller may pass
  // the total it has cached. LIMIT and OFFSET are expressions, not bare parameters: SQLite
  // (3.53) plans with a bare bound LIMIT's value, so each new binding expired the statement and
  // every call re-prepared it (by id: 31 -> 17 us CPU per call; bench/RESULTS.md). Same plans.
  const rows = await d.all<KeyRow>(
    `SELECT k.* FROM api_keys k ${sqlOf("page")} ORDER BY ${orderBy(q.sort)} LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)`,
    [...params, q.limit, q.offset],
  );
  const filterCount =
    q.offset === 0 && rows.length < q.limit
      ? rows.length
      : await countOf(d, `SELECT COUNT(*) AS c FROM api_keys k ${sqlOf("count")}`, params);
  // Narrowed, the total is of the keys the caller may see, so it does not reveal hidden ones.
  const visible = q.narrow && visibleKeyCondition("k.id", q.narrow);
  const totalCount =
    q.totalCount ??
    (where.length === (visible ? 1 : 0)
      ? filterCount
      : visible
        ? await countOf(
            d,
            `SELECT COUNT(*) AS c FROM api_keys k WHERE ${visible.count}`,
            visible.params,
          )
        : await countAll());
  const extras = await keyExtras(
    d,
    rows.map((r) => Number(r.id)),
  );
  return { rows: rows.map((r) => keyFromRow(r, extras)), filterCount, totalCount };
}
