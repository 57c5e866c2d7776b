/**
 * Roles: the predefined ones (installed and kept current at start) and custom ones, found by id
 * or case-insensitive display name. A key's role names are denormalised into `roles_sort` for
 * sorting, so renaming a role rewrites it for the keys holding the role.
 */
import type { ComponentPermissions } from "../../sdk/contract/components";
import { listBindingsIn, type BindingRecord } from "./bindings";
import type { Driver, Param } from "./driver";
import { deleteOrRetire, ROLE_USERS } from "./retire";
import { bump } from "./revision";
import { countOf, nameKey, num, type Page, PAGING, placeholders, str } from "./sql";

export interface RoleRecord {
  roleId: string;
  prettyName: string;
  description: string | null;
  isCustom: boolean;
  components: ComponentPermissions;
  datasetPermissions: unknown[] | null;
  createdBy: string | null;
  createdTs: number | null;
  updatedTs: number | null;
  /** Set when the role was deleted while retiring keys still held it: it goes once they expire. */
  retiredAt?: number | null;
}

interface RoleRow {
  role_id: string;
  pretty_name: string;
  description: string | null;
  is_custom: number | string;
  components: string;
  dataset_permissions: string | null;
  created_by: string | null;
  created_ts: number | string | null;
  updated_ts: number | string | null;
  retired_at: number | string | null;
}

function fromRow(r: RoleRow): RoleRecord {
  return {
    roleId: String(r.role_id),
    prettyName: String(r.pretty_name),
    description: str(r.description),
    isCustom: Number(r.is_custom) === 1,
    components: JSON.parse(String(r.components)),
    datasetPermissions: r.dataset_permissions ? JSON.parse(String(r.dataset_permissions)) : null,
    createdBy: str(r.created_by),
    createdTs: num(r.created_ts),
    updatedTs: num(r.updated_ts),
    retiredAt: num(r.retired_at),
  };
}

/** The display names of the given roles (inside the caller's transaction `d`). */
export async function roleNamesIn(d: Driver, roleIds: string[]): Promise<string[]> {
  if (roleIds.length === 0) return [];
  const rows = await d.all<Pick<RoleRow, "pretty_name">>(
    `SELECT pretty_name FROM roles WHERE role_id IN (${placeholders(roleIds.length)})`,
    roleIds,
  );
  return rows.map((r) => String(r.pretty_name));
}

/** A key's `roles_sort` value: its role names, lower case, sorted, comma-joined. */
export function rolesSort(names: string[]): string {
  return names
    .map((n) => n.toLowerCase())
    .sort()
    .join(",");
}

export interface RolePatch {
  prettyName?: string;
  description?: string | null;
  components?: ComponentPermissions;
  datasetPermissions?: unknown[] | null;
  now: number;
}

export class RoleStore {
  constructor(private readonly driver: Driver) {}

  /** Installs the predefined roles, or brings them up to date (names, descriptions, components). */
  async installPredefined(predefined: RoleRecord[], now: number): Promise<void> {
    await this.driver.tx(async (d) => {
      for (const r of predefined) {
        await d.run(
          `INSERT INTO roles (role_id, pretty_name, name_key, description, is_custom, components, dataset_permissions, created_by, created_ts, updated_ts)
           VALUES (?, ?, ?, ?, 0, ?, NULL, 'system', ?, NULL)
           ON CONFLICT (role_id) DO UPDATE SET pretty_name = excluded.pretty_name, name_key = excluded.name_key,
             description = excluded.description, components = excluded.components`,
          [
            r.roleId,
            r.prettyName,
            nameKey(r.prettyName),
            r.description,
            JSON.stringify(r.components),
            now,
          ],
        );
      }
    });
  }

  /** Roles; retired ones only when asked (the auth cache needs them: retiring keys still hold them). */
  async list(offset = 0, limit = 1000, includeRetired = false): Promise<Page<RoleRecord>> {
    const w = includeRetired ? "" : "WHERE retired_at IS NULL";
    const rows = await this.driver.all<RoleRow>(
      `SELECT * FROM roles ${w} ORDER BY is_custom, name_key ${PAGING}`,
      [limit, offset],
    );
    const total = await countOf(this.driver, `SELECT COUNT(*) AS c FROM roles ${w}`);
    return { rows: rows.map(fromRow), total };
  }

  /** A role by id or (case-insensitive) display name; retired roles are gone for this purpose. */
  async find(ref: string): Promise<RoleRecord | undefined> {
    const r =
      (await this.driver.get<RoleRow>(
        "SELECT * FROM roles WHERE role_id = ? AND retired_at IS NULL",
        [ref],
      )) ??
      (await this.driver.get<RoleRow>(
        "SELECT * FROM roles WHERE name_key = ? AND retired_at IS NULL",
        [nameKey(ref)],
      ));
    return r ? fromRow(r) : undefined;
  }

  async getByIds(ids: string[]): Promise<RoleRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.driver.all<RoleRow>(
      `SELECT * FROM roles WHERE role_id IN (${placeholders(ids.length)})`,
      ids,
    );
    return rows.map(fromRow);
  }

  async idExists(id: string): Promise<boolean> {
    return !!(await this.driver.get("SELECT 1 AS x FROM roles WHERE role_id = ?", [id]));
  }

  async create(r: RoleRecord): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        `INSERT INTO roles (role_id, pretty_name, name_key, description, is_custom, components, dataset_permissions, created_by, created_ts, updated_ts)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL)`,
        [
          r.roleId,
          r.prettyName,
          nameKey(r.prettyName),
          r.description,
          JSON.stringify(r.components),
          r.datasetPermissions ? JSON.stringify(r.datasetPermissions) : null,
          r.createdBy,
          r.createdTs,
        ],
      );
      await bump(d);
    });
  }

  async update(roleId: string, patch: RolePatch): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [patch.now];
      if (patch.prettyName !== undefined) {
        sets.push("pretty_name = ?", "name_key = ?");
        params.push(patch.prettyName, nameKey(patch.prettyName));
      }
      if (patch.description !== undefined) {
        sets.push("description = ?");
        params.push(patch.description);
      }
      if (patch.components !== undefined) {
        sets.push("components = ?");
        params.push(JSON.stringify(patch.components));
      }
      if (patch.datasetPermissions !== undefined) {
        sets.push("dataset_permissions = ?");
        params.push(patch.datasetPermissions ? JSON.stringify(patch.datasetPermissions) : null);
      }
      const r = await d.run(
        `UPDATE roles SET ${sets.join(", ")} WHERE role_id = ? AND is_custom = 1`,
        [...params, roleId],
      );
      if (r.changes === 0) return false;
      if (patch.prettyName !== undefined) await this.resortKeysHolding(d, roleId);
      await bump(d);
      return true;
    });
  }

  /** Keeps the denormalised sort column of keys holding this role in step. */
  private async resortKeysHolding(d: Driver, roleId: string): Promise<void> {
    const keys = await d.all<{ principal_id: string }>(
      "SELECT DISTINCT principal_id FROM role_bindings WHERE role_id = ? AND principal_type = 'api-key' AND owner = 'api-key'",
      [roleId],
    );
    for (const k of keys) {
      const names = await d.all<Pick<RoleRow, "pretty_name">>(
        "SELECT r.pretty_name FROM role_bindings b JOIN roles r ON r.role_id = b.role_id WHERE b.principal_type = 'api-key' AND b.owner = 'api-key' AND b.principal_id = ?",
        [String(k.principal_id)],
      );
      await d.run("UPDATE api_keys SET roles_sort = ? WHERE id = ?", [
        rolesSort(names.map((n) => String(n.pretty_name))),
        Number(k.principal_id),
      ]);
    }
  }

  /** Who holds a role: the bindings that reference it. */
  async usage(roleId: string): Promise<BindingRecord[]> {
    return (await listBindingsIn(this.driver, { roleId }, 0, 100)).rows;
  }

  /**
   * Deletes a custom role; 'in_use' when bindings reference it. With `whenUnused`, a role held
   * only by retiring keys (keys in their overlap after a rotation or destroy) is retired instead:
   * its name is freed at once, it can no longer be granted, and it is deleted when the last of
   * those keys expires.
   */
  async delete(
    roleId: string,
    o: { whenUnused?: boolean; now?: number } = {},
  ): Promise<"deleted" | "not_found" | "in_use" | "read_only" | "retired"> {
    return this.driver.tx(async (d) => {
      const r = await d.get<Pick<RoleRow, "is_custom">>(
        "SELECT is_custom FROM roles WHERE role_id = ? AND retired_at IS NULL",
        [roleId],
      );
      if (!r) return "not_found";
      if (Number(r.is_custom) !== 1) return "read_only";
      return deleteOrRetire(
        d,
        { table: "roles", idColumn: "role_id", id: roleId, usedBy: ROLE_USERS },
        o,
      );
    });
  }
}
