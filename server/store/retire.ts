/**
 * The rule roles and scope definitions share when they are deleted: one nothing uses goes at
 * once; one used only by retiring keys (keys in their overlap after a rotation or destroy) may
 * be retired instead, its name freed, and deleted by the scheduler's sweep once those keys are
 * gone (retiredSweep.ts).
 */
import type { Driver } from "./driver";
import { bump } from "./revision";

/** A table whose rows use a role or a scope definition, and the columns naming who uses it. */
export interface UsageTable {
  table: string;
  refColumn: string;
  typeColumn: string;
  principalColumn: string;
}

export const ROLE_USERS: UsageTable = {
  table: "role_bindings",
  refColumn: "role_id",
  typeColumn: "principal_type",
  principalColumn: "principal_id",
};

export const SCOPE_USERS: UsageTable = {
  table: "entity_scopes",
  refColumn: "scope_definition_id",
  typeColumn: "entity_type",
  principalColumn: "entity_id",
};

/**
 * Deletes a role or scope definition nothing uses; with `whenUnused`, one used only by retiring
 * keys is retired instead (its name freed, deleted by purgeRetired once those keys are gone).
 * Runs in the caller's transaction `d`.
 */
export async function deleteOrRetire(
  d: Driver,
  t: { table: "roles" | "scope_definitions"; idColumn: string; id: string; usedBy: UsageTable },
  o: { whenUnused?: boolean; now?: number },
): Promise<"deleted" | "in_use" | "retired"> {
  const u = t.usedBy;
  if (!(await d.get(`SELECT 1 AS x FROM ${u.table} WHERE ${u.refColumn} = ?`, [t.id]))) {
    await d.run(`DELETE FROM ${t.table} WHERE ${t.idColumn} = ?`, [t.id]);
    await bump(d);
    return "deleted";
  }
  if (!o.whenUnused) return "in_use";
  const blocking = await d.get(
    `SELECT 1 AS x FROM ${u.table} u LEFT JOIN api_keys k ON u.${u.typeColumn} = 'api-key' AND k.id = CAST(u.${u.principalColumn} AS BIGINT)
     WHERE u.${u.refColumn} = ? AND (k.id IS NULL OR k.retiring <> 1)`,
    [t.id],
  );
  if (blocking) return "in_use";
  await d.run(`UPDATE ${t.table} SET retired_at = ?, name_key = ? WHERE ${t.idColumn} = ?`, [
    o.now ?? 0,
    `retired:${t.id}`,
    t.id,
  ]);
  await bump(d);
  return "retired";
}
