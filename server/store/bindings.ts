/**
 * Role bindings: which principal (user, group, API key) holds which role, and who owns the
 * binding (the principal's own direct role, or one made through the bindings API). Also the
 * helpers other aggregates call inside their own transactions to set a user's or group's
 * direct role.
 */
import type { Driver, Param } from "./driver";
import { bump } from "./revision";
import { countOf, type Page, PAGING, placeholders, str } from "./sql";

export type PrincipalType = "user" | "user-group" | "api-key";
export type BindingOwner = "api-key" | "user" | "user-group" | "binding";

export interface BindingRecord {
  bindingId: string;
  principalType: PrincipalType;
  principalId: string;
  roleId: string;
  roleName: string;
  owner: BindingOwner;
  createdBy: string | null;
  createdTs: number;
}

export interface BindingFilter {
  principalType?: PrincipalType;
  principalId?: string;
  roleId?: string;
  owner?: BindingOwner;
}

/** A direct role as users and groups show it. */
export interface DirectRole {
  roleId: string;
  roleName: string;
}

interface BindingRow {
  binding_id: string;
  principal_type: string;
  principal_id: string;
  role_id: string;
  /** Joined from roles. */
  pretty_name: string;
  owner: string;
  created_by: string | null;
  created_ts: number | string;
}

function fromRow(r: BindingRow): BindingRecord {
  return {
    bindingId: String(r.binding_id),
    principalType: r.principal_type as PrincipalType,
    principalId: String(r.principal_id),
    roleId: String(r.role_id),
    roleName: String(r.pretty_name),
    owner: r.owner as BindingOwner,
    createdBy: str(r.created_by),
    createdTs: Number(r.created_ts),
  };
}

const INSERT_BINDING =
  "INSERT INTO role_bindings (binding_id, principal_type, principal_id, role_id, owner, created_by, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?)";

/** Bindings matching `f`, oldest first (on `d`: a transaction handle or the driver). */
export async function listBindingsIn(
  d: Driver,
  f: BindingFilter,
  offset: number,
  limit: number,
): Promise<Page<BindingRecord>> {
  const where: string[] = [];
  const params: Param[] = [];
  if (f.principalType) (where.push("b.principal_type = ?"), params.push(f.principalType));
  if (f.principalId) (where.push("b.principal_id = ?"), params.push(f.principalId));
  if (f.roleId) (where.push("b.role_id = ?"), params.push(f.roleId));
  if (f.owner) (where.push("b.owner = ?"), params.push(f.owner));
  const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const rows = await d.all<BindingRow>(
    `SELECT b.*, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id ${w} ORDER BY b.created_ts, b.binding_id ${PAGING}`,
    [...params, limit, offset],
  );
  const total = await countOf(d, `SELECT COUNT(*) AS c FROM role_bindings b ${w}`, params);
  return { rows: rows.map(fromRow), total };
}

/** Sets (or with null removes) the direct role of a user or group: the binding that principal owns. */
export async function setDirectRole(
  d: Driver,
  type: "user" | "user-group",
  id: string,
  roleId: string | null,
  bindingId: string,
  by: string | null,
  now: number,
) {
  await d.run(
    "DELETE FROM role_bindings WHERE principal_type = ? AND principal_id = ? AND owner = ?",
    [type, id, type],
  );
  if (roleId) await d.run(INSERT_BINDING, [bindingId, type, id, roleId, type, by, now]);
}

/** The direct roles of the given users or groups, by id. */
export async function directRoles(
  d: Driver,
  type: "user" | "user-group",
  ids: string[],
): Promise<Map<string, DirectRole>> {
  const out = new Map<string, DirectRole>();
  if (ids.length === 0) return out;
  const rows = await d.all<Pick<BindingRow, "principal_id" | "role_id" | "pretty_name">>(
    `SELECT b.principal_id, b.role_id, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id
     WHERE b.principal_type = ? AND b.owner = ? AND b.principal_id IN (${placeholders(ids.length)})`,
    [type, type, ...ids],
  );
  for (const r of rows)
    out.set(String(r.principal_id), {
      roleId: String(r.role_id),
      roleName: String(r.pretty_name),
    });
  return out;
}

export class BindingStore {
  constructor(private readonly driver: Driver) {}

  list(f: BindingFilter, offset: number, limit: number): Promise<Page<BindingRecord>> {
    return listBindingsIn(this.driver, f, offset, limit);
  }

  async get(id: string): Promise<BindingRecord | undefined> {
    const r = await this.driver.get<BindingRow>(
      "SELECT b.*, r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id WHERE b.binding_id = ?",
      [id],
    );
    return r ? fromRow(r) : undefined;
  }

  /** Creates a binding. Throws UniqueViolation when the same principal already holds the role through this API. */
  async create(b: Omit<BindingRecord, "roleName">): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(INSERT_BINDING, [
        b.bindingId,
        b.principalType,
        b.principalId,
        b.roleId,
        b.owner,
        b.createdBy,
        b.createdTs,
      ]);
      await bump(d);
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const r = await d.run("DELETE FROM role_bindings WHERE binding_id = ?", [id]);
      if (r.changes) await bump(d);
      return r.changes > 0;
    });
  }

  /** Role ids bound to one principal, through any owner. */
  async roleIdsOf(principalType: PrincipalType, principalId: string): Promise<string[]> {
    const rows = await this.driver.all<{ role_id: string }>(
      "SELECT DISTINCT role_id FROM role_bindings WHERE principal_type = ? AND principal_id = ?",
      [principalType, principalId],
    );
    return rows.map((r) => String(r.role_id));
  }

  /** Whether a principal exists (for scope and binding writes). */
  async principalExists(type: PrincipalType, id: string): Promise<boolean> {
    if (type === "api-key") {
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n <= 0) return false;
      return !!(await this.driver.get("SELECT 1 AS x FROM api_keys WHERE id = ?", [n]));
    }
    if (type === "user")
      return !!(await this.driver.get("SELECT 1 AS x FROM users WHERE email = ?", [id]));
    return !!(await this.driver.get("SELECT 1 AS x FROM user_groups WHERE group_id = ?", [id]));
  }
}
