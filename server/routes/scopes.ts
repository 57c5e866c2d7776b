/** Named scope definitions (extension) and entity scopes of users, groups and API keys. */
import { canonicalScope, EntityType, scopeToRead } from "../../sdk/contract";
import type { CallCtx, Ctx, Handlers } from "../http/context";
import { data } from "../http/reply";
import { assertCanActOn } from "../authz/acting";
import { assertScopeWithinCeiling, resolveScope } from "../authz/grants";
import { canSeeKeyScoped } from "../authz/keyVisibility";
import { ApiError, invalid } from "../errors";
import { UniqueViolation, type PrincipalType, type ScopeDefinitionRecord } from "../store/store";

export function scopeDefToWire(s: ScopeDefinitionRecord) {
  return {
    scope_id: s.scopeId,
    name: s.name,
    description: s.description,
    areas: scopeToRead(s.areas),
    // Always set: only the create route writes definitions, and it names its caller.
    created_by: s.createdBy ?? "",
    created_ts: s.createdTs,
    updated_ts: s.updatedTs,
  };
}

async function defOr404(c: CallCtx, ref: string): Promise<ScopeDefinitionRecord> {
  const s = await c.svc.store.findScopeDefinition(ref);
  if (!s) throw new ApiError("NOT_FOUND", `scope definition '${ref}' does not exist`);
  return s;
}

async function createDef(c: Ctx<"scopeDefinitions.create">) {
  const b = c.body;
  const { store } = c.svc;
  if (await store.findScopeDefinition(b.name))
    throw new ApiError("CONFLICT", `a scope definition named '${b.name}' exists`);
  const scopeId = c.svc.newId("scope-");
  try {
    await store.createScopeDefinition({
      scopeId,
      name: b.name,
      description: b.description ?? null,
      areas: canonicalScope(b.areas),
      createdBy: c.principal.displayName,
      createdTs: c.now,
      updatedTs: null,
    });
  } catch (e) {
    if (e instanceof UniqueViolation)
      throw new ApiError("CONFLICT", `a scope definition named '${b.name}' exists`);
    throw e;
  }
  await c.svc.audit.record(c.req, c.principal, {
    entity: "SCOPE",
    subtype: "create",
    description: `Created scope definition ${scopeId} ('${b.name}')`,
    objectId: scopeId,
  });
  return data(
    { message: `scope definition ${scopeId} created successfully`, scope_id: scopeId },
    { status: 201 },
  );
}

async function updateDef(c: Ctx<"scopeDefinitions.update">) {
  const b = c.body;
  const { store } = c.svc;
  const s = await defOr404(c, c.params.scope_id!);
  if (
    b.name &&
    b.name.toLowerCase() !== s.name.toLowerCase() &&
    (await store.findScopeDefinition(b.name))
  ) {
    throw new ApiError("CONFLICT", `a scope definition named '${b.name}' exists`);
  }
  // Editing a definition changes the scope of everything that points at it: as with role edits,
  // the editor must hold both what it gave and what it will give.
  await assertScopeWithinCeiling(c, s.areas, `editing scope definition '${s.name}'`);
  if (b.areas)
    await assertScopeWithinCeiling(
      c,
      canonicalScope(b.areas),
      `request_data.areas of scope definition '${s.name}'`,
    );
  await store.updateScopeDefinition(s.scopeId, {
    name: b.name,
    description: b.description === undefined ? undefined : b.description,
    areas: b.areas ? canonicalScope(b.areas) : undefined,
    now: c.now,
  });
  await c.svc.audit.record(c.req, c.principal, {
    entity: "SCOPE",
    subtype: "edit",
    description: `Edited scope definition ${s.scopeId}`,
    objectId: s.scopeId,
    additional: { fields: Object.keys(b) },
  });
  return data(scopeDefToWire((await store.findScopeDefinition(s.scopeId))!));
}

async function deleteDef(c: Ctx<"scopeDefinitions.delete">) {
  const s = await defOr404(c, c.params.scope_id!);
  // As with edits: removing a definition takes a scope away from whatever used it.
  await assertScopeWithinCeiling(c, s.areas, `deleting scope definition '${s.name}'`);
  const whenUnused = c.query.when_unused === "true";
  const users = await c.svc.store.scopeDefinitionUsers(s.scopeId);
  const res = await c.svc.store.deleteScopeDefinition(s.scopeId, { whenUnused, now: c.now });
  if (res === "in_use") {
    throw new ApiError(
      "IN_USE",
      `scope definition '${s.name}' is used by: ${users
        .slice(0, 5)
        .map((u) => `${u.entityType} ${u.entityId}`)
        .join(", ")}; point them elsewhere first`,
    );
  }
  if (res === "not_found")
    throw new ApiError("NOT_FOUND", `scope definition '${c.params.scope_id}' does not exist`);
  if (res === "retired") {
    const ids = users.map((u) => u.entityId).join(", ");
    await c.svc.audit.record(c.req, c.principal, {
      entity: "SCOPE",
      subtype: "retire",
      description: `Retired scope definition ${s.scopeId}: retiring key(s) ${ids} still use it`,
      objectId: s.scopeId,
    });
    return data({
      message: `scope definition ${s.scopeId} retired: it is deleted once the retiring keys that use it (${ids}) expire.`,
      retired: true,
    });
  }
  await c.svc.audit.record(c.req, c.principal, {
    entity: "SCOPE",
    subtype: "delete",
    description: `Deleted scope definition ${s.scopeId}`,
    objectId: s.scopeId,
  });
  return data({ message: `scope definition ${s.scopeId} deleted successfully` });
}

function entity(c: CallCtx): { type: PrincipalType; id: string } {
  const t = EntityType.safeParse(c.params.entity_type);
  if (!t.success)
    throw invalid(
      "entity_type",
      `'${c.params.entity_type}' is not one of: user, user-group, api-key`,
    );
  let id = c.params.entity_id ?? "";
  if (t.data === "user") id = id.toLowerCase();
  return { type: t.data, id };
}

async function getScope(c: Ctx<"scopes.get">) {
  const e = entity(c);
  const { store } = c.svc;
  if (!(await store.principalExists(e.type, e.id)))
    throw new ApiError("NOT_FOUND", `no ${e.type} with id '${e.id}'`);
  const s = await store.getEntityScope(e.type, e.id);
  // A key outside the caller's scope answers as one that does not exist (authz/keyVisibility.ts).
  if (e.type === "api-key" && !(await canSeeKeyScoped(c, Number(e.id), s?.areas ?? null)))
    throw new ApiError("NOT_FOUND", `no ${e.type} with id '${e.id}'`);
  const def = s?.scopeDefinitionId
    ? await store.findScopeDefinition(s.scopeDefinitionId)
    : undefined;
  return data({
    ...scopeToRead(s?.areas ?? canonicalScope(undefined)),
    scope_definition_id: s?.scopeDefinitionId ?? null,
    scope_definition_name: def?.name ?? null,
    has_scope: !!s,
  });
}

async function putScope(c: Ctx<"scopes.put">) {
  const e = entity(c);
  const b = c.body;
  const { store } = c.svc;
  if (!(await store.principalExists(e.type, e.id)))
    throw new ApiError("NOT_FOUND", `no ${e.type} with id '${e.id}'`);
  await assertCanActOn(c, e.type, e.id, `setting the scope of ${e.type} ${e.id}`);
  const { scope_definition_id, clear, ...areas } = b;
  const hasAreas = Object.values(areas).some((v) => v !== undefined && v !== null);
  if (clear && (scope_definition_id || hasAreas))
    throw invalid("request_data.clear", "cannot be combined with areas or scope_definition_id");
  if (scope_definition_id && hasAreas)
    throw invalid(
      "request_data.scope_definition_id",
      "give either a scope definition or areas, not both",
    );
  const assignment = clear
    ? null
    : await resolveScope(c, scope_definition_id ? { scope_definition_id } : areas, "request_data");
  await store.putEntityScope(e.type, e.id, assignment, c.now);
  await c.svc.audit.record(c.req, c.principal, {
    entity: "SCOPE",
    subtype: clear ? "clear" : "set",
    description: `${clear ? "Cleared" : "Set"} the scope of ${e.type} ${e.id}`,
    objectId: `${e.type}:${e.id}`,
    additional: { scope_definition_id: scope_definition_id ?? null },
  });
  return data({ message: `Scope updated for ${e.type} ${e.id} successfully` });
}

export const scopeHandlers: Handlers = {
  "scopeDefinitions.list": async (c) => {
    const q = c.query;
    const from = q.search_from ?? 0;
    const page = await c.svc.store.listScopeDefinitions(
      from,
      Math.max(0, Math.min(1000, (q.search_to ?? from + 100) - from)),
    );
    return data(page.rows.map(scopeDefToWire), { total: page.total });
  },
  "scopeDefinitions.get": async (c) => data(scopeDefToWire(await defOr404(c, c.params.scope_id!))),
  "scopeDefinitions.create": createDef,
  "scopeDefinitions.update": updateDef,
  "scopeDefinitions.delete": deleteDef,
  "scopes.get": getScope,
  "scopes.put": putScope,
};
