/**
 * The management actions the audit log must record: one row per route that changes something,
 * with what it does and the entry it must leave. The rows run in order on one server (later rows
 * act on what earlier ones made, through `ids`).
 */
import type { TestServer } from "../../helpers/server";
import { inProcess, ok, rd, type Caller } from "../support";

export interface ManagementAction {
  route: string;
  run: () => Promise<unknown>;
  entity: string;
  subtype: string;
  objectId: () => string | null;
}

/** One row per management action, acting on the server `t()` returns (started in `before`). */
export function managementActions(t: () => TestServer): ManagementAction[] {
  const call: Caller = (...args) => inProcess(t())(...args);
  const ids: Record<string, string> = {};
  return [
    {
      route: "apiKeys.generate",
      run: async () => (ids.key = String((await t().createKey({ roles: ["Viewer"] })).id)),
      entity: "API_KEY",
      subtype: "create",
      objectId: () => ids.key!,
    },
    {
      route: "apiKeys.edit",
      run: () => call("PUT", `/platform/iam/v1/api-key/${ids.key}`, rd({ comment: "audited" })),
      entity: "API_KEY",
      subtype: "edit",
      objectId: () => ids.key!,
    },
    {
      route: "apiKeys.retire",
      run: async () => {
        ids.retiring = String((await t().createKey({ roles: ["Viewer"] })).id);
        return call(
          "POST",
          "/public_api/v1/api_keys/retire",
          rd({ id: Number(ids.retiring), expiration: t().clock.now() + 3_600_000 }),
        );
      },
      entity: "API_KEY",
      subtype: "retire",
      objectId: () => ids.retiring!,
    },
    {
      route: "apiKeys.revoke",
      run: () =>
        call(
          "POST",
          "/public_api/v1/api_keys/revoke",
          rd({ filters: [{ field: "id", operator: "in", value: [Number(ids.key)] }] }),
        ),
      entity: "API_KEY",
      subtype: "revoke",
      objectId: () => ids.key!,
    },
    {
      route: "apiKeys.delete",
      run: () =>
        call(
          "POST",
          "/public_api/v1/api_keys/delete",
          rd({ filters: [{ field: "id", operator: "in", value: [Number(ids.key)] }] }),
        ),
      entity: "API_KEY",
      subtype: "delete",
      objectId: () => ids.key!,
    },
    {
      route: "roles.create",
      run: async () =>
        (ids.role = ok(
          await call(
            "POST",
            "/platform/iam/v1/role",
            rd({ pretty_name: "Audited", components: { audit: "view" } }),
          ),
          201,
        ).data.role_id),
      entity: "ROLE",
      subtype: "create",
      objectId: () => ids.role!,
    },
    {
      route: "roles.update",
      run: () => call("PUT", `/platform/iam/v1/role/${ids.role}`, rd({ description: "d" })),
      entity: "ROLE",
      subtype: "edit",
      objectId: () => ids.role!,
    },
    {
      route: "users.create",
      run: () => call("POST", "/platform/iam/v1/user", rd({ user_email: "aud@example.com" })),
      entity: "USER",
      subtype: "create",
      objectId: () => "aud@example.com",
    },
    {
      route: "users.patch",
      run: () =>
        call("PATCH", "/platform/iam/v1/user/aud@example.com", rd({ user_first_name: "A" })),
      entity: "USER",
      subtype: "edit",
      objectId: () => "aud@example.com",
    },
    {
      route: "rbac.setUserRole",
      run: () =>
        call(
          "POST",
          "/public_api/v1/rbac/set_user_role",
          rd({ user_emails: ["aud@example.com"], role_name: "Viewer" }),
        ),
      entity: "USER",
      subtype: "set_role",
      objectId: () => null,
    },
    {
      route: "groups.create",
      run: async () =>
        (ids.group = ok(
          await call("POST", "/platform/iam/v1/user-group", rd({ group_name: "Audited" })),
          201,
        ).data.group_id),
      entity: "USER_GROUP",
      subtype: "create",
      objectId: () => ids.group!,
    },
    {
      route: "groups.patch",
      run: () =>
        call("PATCH", `/platform/iam/v1/user-group/${ids.group}`, rd({ description: "d" })),
      entity: "USER_GROUP",
      subtype: "edit",
      objectId: () => ids.group!,
    },
    {
      route: "bindings.create",
      run: async () =>
        (ids.binding = ok(
          await call(
            "POST",
            "/platform/iam/v1/role-binding",
            rd({ principal_type: "user", principal_id: "aud@example.com", role: "Audited" }),
          ),
          201,
        ).data.binding_id),
      entity: "ROLE_BINDING",
      subtype: "create",
      objectId: () => ids.binding!,
    },
    {
      route: "bindings.delete",
      run: () => call("DELETE", `/platform/iam/v1/role-binding/${ids.binding}`),
      entity: "ROLE_BINDING",
      subtype: "delete",
      objectId: () => ids.binding!,
    },
    {
      route: "scopeDefinitions.create",
      run: async () =>
        (ids.scope = ok(
          await call(
            "POST",
            "/platform/iam/v1/scope-definition",
            rd({ name: "Audited", areas: { assets: { mode: "see_all" } } }),
          ),
          201,
        ).data.scope_id),
      entity: "SCOPE",
      subtype: "create",
      objectId: () => ids.scope!,
    },
    {
      route: "scopeDefinitions.update",
      run: () =>
        call("PUT", `/platform/iam/v1/scope-definition/${ids.scope}`, rd({ description: "d" })),
      entity: "SCOPE",
      subtype: "edit",
      objectId: () => ids.scope!,
    },
    {
      route: "scopes.put",
      run: () =>
        call(
          "PUT",
          "/platform/iam/v1/scope/user/aud@example.com",
          rd({ assets: { mode: "see_all" } }),
        ),
      entity: "SCOPE",
      subtype: "set",
      objectId: () => "user:aud@example.com",
    },
    {
      route: "scopes.put (clear)",
      run: () => call("PUT", "/platform/iam/v1/scope/user/aud@example.com", rd({ clear: true })),
      entity: "SCOPE",
      subtype: "clear",
      objectId: () => "user:aud@example.com",
    },
    {
      route: "scopeDefinitions.delete",
      run: () => call("DELETE", `/platform/iam/v1/scope-definition/${ids.scope}`),
      entity: "SCOPE",
      subtype: "delete",
      objectId: () => ids.scope!,
    },
    {
      route: "settings.update",
      run: () => call("PUT", "/platform/iam/v1/settings", rd({ tenant_fqdn: "api-x.example.com" })),
      entity: "SERVER_SETTINGS",
      subtype: "edit",
      objectId: () => null,
    },
    {
      route: "notifications.patch",
      run: async () => {
        await t().createKey({ expiration: t().clock.now() + 86_400_000 });
        const [n] = await t().running.app.services.scheduler.tick();
        ids.notice = String(n!.id);
        t().fake!.advance(1000);
        return call(
          "PATCH",
          `/platform/notifications/v1/notifications/${n!.id}`,
          rd({ read: true }),
        );
      },
      entity: "NOTIFICATION",
      subtype: "read",
      objectId: () => ids.notice!,
    },
    {
      route: "groups.delete",
      run: () => call("DELETE", `/platform/iam/v1/user-group/${ids.group}`),
      entity: "USER_GROUP",
      subtype: "delete",
      objectId: () => ids.group!,
    },
    {
      route: "users.delete",
      run: () => call("DELETE", "/platform/iam/v1/user/aud@example.com"),
      entity: "USER",
      subtype: "delete",
      objectId: () => "aud@example.com",
    },
    {
      route: "roles.delete",
      run: () => call("DELETE", `/platform/iam/v1/role/${ids.role}`),
      entity: "ROLE",
      subtype: "delete",
      objectId: () => ids.role!,
    },
  ];
}
