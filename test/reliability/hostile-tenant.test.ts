/**
 * The hostile tenant: a key that may manage keys, access, settings and notifications, but holds
 * no administrator role and a narrow scope (SBAC on), tries every route that changes something
 * against what is above it: an Instance Administrator key, a role with more than it holds, a
 * user and a group above it, a binding of that role, a key and a scope definition that see more
 * than it does. Every attempt must be refused, and afterwards nothing an administrator can see
 * has changed.
 *
 * The cases come from the route table: every route needing `view_edit` must have an entry here
 * (attempts, or the reason it cannot act on anyone), so a new route fails this suite until its
 * hostile cases are written.
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../sdk/contract";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { customRole, inProcess, ok, rd, type Caller } from "../server/support";

interface World {
  attacker: Credential;
  adminKey: Credential;
  otherKey: Credential;
  wideKey: Credential;
  bigRoleId: string;
  bigUser: string;
  adminGroupId: string;
  bigBindingId: string;
  wideDefId: string;
}

interface Attempt {
  name: string;
  params?: (w: World) => Record<string, string>;
  body?: (w: World) => unknown;
  query?: string;
  /** The refusal expected: 403 PRIVILEGE_ESCALATION unless said. */
  expect?: number;
}

const byIds = (...ids: number[]) => ({ filters: [{ field: "id", operator: "in", value: ids }] });
const WIDE = { endpoints: { endpoint_groups: { mode: "see_all" } } };
const MINE = { endpoints: { endpoint_groups: { mode: "scope", names: ["eu-1"] } } };

/** Per route that needs view_edit: the attempts against what is above the attacker, or why there are none. */
const HOSTILE: Record<string, Attempt[] | { none: string }> = {
  "apiKeys.generate": [
    {
      name: "an Instance Administrator key",
      body: () => ({ roles: ["Instance Administrator"], security_level: "standard", scope: MINE }),
    },
    {
      name: "a key with a role above its own",
      body: () => ({ roles: ["Big"], security_level: "standard", scope: MINE }),
    },
    {
      name: "a key with a wider scope",
      body: () => ({ roles: ["Viewer"], security_level: "standard", scope: WIDE }),
    },
    {
      name: "a key pointing at a wider scope definition",
      body: (w) => ({
        roles: ["Viewer"],
        security_level: "standard",
        scope: { scope_definition_id: w.wideDefId },
      }),
    },
  ],
  "apiKeys.delete": [
    { name: "the admin key", body: (w) => byIds(w.adminKey.id) },
    { name: "a key with a wider scope", body: (w) => byIds(w.wideKey.id) },
    { name: "a key holding a role above its own", body: (w) => byIds(w.otherKey.id) },
  ],
  "apiKeys.revoke": [
    { name: "the admin key", body: (w) => byIds(w.adminKey.id) },
    { name: "a key with a wider scope", body: (w) => byIds(w.wideKey.id) },
  ],
  "apiKeys.retire": [
    {
      name: "the admin key",
      body: (w) => ({ id: w.adminKey.id, expiration: Date.now() + 60_000 }),
    },
  ],
  "apiKeys.edit": [
    {
      name: "the admin key's comment",
      params: (w) => ({ id: String(w.adminKey.id) }),
      body: () => ({ comment: "mine" }),
    },
    {
      name: "the admin key's expiration (shorten it)",
      params: (w) => ({ id: String(w.adminKey.id) }),
      body: () => ({ expiration: Date.now() + 60_000 }),
    },
    {
      name: "a role above its own onto another key",
      params: (w) => ({ id: String(w.otherKey.id) }),
      body: () => ({ roles: ["Big"] }),
    },
    {
      name: "a key with a wider scope",
      params: (w) => ({ id: String(w.wideKey.id) }),
      body: () => ({ comment: "mine" }),
    },
  ],
  "roles.create": [
    {
      name: "a role above its own",
      body: () => ({ pretty_name: "Mine", components: { response: "view_edit" } }),
    },
  ],
  "roles.update": [
    {
      name: "a role above its own",
      params: (w) => ({ role_id: w.bigRoleId }),
      body: () => ({ description: "mine" }),
    },
  ],
  "roles.delete": [{ name: "a role above its own", params: (w) => ({ role_id: w.bigRoleId }) }],
  "users.create": [
    {
      name: "a user with a role above its own",
      body: () => ({ user_email: "new@example.com", role_id: "Big" }),
    },
    {
      name: "a user in the admin group",
      body: (w) => ({ user_email: "new@example.com", user_groups: [w.adminGroupId] }),
    },
    {
      name: "a user that exists (no overwrite)",
      body: (w) => ({ user_email: w.bigUser }),
      expect: 409,
    },
  ],
  "users.patch": [
    {
      name: "a user above it",
      params: (w) => ({ email: w.bigUser }),
      body: () => ({ user_first_name: "mine" }),
    },
    {
      name: "a user above it, out of its groups",
      params: (w) => ({ email: w.bigUser }),
      body: () => ({ user_groups: [] }),
    },
  ],
  "users.delete": [{ name: "a user above it", params: (w) => ({ email: w.bigUser }) }],
  "groups.create": [
    {
      name: "a group with the admin role",
      body: () => ({ group_name: "Mine", role_id: "Instance Administrator" }),
    },
  ],
  "groups.patch": [
    {
      name: "the admin group's members",
      params: (w) => ({ group_id: w.adminGroupId }),
      body: () => ({ users: [] }),
    },
    {
      name: "the admin group's role",
      params: (w) => ({ group_id: w.adminGroupId }),
      body: () => ({ role_id: "Viewer" }),
    },
  ],
  "groups.delete": [{ name: "the admin group", params: (w) => ({ group_id: w.adminGroupId }) }],
  "rbac.setUserRole": [
    {
      name: "a user above it (demoted)",
      body: (w) => ({ user_emails: [w.bigUser], role_name: "Viewer" }),
    },
  ],
  "bindings.create": [
    {
      name: "the admin role to itself",
      body: (w) => ({
        principal_type: "api-key",
        principal_id: String(w.attacker.id),
        role: "Instance Administrator",
      }),
    },
    {
      name: "a role above its own to itself",
      body: (w) => ({
        principal_type: "api-key",
        principal_id: String(w.attacker.id),
        role: "Big",
      }),
    },
  ],
  "bindings.delete": [
    { name: "a binding of a role above its own", params: (w) => ({ binding_id: w.bigBindingId }) },
  ],
  "scopeDefinitions.create": [
    {
      name: "a definition whose name is taken (no overwrite)",
      body: () => ({ name: "wide", areas: MINE }),
      expect: 409,
    },
  ],
  "scopeDefinitions.update": [
    {
      name: "a wider definition",
      params: (w) => ({ scope_id: w.wideDefId }),
      body: () => ({ description: "mine" }),
    },
    {
      name: "a wider definition, narrowed",
      params: (w) => ({ scope_id: w.wideDefId }),
      body: () => ({ areas: MINE }),
    },
  ],
  "scopeDefinitions.delete": [
    {
      name: "a wider definition",
      params: (w) => ({ scope_id: w.wideDefId }),
      query: "when_unused=true",
    },
  ],
  "scopes.put": [
    {
      name: "the admin key's scope",
      params: (w) => ({ entity_type: "api-key", entity_id: String(w.adminKey.id) }),
      body: () => MINE,
    },
    {
      name: "a wider key's scope, narrowed",
      params: (w) => ({ entity_type: "api-key", entity_id: String(w.wideKey.id) }),
      body: () => MINE,
    },
    {
      name: "its own scope, widened",
      params: (w) => ({ entity_type: "api-key", entity_id: String(w.attacker.id) }),
      body: () => WIDE,
    },
    {
      name: "a user above it",
      params: (w) => ({ entity_type: "user", entity_id: w.bigUser }),
      body: () => ({ clear: true }),
    },
  ],
  "settings.update": [
    { name: "SBAC switched off", body: () => ({ sbac_enabled: false }) },
    {
      name: "the webhook pointed at loopback",
      body: () => ({ notification_webhook: "http://127.0.0.1:9/internal" }),
      expect: 400,
    },
  ],
  "notifications.patch": {
    none: "expiration notices belong to the tenant, not to a principal: marking one read changes no one's access",
  },
};

describe("hostile tenant: a low-privilege, scoped key tries every route that acts on others", () => {
  let t: TestServer;
  let admin: Caller;
  const w = {} as World;

  const snapshot = async () => {
    const keys = ok(
      await admin("POST", "/public_api/v1/api_keys/get_api_keys", rd({ search_to: 1000 })),
    ).reply.DATA.map(({ last_used: _l, ...k }: Record<string, unknown>) => k);
    const scopes = [];
    for (const k of keys)
      scopes.push(ok(await admin("GET", `/platform/iam/v1/scope/api-key/${k.id}`)).data);
    return {
      keys,
      scopes,
      roles: ok(await admin("GET", "/platform/iam/v1/role")).data,
      users: ok(await admin("GET", "/platform/iam/v1/user")).data,
      groups: ok(await admin("GET", "/platform/iam/v1/user-group")).data,
      bindings: ok(await admin("GET", "/platform/iam/v1/role-binding?search_to=1000")).data,
      definitions: ok(await admin("GET", "/platform/iam/v1/scope-definition")).data,
      userScope: ok(await admin("GET", `/platform/iam/v1/scope/user/${w.bigUser}`)).data,
      settings: ok(await admin("GET", "/platform/iam/v1/settings")).data,
    };
  };
  let before0: Awaited<ReturnType<typeof snapshot>>;

  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
    // Everything Viewer holds, and management edit rights: only the administrator role, Big and scope are above it.
    const product = Object.fromEntries(
      ["cases_issues", "endpoints", "assets", "datasets", "response", "rules", "dashboards"].map(
        (c) => [c, "view"],
      ),
    );
    await customRole(admin, "Manager", {
      ...product,
      public_api: "view_edit",
      access_management: "view_edit",
      server_settings: "view_edit",
      notifications: "view_edit",
    });
    w.bigRoleId = await customRole(admin, "Big", { response: "view_edit", dashboards: "view" });
    ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
    w.attacker = await t.createKey({ roles: ["Manager"], scope: MINE });
    w.adminKey = await t.createKey({ roles: ["Instance Administrator"] });
    w.otherKey = await t.createKey({ roles: ["Viewer"], scope: MINE });
    w.wideKey = await t.createKey({ roles: ["Viewer"], scope: WIDE });
    w.bigUser = "big@example.com";
    ok(
      await admin("POST", "/platform/iam/v1/user", rd({ user_email: w.bigUser, role_id: "Big" })),
      201,
    );
    ok(await admin("PUT", `/platform/iam/v1/scope/user/${w.bigUser}`, rd(WIDE)));
    w.adminGroupId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Admins", role_id: "Instance Administrator", users: [w.bigUser] }),
      ),
      201,
    ).data.group_id;
    w.bigBindingId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(w.otherKey.id), role: "Big" }),
      ),
      201,
    ).data.binding_id;
    w.wideDefId = ok(
      await admin("POST", "/platform/iam/v1/scope-definition", rd({ name: "wide", areas: WIDE })),
      201,
    ).data.scope_id;
    before0 = await snapshot();
  });
  after(() => t.close());

  const editRoutes = (ROUTES as readonly RouteDef[]).filter(
    (r) => r.permission?.level === "view_edit",
  );

  it("has hostile cases (or a reason for none) for every route that changes something", () => {
    assert.deepEqual(
      editRoutes.map((r) => r.id).filter((id) => !(id in HOSTILE)),
      [],
      "routes without hostile cases",
    );
    assert.deepEqual(
      Object.keys(HOSTILE).filter((id) => !editRoutes.some((r) => r.id === id)),
      [],
      "cases for routes that are gone",
    );
  });

  for (const r of editRoutes) {
    const cases = HOSTILE[r.id];
    if (!cases || !Array.isArray(cases)) continue;
    for (const a of cases) {
      it(`${r.id}: refuses ${a.name}`, async () => {
        let path = r.path.replace(/:([A-Za-z_]+)/g, (_, n: string) =>
          encodeURIComponent(a.params?.(w)[n] ?? "x"),
        );
        if (a.query) path += `?${a.query}`;
        const body =
          r.method === "GET" || (r.method === "DELETE" && !a.body)
            ? undefined
            : rd(a.body?.(w) ?? {});
        const res = await admin(r.method, path, body, { as: w.attacker });
        const want = a.expect ?? 403;
        assert.equal(
          res.status,
          want,
          `${r.method} ${path} as the hostile key: ${res.status} ${res.text.slice(0, 300)}`,
        );
        if (want === 403)
          assert.equal(
            res.headers["x-keyplane-error"],
            "PRIVILEGE_ESCALATION",
            res.text.slice(0, 300),
          );
      });
    }
  }

  it("changed nothing an administrator can see", async () => {
    assert.deepEqual(await snapshot(), before0);
  });
});
