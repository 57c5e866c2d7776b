/**
 * The key list query: the reference's filters, sort and paging turned into SQL over `api_keys`,
 * with a page shape and a count shape where they are best written differently.
 */
import type { KeyFilter } from "../../sdk/contract/apiKeys";
import type { Driver, Param } from "./driver";
import {
  KEY_RECORD_COLUMNS,
  keyFromRow,
  keyFromValues,
  type KeyExtras,
  type KeyRecord,
  type KeyRecordRow,
  type KeyRecordValues,
} from "./keyRows";
import { visibleKeyCondition, type KeyNarrowing } from "./keyVisibility";
import { countOf, likeEscape, nameKey, PAGING, placeholders, str } from "./sql";

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
 * The key columns a page reads: what a record shows, and `roles_sort` for the outer ORDER BY.
 * Never the secret material (hash, pepper chain, sealed secret): a list has no use for it, and
 * not reading it takes a fifth off the statement (bench/RESULTS.md).
 */
const PAGE_COLUMNS = [...KEY_RECORD_COLUMNS, "roles_sort"].map((c) => `k.${c}`).join(", ");

/** The columns {@link pageWithExtras} adds to each key row: one of its roles, and its scope. */
interface JoinedExtras {
  x_role_id: string | null;
  x_role_name: string | null;
  x_scoped: string | number | null;
  x_scope_definition: string | null;
}

/**
 * The page of keys (a subquery, so LIMIT counts keys), each joined with its roles (one row per
 * role, by name; none: one row of NULLs) and its scope (at most one per key). The outer ORDER
 * BY repeats the page's, which ends with the id, so a key's rows are adjacent and in page order.
 * Bindings always have their role (a foreign key), so the second LEFT JOIN never adds NULLs.
 */
function pageWithExtras(where: string, sort: KeyListQuery["sort"]): string {
  const order = orderBy(sort);
  return `SELECT k.*, r.role_id AS x_role_id, r.pretty_name AS x_role_name,
      s.entity_id AS x_scoped, s.scope_definition_id AS x_scope_definition
    FROM (SELECT ${PAGE_COLUMNS} FROM api_keys k ${where} ORDER BY ${order} ${PAGING}) k
    LEFT JOIN role_bindings b ON b.principal_type = 'api-key' AND b.owner = 'api-key'
      AND b.principal_id = CAST(k.id AS TEXT)
    LEFT JOIN roles r ON r.role_id = b.role_id
    LEFT JOIN entity_scopes s ON s.entity_type = 'api-key' AND s.entity_id = CAST(k.id AS TEXT)
    ORDER BY ${order}, r.name_key`;
}

/** The page's key rows, in order, and their {@link KeyExtras}, from {@link pageWithExtras}. */
function decodeJoined(joined: (KeyRecordRow & JoinedExtras)[]): {
  rows: KeyRecordRow[];
  extras: KeyExtras;
} {
  const rows: KeyRecordRow[] = [];
  const extras: KeyExtras = { roles: new Map(), scopes: new Map() };
  let last: number | undefined;
  for (const j of joined) {
    const id = Number(j.id);
    if (id !== last) {
      rows.push(j);
      last = id;
      if (j.x_scoped !== null) extras.scopes.set(id, str(j.x_scope_definition));
    }
    if (j.x_role_id === null) continue;
    const e = extras.roles.get(id) ?? { ids: [], names: [] };
    e.ids.push(String(j.x_role_id));
    e.names.push(String(j.x_role_name));
    extras.roles.set(id, e);
  }
  return { rows, extras };
}

/**
 * One key by id, with its roles (one row per role, by name; none: one row of NULLs) and its scope:
 * what {@link pageWithExtras} reads for a page of that one key, as one constant statement (no
 * subquery, sort or paging to plan), its rows read as values (`Driver.values`).
 */
const BY_ID = `SELECT ${KEY_RECORD_COLUMNS.map((c) => `k.${c}`).join(", ")},
    r.role_id, r.pretty_name, s.entity_id, s.scope_definition_id
  FROM api_keys k
  LEFT JOIN role_bindings b ON b.principal_type = 'api-key' AND b.owner = 'api-key'
    AND b.principal_id = CAST(k.id AS TEXT)
  LEFT JOIN roles r ON r.role_id = b.role_id
  LEFT JOIN entity_scopes s ON s.entity_type = 'api-key' AND s.entity_id = CAST(k.id AS TEXT)
  WHERE k.id = ? ORDER BY r.name_key`;

type ByIdRow = [
  ...KeyRecordValues,
  role_id: string | null,
  role_name: string | null,
  scoped: string | number | null,
  scope_definition: string | null,
];

/**
 * The one id a query asks for when it is `get_api_keys` by id (`id in [n]`, the first page, no
 * scope narrowing; a sort orders one key as it is): its page is that key or nothing.
 */
function singleId(q: KeyListQuery): number | undefined {
  if (q.narrow || q.offset !== 0 || q.limit < 1 || q.filters.length !== 1) return undefined;
  const f = q.filters[0]!;
  return f.field === "id" && f.value.length === 1 ? f.value[0] : undefined;
}

/** {@link listKeys} for {@link singleId}: the same page, counts and records, one statement. */
async function listOne(
  d: Driver,
  id: number,
  q: KeyListQuery,
  countAll: () => Promise<number>,
): Promise<KeyListPage> {
  const rows = await d.values<ByIdRow>(BY_ID, [id]);
  const first = rows[0];
  const page: KeyRecord[] = [];
  if (first) {
    const n = KEY_RECORD_COLUMNS.length;
    const ids: string[] = [];
    const names: string[] = [];
    for (const r of rows) {
      if (r[n] === null) continue;
      ids.push(String(r[n]));
      names.push(String(r[n + 1]));
    }
    const has = first[n + 2] !== null;
    const definitionId = has ? str(first[n + 3]) : null;
    page.push(keyFromValues(first, ids, names, { has, definitionId }));
  }
  // As listKeys: a first page that is not full counts itself (one key against a limit of one
  // would count the same one), and an id filter narrows, so the total is the cached or full count.
  return { rows: page, filterCount: page.length, totalCount: q.totalCount ?? (await countAll()) };
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
  const one = singleId(q);
  if (one !== undefined) return listOne(d, one, q, countAll);
  const { where, params } = conditions(q);
  const sqlOf = (shape: "page" | "count") =>
    where.length
      ? `WHERE ${where.map((c) => (typeof c === "string" ? c : c[shape])).join(" AND ")}`
      : "";
  // Plain reads, no transaction (a read transaction on SQLite would take the write lock): the
  // counts may be a write apart from the page, as with any paged API. The filtered count is
  // skipped when the page shows it (a first page that is not full), and the caller may pass
  // the total it has cached. The page's roles and scope come in the same statement
  // (pageWithExtras): one statement, not three, for a page.
  const joined = await d.all<KeyRecordRow & JoinedExtras>(pageWithExtras(sqlOf("page"), q.sort), [
    ...params,
    q.limit,
    q.offset,
  ]);
  const { rows, extras } = decodeJoined(joined);
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
  return { rows: rows.map((r) => keyFromRow(r, extras)), filterCount, totalCount };
}
