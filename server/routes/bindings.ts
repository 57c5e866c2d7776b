/** Role bindings (extension): bind a role to a user, a group or an API key, as its own object. */
import type { Ctx, Handlers } from "../http/context";
import { data } from "../http/reply";
import { assertAdminRemains, assertCanActOn } from "../authz/acting";
import { assertAssignable, assertCanGrantRoles, resolveRole } from "../authz/grants";
import { ApiError, invalid } from "../errors";
import { UniqueViolation, type BindingRecord } from "../store/store";

export function bindingToWire(b: BindingRecord) {
  return {
    binding_id: b.bindingId,
    principal_type: b.principalType,
    principal_id: b.principalId,
    role_id: b.roleId,
    role_name: b.roleName,
    owner: b.owner,
    created_by: b.createdBy,
    created_ts: b.createdTs,
  };
}

async function create(c: Ctx<"bindings.create">) {
  const b = c.body;
  const { store } = c.svc;
  const principalId = b.principal_type === "user" ? b.principal_id.toLowerCase() : b.principal_id;
  if (!(await store.principalExists(b.principal_type, principalId))) {
    throw invalid("request_data.principal_id", `no ${b.principal_type} with id '${principalId}'`);
  }
  const role = await resolveRole(c, b.role, "request_data.role");
  assertAssignable(role, b.principal_type, "request_data.role");
  assertCanGrantRoles(c, [role], `role '${role.prettyName}'`);
  const bindingId = c.svc.newId("rb-");
  try {
    await store.createBinding({
      bindingId,
      principalType: b.principal_type,
      principalId,
      roleId: role.roleId,
      owner: "binding",
      createdBy: c.principal.displayName,
      createdTs: c.now,
    });
  } catch (e) {
    if (e instanceof UniqueViolation) {
      throw new ApiError(
        "CONFLICT",
        `${b.principal_type} ${principalId} already holds role '${role.prettyName}' through a role binding`,
      );
    }
    throw e;
  }
  await c.svc.audit.record(c.req, c.principal, {
    entity: "ROLE_BINDING",
    subtype: "create",
    description: `Bound role '${role.prettyName}' to ${b.principal_type} ${principalId}`,
    objectId: bindingId,
    additional: {
      principal_type: b.principal_type,
      principal_id: principalId,
      role_id: role.roleId,
    },
  });
  return data(bindingToWire((await store.getBinding(bindingId))!), { status: 201 });
}

async function remove(c: Ctx<"bindings.delete">) {
  const id = c.params.binding_id!;
  const { store } = c.svc;
  const b = await store.getBinding(id);
  if (!b) throw new ApiError("NOT_FOUND", `role binding ${id} does not exist`);
  if (b.owner !== "binding") {
    const how =
      b.owner === "api-key"
        ? `edit the roles of API key ${b.principalId} instead`
        : b.owner === "user"
          ? `change user ${b.principalId}'s role instead`
          : `change the role of user group ${b.principalId} instead`;
    throw new ApiError(
      "READ_ONLY",
      `role binding ${id} belongs to ${b.owner} ${b.principalId}; ${how}`,
    );
  }
  // Taking a role away needs at least what its holder holds (that role included).
  await assertCanActOn(c, b.principalType, b.principalId, `removing role binding ${id}`);
  await assertAdminRemains(
    c,
    { dropBindings: (x) => x.bindingId === id },
    `removing role binding ${id}`,
  );
  await store.deleteBinding(id);
  await c.svc.audit.record(c.req, c.principal, {
    entity: "ROLE_BINDING",
    subtype: "delete",
    description: `Removed role '${b.roleName}' from ${b.principalType} ${b.principalId}`,
    objectId: id,
  });
  return data({ message: `role binding ${id} deleted successfully` });
}

export const bindingHandlers: Handlers = {
  "bindings.list": async (c) => {
    const q = c.query;
    const from = q.search_from ?? 0;
    // Users are stored by lower-cased email (as create does), so the filter is too.
    const principalId =
      q.principal_type === "user" ? q.principal_id?.toLowerCase() : q.principal_id;
    const page = await c.svc.store.listBindings(
      { principalType: q.principal_type, principalId, roleId: q.role_id },
      from,
      Math.max(0, Math.min(1000, (q.search_to ?? from + 100) - from)),
    );
    return data(page.rows.map(bindingToWire), { total: page.total });
  },
  "bindings.get": async (c) => {
    const b = await c.svc.store.getBinding(c.params.binding_id!);
    if (!b) throw new ApiError("NOT_FOUND", `role binding ${c.params.binding_id} does not exist`);
    return data(bindingToWire(b));
  },
  "bindings.create": create,
  "bindings.delete": remove,
};
