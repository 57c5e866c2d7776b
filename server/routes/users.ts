/** Users (`/platform/iam/v1/user`) and the legacy `rbac/get_users` and `rbac/set_user_role`. */
import { canonicalScope, scopeToRead } from "../../sdk/contract";
import type { CallCtx, Ctx, Handlers } from "../http/context";
import { data, reply } from "../http/reply";
import { assertAdminRemains, assertCanActOn } from "../authz/acting";
import {
  assertAssignable,
  assertCanGrantGroups,
  assertCanGrantRoles,
  resolveRole,
} from "../authz/grants";
import { ApiError, invalid } from "../errors";
import type { Store } from "../store/store";

type UserRow = NonNullable<Awaited<ReturnType<Store["getUser"]>>>;

export function userToWire(u: UserRow) {
  return {
    user_email: u.email,
    // Every example in the reference has strings here, and scripts call `.lower()` on them: a
    // name never given is "", not null.
    user_first_name: u.firstName ?? "",
    user_last_name: u.lastName ?? "",
    phone_number: u.phoneNumber ?? "",
    role_name: u.role?.roleName ?? null,
    role_id: u.role?.roleId ?? null,
    status: u.status,
    last_logged_in: u.lastLoggedIn,
    is_hidden: u.isHidden,
    user_type: u.userType,
    groups: u.groups.map((g) => ({ group_id: g.groupId, group_name: g.groupName })),
  };
}

/** Resolves a direct-role reference; "" or null removes it. Refuses Account Admin, as the reference does. */
async function directRole(
  c: CallCtx,
  ref: string | null | undefined,
  field: string,
): Promise<string | null | undefined> {
  if (ref === undefined) return undefined;
  if (ref === null || ref === "") return null;
  const role = await resolveRole(c, ref, field);
  assertAssignable(role, "user", field);
  assertCanGrantRoles(c, [role], `role '${role.prettyName}'`);
  return role.roleId;
}

async function checkGroups(c: CallCtx, ids: string[], field: string): Promise<void> {
  const have = await c.svc.store.existingGroups(ids);
  const missing = ids.filter((g) => !have.has(g));
  if (missing.length) throw invalid(field, `unknown group id(s): ${missing.join(", ")}`);
}

async function create(c: Ctx<"users.create">) {
  const b = c.body;
  const { store } = c.svc;
  if (await store.getUser(b.user_email))
    throw new ApiError("CONFLICT", `user ${b.user_email} exists`);
  const roleId = await directRole(c, b.role_id, "request_data.role_id");
  const groups = [...new Set(b.user_groups ?? [])];
  await checkGroups(c, groups, "request_data.user_groups");
  await assertCanGrantGroups(c, groups, "joining these groups");
  await store.createUser(
    {
      email: b.user_email,
      firstName: b.user_first_name ?? null,
      lastName: b.user_last_name ?? null,
      phoneNumber: b.phone_number ?? null,
      status: "Active",
      isHidden: false,
      userType: "CSP",
      lastLoggedIn: null,
      createdTs: c.now,
      updatedTs: null,
    },
    { roleId: roleId ?? null, bindingId: c.svc.newId("rb-"), by: c.principal.displayName },
    groups,
  );
  await c.svc.audit.record(c.req, c.principal, {
    entity: "USER",
    subtype: "create",
    description: `Created user ${b.user_email}`,
    objectId: b.user_email,
  });
  return data({ message: "User created successfully" }, { status: 201 });
}

async function patch(c: Ctx<"users.patch">) {
  const email = c.params.email!.toLowerCase();
  const b = c.body;
  const { store } = c.svc;
  const u = await store.getUser(email);
  if (!u) throw new ApiError("NOT_FOUND", `user ${email} does not exist`);
  await assertCanActOn(c, "user", email, `editing user ${email}`);
  const roleId = await directRole(c, b.role_id, "request_data.role_id");
  await assertAdminRemains(
    c,
    {
      dropBindings:
        roleId === undefined
          ? undefined
          : (x) =>
              x.principalType === "user" &&
              x.principalId === email &&
              x.owner === "user" &&
              x.roleId !== roleId,
      setUserGroups: b.user_groups ? { email, groups: b.user_groups } : undefined,
      dropUsers: b.status !== undefined && b.status !== "Active" ? [email] : undefined,
    },
    `editing user ${email}`,
  );
  if (b.user_groups) {
    await checkGroups(c, b.user_groups, "request_data.user_groups");
    const current = new Set(u.groups.map((g) => g.groupId));
    await assertCanGrantGroups(
      c,
      b.user_groups.filter((g) => !current.has(g)),
      "joining these groups",
    );
  }
  await store.patchUser(email, {
    firstName: b.user_first_name,
    lastName: b.user_last_name,
    phoneNumber: b.phone_number,
    status: b.status,
    isHidden: b.is_hidden,
    direct:
      roleId === undefined
        ? undefined
        : { roleId, bindingId: c.svc.newId("rb-"), by: c.principal.displayName },
    groupIds: b.user_groups ? [...new Set(b.user_groups)] : undefined,
    now: c.now,
  });
  await c.svc.audit.record(c.req, c.principal, {
    entity: "USER",
    subtype: "edit",
    description: `Updated user ${email}`,
    objectId: email,
    additional: { fields: Object.keys(b) },
  });
  return data({ message: "User updated successfully" });
}

async function setUserRole(c: Ctx<"rbac.setUserRole">) {
  const b = c.body;
  const { store } = c.svc;
  const roleId = await directRole(c, b.role_name, "request_data.role_name");
  const known = await store.existingUsers(b.user_emails);
  for (const email of known)
    await assertCanActOn(c, "user", email, `setting the role of user ${email}`);
  await assertAdminRemains(
    c,
    {
      dropBindings: (x) =>
        x.principalType === "user" &&
        known.has(x.principalId) &&
        x.owner === "user" &&
        x.roleId !== roleId,
    },
    "setting the role of these users",
  );
  let n = 0;
  for (const email of b.user_emails) {
    if (!known.has(email)) continue;
    const u = await store.getUser(email);
    if ((u?.role?.roleId ?? null) === (roleId ?? null)) continue;
    await store.patchUser(email, {
      direct: {
        roleId: roleId ?? null,
        bindingId: c.svc.newId("rb-"),
        by: c.principal.displayName,
      },
      now: c.now,
    });
    n++;
  }
  await c.svc.audit.record(c.req, c.principal, {
    entity: "USER",
    subtype: "set_role",
    description: `Set role '${b.role_name || "(none)"}' on ${n} user(s)`,
    additional: { users: b.user_emails, role: b.role_name },
  });
  // The reference sends this count as a string.
  return reply({ update_count: String(n) });
}

export const userHandlers: Handlers = {
  "users.list": async (c) => {
    const q = c.query;
    const from = q.search_from ?? 0;
    const page = await c.svc.store.listUsers(
      from,
      Math.max(0, Math.min(1000, (q.search_to ?? from + 1000) - from)),
    );
    return data(page.rows.map(userToWire), { total: page.total });
  },
  "users.get": async (c) => {
    const email = c.params.email!.toLowerCase();
    const { store, cache } = c.svc;
    const u = await store.getUser(email);
    if (!u) throw new ApiError("NOT_FOUND", `user ${email} does not exist`);
    // Effective permissions: the union over the user's own bindings and its groups' (nested included).
    const roleIds = new Set(await store.roleIdsOf("user", email));
    for (const g of await store.groupIdsOfUser(email))
      for (const r of await store.roleIdsOf("user-group", g)) roleIds.add(r);
    const eff = await cache.permissionsOf([...roleIds]);
    return data({
      ...userToWire(u),
      effective_roles: eff.names,
      effective_permissions: eff.permissions,
    });
  },
  "users.create": create,
  "users.patch": patch,
  "users.delete": async (c) => {
    const email = c.params.email!.toLowerCase();
    await assertCanActOn(c, "user", email, `deleting user ${email}`);
    await assertAdminRemains(c, { dropUsers: [email] }, `deleting user ${email}`);
    if (!(await c.svc.store.deleteUser(email)))
      throw new ApiError("NOT_FOUND", `user ${email} does not exist`);
    await c.svc.audit.record(c.req, c.principal, {
      entity: "USER",
      subtype: "delete",
      description: `Deleted user ${email}`,
      objectId: email,
    });
    return data({ message: "User deleted successfully" });
  },
  "rbac.getUsers": async (c) => {
    const page = await c.svc.store.listUsers(0, 10_000);
    const out = [];
    for (const u of page.rows) {
      const s = await c.svc.store.getEntityScope("user", u.email);
      out.push({
        user_email: u.email,
        user_first_name: u.firstName ?? "",
        user_last_name: u.lastName ?? "",
        role_name: u.role?.roleName ?? null,
        last_logged_in: u.lastLoggedIn,
        user_type: u.userType,
        groups: u.groups.map((g) => g.groupName),
        // An object, as the official Go SDK decodes it (types.User.Scope); see LegacyUser.
        scope: { ...scopeToRead(s?.areas ?? canonicalScope(undefined)), has_scope: !!s },
      });
    }
    return reply(out);
  },
  "rbac.setUserRole": setUserRole,
};
