/**
 * Scope definitions (named, reusable sets of areas) and entity scopes: the scope of a user,
 * group or key, written inline or as a pointer to a definition.
 */
import type { CanonicalScope } from "../../sdk/contract/scopes";
import type { PrincipalType } from "./bindings";
import type { Driver, Param } from "./driver";
import { deleteOrRetire, SCOPE_USERS } from "./retire";
import { bump } from "./revision";
import { countOf, nameKey, num, type Page, PAGING, str } from "./sql";

export interface ScopeDefinitionRecord {
  scopeId: string;
  name: string;
  description: string | null;
  areas: CanonicalScope;
  createdBy: string | null;
  createdTs: number;
  updatedTs: number | null;
}

export interface EntityScopeRecord {
  entityType: PrincipalType;
  entityId: string;
  scopeDefinitionId: string | null;
  /** Inline areas, or the definition's areas when the entity points at one. */
  areas: CanonicalScope;
  updatedTs: number;
}

/** An entity's scope as written: inline areas or a pointer to a definition. */
export type ScopeAssignment = { scopeDefinitionId: string } | { areas: CanonicalScope };

interface ScopeDefinitionRow {
  scope_id: string;
  name: string;
  description: string | null;
  areas: string;
  created_by: string | null;
  created_ts: number | string;
  updated_ts: number | string | null;
}

interface EntityScopeRow {
  entity_type: string;
  entity_id: string;
  scope_definition_id: string | null;
  areas: string | null;
  updated_ts: number | string;
  /** The pointed-at definition's areas (joined). */
  def_areas: string | null;
}

function definitionFromRow(r: ScopeDefinitionRow): ScopeDefinitionRecord {
  return {
    scopeId: String(r.scope_id),
    name: String(r.name),
    description: str(r.description),
    areas: JSON.parse(String(r.areas)),
    createdBy: str(r.created_by),
    createdTs: Number(r.created_ts),
    updatedTs: num(r.updated_ts),
  };
}

function entityFromRow(r: EntityScopeRow): EntityScopeRecord {
  return {
    entityType: r.entity_type as PrincipalType,
    entityId: String(r.entity_id),
    scopeDefinitionId: str(r.scope_definition_id),
    areas: JSON.parse(String(r.scope_definition_id ? r.def_areas : r.areas)),
    updatedTs: Number(r.updated_ts),
  };
}

/** Sets (or with null removes) an entity's scope inside the caller's transaction `d`. */
export async function putScopeIn(
  d: Driver,
  type: PrincipalType,
  id: string,
  s: ScopeAssignment | null,
  now: number,
): Promise<void> {
  if (s === null) {
    await d.run("DELETE FROM entity_scopes WHERE entity_type = ? AND entity_id = ?", [type, id]);
    return;
  }
  const defId = "scopeDefinitionId" in s ? s.scopeDefinitionId : null;
  const areas = "areas" in s ? JSON.stringify(s.areas) : null;
  await d.run(
    `INSERT INTO entity_scopes (entity_type, entity_id, scope_definition_id, areas, updated_ts) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (entity_type, entity_id) DO UPDATE SET scope_definition_id = excluded.scope_definition_id, areas = excluded.areas, updated_ts = excluded.updated_ts`,
    [type, id, defId, areas, now],
  );
}

export class ScopeStore {
  constructor(private readonly driver: Driver) {}

  async listDefinitions(offset: number, limit: number): Promise<Page<ScopeDefinitionRecord>> {
    const rows = await this.driver.all<ScopeDefinitionRow>(
      `SELECT * FROM scope_definitions WHERE retired_at IS NULL ORDER BY name_key ${PAGING}`,
      [limit, offset],
    );
    const total = await countOf(
      this.driver,
      "SELECT COUNT(*) AS c FROM scope_definitions WHERE retired_at IS NULL",
    );
    return { rows: rows.map(definitionFromRow), total };
  }

  /** A scope definition by id or (case-insensitive) name. */
  async findDefinition(ref: string): Promise<ScopeDefinitionRecord | undefined> {
    const r =
      (await this.driver.get<ScopeDefinitionRow>(
        "SELECT * FROM scope_definitions WHERE scope_id = ? AND retired_at IS NULL",
        [ref],
      )) ??
      (await this.driver.get<ScopeDefinitionRow>(
        "SELECT * FROM scope_definitions WHERE name_key = ? AND retired_at IS NULL",
        [nameKey(ref)],
      ));
    return r ? definitionFromRow(r) : undefined;
  }

  async createDefinition(s: ScopeDefinitionRecord): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        "INSERT INTO scope_definitions (scope_id, name, name_key, description, areas, created_by, created_ts, updated_ts) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [
          s.scopeId,
          s.name,
          nameKey(s.name),
          s.description,
          JSON.stringify(s.areas),
          s.createdBy,
          s.createdTs,
        ],
      );
      await bump(d);
    });
  }

  async updateDefinition(
    scopeId: string,
    p: { name?: string; description?: string | null; areas?: CanonicalScope; now: number },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [p.now];
      if (p.name !== undefined)
        (sets.push("name = ?", "name_key = ?"), params.push(p.name, nameKey(p.name)));
      if (p.description !== undefined) (sets.push("description = ?"), params.push(p.description));
      if (p.areas !== undefined) (sets.push("areas = ?"), params.push(JSON.stringify(p.areas)));
      const r = await d.run(`UPDATE scope_definitions SET ${sets.join(", ")} WHERE scope_id = ?`, [
        ...params,
        scopeId,
      ]);
      if (r.changes) await bump(d);
      return r.changes > 0;
    });
  }

  /** Deletes a scope definition; with `whenUnused`, one used only by retiring keys is retired (as roles are). */
  async deleteDefinition(
    scopeId: string,
    o: { whenUnused?: boolean; now?: number } = {},
  ): Promise<"deleted" | "not_found" | "in_use" | "retired"> {
    return this.driver.tx(async (d) => {
      const live = await d.get(
        "SELECT 1 AS x FROM scope_definitions WHERE scope_id = ? AND retired_at IS NULL",
        [scopeId],
      );
      if (!live) return "not_found";
      return deleteOrRetire(
        d,
        { table: "scope_definitions", idColumn: "scope_id", id: scopeId, usedBy: SCOPE_USERS },
        o,
      );
    });
  }

  async definitionUsers(scopeId: string): Promise<Array<{ entityType: string; entityId: string }>> {
    const rows = await this.driver.all<Pick<EntityScopeRow, "entity_type" | "entity_id">>(
      "SELECT entity_type, entity_id FROM entity_scopes WHERE scope_definition_id = ? ORDER BY entity_type, entity_id LIMIT 20",
      [scopeId],
    );
    return rows.map((r) => ({ entityType: String(r.entity_type), entityId: String(r.entity_id) }));
  }

  /** Sets (or with null removes) an entity's scope. */
  async putEntity(
    type: PrincipalType,
    id: string,
    s: ScopeAssignment | null,
    now: number,
  ): Promise<void> {
    await this.driver.tx(async (d) => {
      await putScopeIn(d, type, id, s, now);
      await bump(d);
    });
  }

  async getEntity(type: PrincipalType, id: string): Promise<EntityScopeRecord | undefined> {
    const r = await this.driver.get<EntityScopeRow>(
      `SELECT e.entity_type, e.entity_id, e.scope_definition_id, e.areas, e.updated_ts, s.areas AS def_areas
       FROM entity_scopes e LEFT JOIN scope_definitions s ON s.scope_id = e.scope_definition_id
       WHERE e.entity_type = ? AND e.entity_id = ?`,
      [type, id],
    );
    return r ? entityFromRow(r) : undefined;
  }
}
