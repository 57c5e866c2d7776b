/** User groups (`/platform/iam/v1/user-group`) and the legacy `rbac/get_user_group`. */
import type { CallCtx, Ctx, Handlers } from "../http/context";
import { data, reply } from "../http/reply";
import { assertAdminRemains, assertCanActOn } from "../authz/acting";
import { assertCanGrantGroups, assertCanGrantRoles, resolveRole } from "../authz/grants";
import { ApiError, invalid } from "../errors";
import type { Store } from "../store/store";

type GroupRow = NonNullable<Awaited<ReturnType<Store["getGroup"]>>>;

export function groupToWire(g: GroupRow) {
  return {
    group_id: g.groupId,
    group_name: g.groupName,
    description: g.description,
    role_id: g.role?.roleId ?? null,
    pretty_role_name: g.role?.roleName ?? null,
    created_by: g.createdBy,
    created_ts: g.createdTs,
    updated_ts: g.updatedTs,
    users: g.users,
    group_type: g.groupType,
    nested_groups: g.nestedGroups.map((n) => ({ group_id: n.groupId, group_name: n.groupName })),
    idp_groups: g.idpGroups,
  };
}

async function groupRole(
  c: CallCtx,
  ref: string | null | undefined,
): Promise<string | null | undefined> {
  if (ref === undefined) return undefined;
  if (ref === null || ref === "") return null;
  const role = await resolveRole(c, ref, "request_data.role_id");
  assertCanGrantRoles(c, [role], `role '${role.prettyName}'`);
  return role.roleId;
}

async function checkMembers(
  c: CallCtx,
  groupId: string | null,
  users: string[] | undefined,
  nested: string[] | undefined,
) {
  if (users?.length) {
    const have = await c.svc.store.existingUsers(users);
    const missing = users.filter((u) => !have.has(u));
    if (missing.length)
      throw invalid(
        "request_data.users",
        `unknown user(s): ${missing.join(", ")} (create them with POST /platform/iam/v1/user)`,
      );
  }
  if (nested?.length) {
    const have = await c.svc.store.existingGroups(nested);
    const missing = nested.filter((g) => !have.has(g));
    if (missing.length)
      throw invalid("request_data.nested_group_ids", `unknown group id(s): ${missing.join(", ")}`);
    if (
      groupId &&
      (nested.includes(groupId) || (await c.svc.store.nestingCycle(groupId, nested)))
    ) {
      throw invalid("request_data.nested_group_ids", "would make a cycle of nested groups");
    }
  }
}

async function create(c: Ctx<"groups.create">) {
  const b = c.body;
  const { store } = c.svc;
  if ((await store.listGroups(0, 1, [b.group_name])).rows.length)
    throw new ApiError("CONFLICT", `a user group named '${b.group_name}' exists`);
  const roleId = await groupRole(c, b.role_id);
  const users = [...new Set(b.users ?? [])];
  const nested = [...new Set(b.nested_group_ids ?? [])];
  await checkMembers(c, null, users, nested);
  const groupId = c.svc.newId("grp-");
  await store.createGroup(
    {
      groupId,
      groupName: b.group_name,
      description: b.description ?? null,
      groupType: "custom",
      idpGroups: b.idp_groups ?? [],
      createdBy: c.principal.displayName,
      createdTs: c.now,
      updatedTs: null,
    },
    { roleId: roleId ?? null, bindingId: c.svc.newId("rb-"), by: c.principal.displayName },
    users,
    nested,
  );
  await c.svc.audit.record(c.req, c.principal, {
    entity: "USER_GROUP",
    subtype: "create",
    description: `Created user group ${groupId} ('${b.group_name}')`,
    objectId: groupId,
  });
  return data(
    { message: `user group with group id ${groupId} created successfully`, group_id: groupId },
    { status: 201 },
  );
}

async function patch(c: Ctx<"groups.patch">) {
  const id = c.params.group_id!;
  const b = c.body;
  const { store } = c.svc;
  const g = await store.getGroup(id);
  if (!g) throw new ApiError("NOT_FOUND", `user group ${id} does not exist`);
  if (b.group_name !== undefined && b.group_name === "")
    throw invalid("request_data.group_name", "must not be empty");
  if (b.group_name && b.group_name.toLowerCase() !== g.groupName.toLowerCase()) {
    if ((await store.listGroups(0, 1, [b.group_name])).rows.length)
      throw new ApiError("CONFLICT", `a user group named '${b.group_name}' exists`);
  }
  const roleId = await groupRole(c, b.role_id);
  const users = b.users ? [...new Set(b.users)] : undefined;
  const nested = b.nested_group_ids ? [...new Set(b.nested_group_ids)] : undefined;
  await checkMembers(c, id, users, nested);
  await assertAdminRemains(
    c,
    {
      dropBindings:
        roleId === undefined
          ? undefined
          : (x) =>
              x.principalType === "user-group" &&
              x.principalId === id &&
              x.owner === "user-group" &&
              x.roleId !== roleId,
      setGroup: { groupId: id, users, nested },
    },
    `editing user group ${id}`,
  );
  // New members (users, or the members of newly nested groups) get this group's roles and its parents'.
  const current = new Set([...g.users, ...g.nestedGroups.map((n) => n.groupId)]);
  if ([...(users ?? []), ...(nested ?? [])].some((m) => !current.has(m)))
    await assertCanGrantGroups(c, [id], `adding members to user group ${id}`);
  // Any edit (taking members out, lowering its role) acts on the group: it needs what the group holds.
  await assertCanActOn(c, "user-group", id, `editing user group ${id}`);
  await store.patchGroup(id, {
    groupName: b.group_name || undefined,
    description: b.description === undefined ? undefined : b.description || null,
    idpGroups: b.idp_groups,
    direct:
      roleId === undefined
        ? undefined
        : { roleId, bindingId: c.svc.newId("rb-"), by: c.principal.displayName },
    users,
    nestedIds: nested,
    now: c.now,
  });
  await c.svc.audit.record(c.req, c.principal, {
    entity: "USER_GROUP",
    subtype: "edit",
    description: `Updated user group ${id}`,
    objectId: id,
    additional: { fields: Object.keys(b) },
  });
  return data({ message: `user group ${id} updated successfully` });
}

export const groupHandlers: Handlers = {
  "groups.list": async (c) => {
    const q = c.query;
    const from = q.search_from ?? 0;
    const page = await c.svc.store.listGroups(
      from,
      Math.max(0, Math.min(1000, (q.search_to ?? from + 1000) - from)),
    );
    return data(page.rows.map(groupToWire), { total: page.total });
  },
  "groups.get": async (c) => {
    const g = await c.svc.store.getGroup(c.params.group_id!);
    if (!g) throw new ApiError("NOT_FOUND", `user group ${c.params.group_id} does not exist`);
    return data(groupToWire(g));
  },
  "groups.create": create,
  "groups.patch": patch,
  "groups.delete": async (c) => {
    const id = c.params.group_id!;
    await assertCanActOn(c, "user-group", id, `deleting user group ${id}`);
    await assertAdminRemains(c, { dropGroups: [id] }, `deleting user group ${id}`);
    if (!(await c.svc.store.deleteGroup(id)))
      throw new ApiError("NOT_FOUND", `user group ${id} does not exist`);
    await c.svc.audit.record(c.req, c.principal, {
      entity: "USER_GROUP",
      subtype: "delete",
      description: `Deleted user group ${id}`,
      objectId: id,
    });
    return data({ message: `user group ${id} deleted successfully` });
  },
  "rbac.getUserGroup": async (c) => {
    const { group_names } = c.body;
    const page = await c.svc.store.listGroups(0, 10_000, group_names);
    // The reference fails the call for a name it does not know ("Group 'X' was not found", a 500
    // there; 400 here): the XSOAR integration relies on that error to tell the user.
    const found = new Set(page.rows.map((g) => g.groupName.toLowerCase()));
    const missing = group_names.findIndex((n) => !found.has(n.trim().toLowerCase()));
    if (missing >= 0)
      throw invalid(
        `request_data.group_names.${missing}`,
        `Group '${group_names[missing]}' was not found`,
      );
    return reply(
      page.rows.map((g) => ({
        group_name: g.groupName,
        description: g.description,
        pretty_name: g.role?.roleName ?? null,
        insert_time: g.createdTs,
        update_time: g.updatedTs,
        user_email: g.users,
        source: "Custom",
      })),
    );
  },
};
