/** Roles: predefined and custom, the permission config, and the legacy `rbac/get_roles`. */
import {
  COMPONENTS,
  namesFromPermissions,
  permissionsFromNames,
  type ComponentPermissions,
} from "../../sdk/contract";
import type { CallCtx, Ctx, Handlers } from "../http/context";
import { data, reply } from "../http/reply";
import { assertWithinCeiling } from "../authz/grants";
import { canonicalPermissions, unionPermissions } from "../authz/roles";
import { ApiError, invalid } from "../errors";
import type { RoleRecord } from "../store/store";

export function roleToWire(r: RoleRecord) {
  return {
    role_id: r.roleId,
    pretty_name: r.prettyName,
    description: r.description,
    is_custom: r.isCustom,
    created_by: r.createdBy,
    created_ts: r.createdTs,
    updated_ts: r.updatedTs,
    components: r.components,
    component_permissions: namesFromPermissions(r.components),
  };
}

function permissionsOf(b: {
  components?: ComponentPermissions;
  component_permissions?: string[];
}): ComponentPermissions {
  return canonicalPermissions(
    unionPermissions([
      { components: b.components ?? {} },
      { components: permissionsFromNames(b.component_permissions ?? []) },
    ]),
  );
}

function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 48);
  return s || "role";
}

async function findRoleOr404(c: CallCtx, ref: string): Promise<RoleRecord> {
  const r = await c.svc.store.findRole(ref);
  if (!r) throw new ApiError("NOT_FOUND", `role '${ref}' does not exist`);
  return r;
}

/** A role name in use: a 400 with the reference's text, as the reference answers (not a 409). */
function nameTaken(name: string): ApiError {
  return invalid(
    "request_data.pretty_name",
    `The role name ${name} is already utilized by another role.`,
  );
}

async function create(c: Ctx<"roles.create">) {
  const b = c.body;
  const { store } = c.svc;
  const components = permissionsOf(b);
  assertWithinCeiling(c, components, `role '${b.pretty_name}'`);
  if (await store.findRole(b.pretty_name)) throw nameTaken(b.pretty_name);
  let roleId = slug(b.pretty_name);
  if (await store.roleIdExists(roleId)) roleId = `${roleId}_${c.svc.newId("").slice(0, 6)}`;
  await store.createRole({
    roleId,
    prettyName: b.pretty_name,
    description: b.description ?? null,
    isCustom: true,
    components,
    datasetPermissions: b.dataset_permissions ?? null,
    createdBy: c.principal.displayName,
    createdTs: c.now,
    updatedTs: null,
  });
  await c.svc.audit.record(c.req, c.principal, {
    entity: "ROLE",
    subtype: "create",
    description: `Created role ${roleId} ('${b.pretty_name}')`,
    objectId: roleId,
    additional: { components },
  });
  return data(
    { message: `role_id ${roleId} created successfully.`, role_id: roleId },
    { status: 201 },
  );
}

async function update(c: Ctx<"roles.update">) {
  const b = c.body;
  const { store } = c.svc;
  const r = await findRoleOr404(c, c.params.role_id!);
  if (!r.isCustom)
    throw new ApiError(
      "READ_ONLY",
      `role '${r.prettyName}' is predefined and cannot be changed; create a custom role instead`,
    );
  // Editing any part of a role (lowering it included) needs the caller to hold what the role
  // grants now, and what it will grant after the edit.
  assertWithinCeiling(c, r.components, `role '${r.prettyName}'`);
  let components: ComponentPermissions | undefined;
  if (b.components !== undefined || b.component_permissions !== undefined) {
    components = permissionsOf(b);
    if (Object.keys(components).length === 0)
      throw invalid("request_data.components", "a role must grant at least one permission");
    assertWithinCeiling(c, components, `role '${r.prettyName}'`);
  }
  if (b.pretty_name !== undefined && b.pretty_name.toLowerCase() !== r.prettyName.toLowerCase()) {
    const clash = await store.findRole(b.pretty_name);
    if (clash && clash.roleId !== r.roleId) throw nameTaken(b.pretty_name);
  }
  await store.updateRole(r.roleId, {
    prettyName: b.pretty_name,
    description: b.description === undefined ? undefined : b.description,
    components,
    datasetPermissions: b.dataset_permissions,
    now: c.now,
  });
  await c.svc.audit.record(c.req, c.principal, {
    entity: "ROLE",
    subtype: "edit",
    description: `Edited role ${r.roleId}`,
    objectId: r.roleId,
    additional: {
      ...(components ? { components } : {}),
      ...(b.pretty_name ? { pretty_name: b.pretty_name } : {}),
    },
  });
  return data({ message: `role_id ${r.roleId} updated successfully.` });
}

async function remove(c: Ctx<"roles.delete">) {
  const r = await findRoleOr404(c, c.params.role_id!);
  if (r.isCustom) assertWithinCeiling(c, r.components, `deleting role '${r.prettyName}'`);
  const whenUnused = c.query.when_unused === "true";
  const res = await c.svc.store.deleteRole(r.roleId, { whenUnused, now: c.now });
  if (res === "read_only")
    throw new ApiError("READ_ONLY", `role '${r.prettyName}' is predefined and cannot be deleted`);
  if (res === "in_use") {
    const holders = (await c.svc.store.roleUsage(r.roleId))
      .slice(0, 5)
      .map((b) => `${b.principalType} ${b.principalId}`);
    throw new ApiError(
      "IN_USE",
      `role '${r.prettyName}' is still bound to: ${holders.join(", ")}; remove those bindings first`,
    );
  }
  if (res === "not_found")
    throw new ApiError("NOT_FOUND", `role '${c.params.role_id}' does not exist`);
  if (res === "retired") {
    const holders = (await c.svc.store.roleUsage(r.roleId)).map((b) => b.principalId);
    await c.svc.audit.record(c.req, c.principal, {
      entity: "ROLE",
      subtype: "retire",
      description: `Retired role ${r.roleId}: retiring key(s) ${holders.join(", ")} still hold it; it is deleted when they expire`,
      objectId: r.roleId,
    });
    return data({
      message: `role_id ${r.roleId} retired: it is deleted once the retiring keys that hold it (${holders.join(", ")}) expire.`,
      retired: true,
    });
  }
  await c.svc.audit.record(c.req, c.principal, {
    entity: "ROLE",
    subtype: "delete",
    description: `Deleted role ${r.roleId}`,
    objectId: r.roleId,
  });
  return data({ message: `role_id ${r.roleId} deleted successfully.` });
}

async function permissionConfig(_c: Ctx<"roles.permissionConfig">) {
  const byCategory = new Map<string, (typeof COMPONENTS)[number][]>();
  for (const comp of COMPONENTS)
    byCategory.set(comp.category, [...(byCategory.get(comp.category) ?? []), comp]);
  return data({
    rbac_permissions: [...byCategory.entries()].map(([category, comps]) => ({
      category_name: category,
      sub_categories: comps.map((comp) => ({
        sub_category_name: comp.displayName,
        permissions: [
          {
            name: comp.name,
            view_name: `${comp.name}_view`,
            action_name: `${comp.name}_action`,
            sub_permissions: [],
          },
        ],
      })),
    })),
    datasetGroups: [],
  });
}

async function legacyGetRoles(c: Ctx<"rbac.getRoles">) {
  const { role_names } = c.body;
  const { store } = c.svc;
  const out = [];
  for (const name of role_names) {
    const r = await store.findRole(name);
    // The reference fails the call ("Role 'X' was not found", a 500 there; 400 here), and the
    // XSOAR integration relies on that error to tell the user.
    if (!r)
      throw invalid(
        `request_data.role_names.${role_names.indexOf(name)}`,
        `Role '${name}' was not found`,
      );
    const holders = (await store.listBindings({ roleId: r.roleId }, 0, 10_000)).rows;
    const groupIds = holders
      .filter((h) => h.principalType === "user-group")
      .map((h) => h.principalId);
    const groups = groupIds.length
      ? (await store.listGroups(0, 10_000)).rows
          .filter((g) => groupIds.includes(g.groupId))
          .map((g) => g.groupName)
      : [];
    out.push([
      {
        pretty_name: r.prettyName,
        permissions: namesFromPermissions(r.components),
        insert_time: r.createdTs,
        update_time: r.updatedTs,
        created_by: r.createdBy,
        description: r.description,
        groups,
        users: holders.filter((h) => h.principalType === "user").map((h) => h.principalId),
      },
    ]);
  }
  return reply(out);
}

export const roleHandlers: Handlers = {
  "roles.list": async (c) => {
    const q = c.query;
    const from = q.search_from ?? 0;
    const page = await c.svc.store.listRoles(
      from,
      Math.max(0, (q.search_to ?? from + 1000) - from),
    );
    return data(page.rows.map(roleToWire), { total: page.total });
  },
  "roles.get": async (c) => data(roleToWire(await findRoleOr404(c, c.params.role_id!))),
  "roles.create": create,
  "roles.update": update,
  "roles.delete": remove,
  "roles.permissionConfig": permissionConfig,
  "rbac.getRoles": legacyGetRoles,
};
