/**
 * The privilege ceiling: a key may never grant more than it holds — not to a key it generates or
 * edits, not through a custom role it creates or edits, not through a binding, and not as a
 * user's or a group's role. Each attempt is a 403 PRIVILEGE_ESCALATION naming the components,
 * and nothing changes. With SBAC on, the same holds for scopes.
 */
import * as assert from "node:assert/strict";
import {
  canonicalScope,
  COMPONENT_NAMES,
  type CanonicalScope,
  type ScopeAreasWrite,
} from "../../sdk/contract";
import { scopeExceeds } from "../../server/authz/scope";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { assertError, customRole, inProcess, ok, rd, type Caller } from "./support";

describe("privilege escalation attempts", () => {
  let t: TestServer;
  let admin: Caller;
  let manager: Credential;
  let other: Credential;
  let bigRoleId: string;
  let groupId: string;
  let bigGroupId: string;
  let childGroupId: string;
  const email = "target@example.com";

  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
    // The attacker: may manage keys and access, and sees dashboards; nothing else.
    await customRole(admin, "Access Manager", {
      public_api: "view_edit",
      access_management: "view_edit",
      dashboards: "view",
    });
    await customRole(admin, "Small", { dashboards: "view" });
    bigRoleId = await customRole(admin, "Big", { dashboards: "view_edit", response: "view_edit" });
    manager = await t.createKey({ roles: ["Access Manager"] });
    other = await t.createKey({ roles: ["Small"] });
    ok(await admin("POST", "/platform/iam/v1/user", rd({ user_email: email })), 201);
    groupId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Targets", role_id: "Small" }),
      ),
      201,
    ).data.group_id;
    // A group with a bigger role, and a role-less group nested in it (its members get Big too).
    childGroupId = ok(
      await admin("POST", "/platform/iam/v1/user-group", rd({ group_name: "Child" })),
      201,
    ).data.group_id;
    bigGroupId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Big Group", role_id: "Big", nested_group_ids: [childGroupId] }),
      ),
      201,
    ).data.group_id;
  });
  after(() => t.close());

  const as = () => ({ as: manager });

  const attempts: Array<{
    name: string;
    method: string;
    path: () => string;
    input: () => unknown;
    mentions: string;
  }> = [
    {
      name: "generate a key with Instance Administrator",
      method: "POST",
      path: () => "/public_api/v1/api_keys/generate",
      input: () => ({ roles: ["Instance Administrator"], security_level: "standard" }),
      mentions: "server_settings",
    },
    {
      name: "generate a key with a bigger predefined role (Viewer)",
      method: "POST",
      path: () => "/public_api/v1/api_keys/generate",
      input: () => ({ roles: ["Viewer"], security_level: "standard" }),
      mentions: "cases_issues",
    },
    {
      name: "generate a key with its own role plus a bigger one",
      method: "POST",
      path: () => "/public_api/v1/api_keys/generate",
      input: () => ({ roles: ["Access Manager", "Big"], security_level: "advanced" }),
      mentions: "response",
    },
    {
      name: "give a key a bigger role through PUT api-key",
      method: "PUT",
      path: () => `/platform/iam/v1/api-key/${other.id}`,
      input: () => ({ roles: ["Big"] }),
      mentions: "response",
    },
    {
      name: "create a custom role with more than it holds",
      method: "POST",
      path: () => "/platform/iam/v1/role",
      input: () => ({ pretty_name: "Mine", components: { server_settings: "view_edit" } }),
      mentions: "server_settings",
    },
    {
      name: "create a custom role with more, as permission names",
      method: "POST",
      path: () => "/platform/iam/v1/role",
      input: () => ({ pretty_name: "Mine2", component_permissions: ["dashboards_action"] }),
      mentions: "dashboards",
    },
    {
      name: "edit a role to grant more than it holds",
      method: "PUT",
      path: () => "/platform/iam/v1/role/small",
      input: () => ({ components: { dashboards: "view", audit: "view" } }),
      mentions: "audit",
    },
    {
      name: "edit (only the description of) a role bigger than itself",
      method: "PUT",
      path: () => `/platform/iam/v1/role/${bigRoleId}`,
      input: () => ({ description: "mine now" }),
      mentions: "response",
    },
    {
      name: "edit a bigger role down to something it holds",
      method: "PUT",
      path: () => `/platform/iam/v1/role/${bigRoleId}`,
      input: () => ({ components: { dashboards: "view" } }),
      mentions: "response",
    },
    {
      name: "bind a bigger role to a user",
      method: "POST",
      path: () => "/platform/iam/v1/role-binding",
      input: () => ({ principal_type: "user", principal_id: email, role: "Big" }),
      mentions: "response",
    },
    {
      name: "bind a bigger role to a group",
      method: "POST",
      path: () => "/platform/iam/v1/role-binding",
      input: () => ({
        principal_type: "user-group",
        principal_id: groupId,
        role: "Instance Administrator",
      }),
      mentions: "server_settings",
    },
    {
      name: "bind a bigger role to another key",
      method: "POST",
      path: () => "/platform/iam/v1/role-binding",
      input: () => ({
        principal_type: "api-key",
        principal_id: String(other.id),
        role: "Security Admin",
      }),
      mentions: "audit",
    },
    {
      name: "bind a bigger role to itself",
      method: "POST",
      path: () => "/platform/iam/v1/role-binding",
      input: () => ({
        principal_type: "api-key",
        principal_id: String(manager.id),
        role: "Instance Administrator",
      }),
      mentions: "server_settings",
    },
    {
      name: "set a user's role above its own (PATCH user)",
      method: "PATCH",
      path: () => `/platform/iam/v1/user/${email}`,
      input: () => ({ role_id: "instance_administrator" }),
      mentions: "server_settings",
    },
    {
      name: "create a user with a bigger role",
      method: "POST",
      path: () => "/platform/iam/v1/user",
      input: () => ({ user_email: "new@example.com", role_id: "Big" }),
      mentions: "response",
    },
    {
      name: "set users' role above its own (legacy set_user_role)",
      method: "POST",
      path: () => "/public_api/v1/rbac/set_user_role",
      input: () => ({ user_emails: [email], role_name: "Security Admin" }),
      mentions: "audit",
    },
    {
      name: "set a group's role above its own (PATCH group)",
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${groupId}`,
      input: () => ({ role_id: "Big" }),
      mentions: "response",
    },
    {
      name: "put a user into a group with a bigger role (PATCH user)",
      method: "PATCH",
      path: () => `/platform/iam/v1/user/${email}`,
      input: () => ({ user_groups: [bigGroupId] }),
      mentions: "response",
    },
    {
      name: "put a user into a group nested in a bigger group",
      method: "PATCH",
      path: () => `/platform/iam/v1/user/${email}`,
      input: () => ({ user_groups: [groupId, childGroupId] }),
      mentions: "response",
    },
    {
      name: "create a user inside a group with a bigger role",
      method: "POST",
      path: () => "/platform/iam/v1/user",
      input: () => ({ user_email: "new@example.com", user_groups: [bigGroupId] }),
      mentions: "response",
    },
    {
      name: "add a member to a group with a bigger role (PATCH group)",
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${bigGroupId}`,
      input: () => ({ users: [email] }),
      mentions: "response",
    },
    {
      name: "nest a group under a group with a bigger role",
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${bigGroupId}`,
      input: () => ({ nested_group_ids: [childGroupId, groupId] }),
      mentions: "response",
    },
    {
      name: "create a group with a bigger role",
      method: "POST",
      path: () => "/platform/iam/v1/user-group",
      input: () => ({ group_name: "Mine", role_id: "Instance Administrator" }),
      mentions: "server_settings",
    },
  ];

  for (const a of attempts) {
    it(`refuses to ${a.name} (403 PRIVILEGE_ESCALATION)`, async () => {
      const path = a.path();
      const res = await admin(a.method, path, rd(a.input()), as());
      assertError(
        path,
        res,
        403,
        "PRIVILEGE_ESCALATION",
        "would grant more than you hold",
        a.mentions,
      );
    });
  }

  it("changed nothing in those attempts", async () => {
    const keys = ok(await admin("POST", "/public_api/v1/api_keys/get_api_keys", rd({}))).reply;
    assert.equal(keys.TOTAL_COUNT, 3, "no key was generated");
    assert.deepEqual(ok(await admin("GET", `/platform/iam/v1/api-key/${other.id}`)).data.roles, [
      "Small",
    ]);
    const big = ok(await admin("GET", `/platform/iam/v1/role/${bigRoleId}`)).data;
    assert.deepEqual(big.components, { response: "view_edit", dashboards: "view_edit" });
    assert.equal(big.description, null);
    assert.deepEqual(ok(await admin("GET", "/platform/iam/v1/role/small")).data.components, {
      dashboards: "view",
    });
    const user = ok(await admin("GET", `/platform/iam/v1/user/${email}`)).data;
    assert.equal(user.role_name, null);
    assert.deepEqual(user.groups, []);
    const bigGroup = ok(await admin("GET", `/platform/iam/v1/user-group/${bigGroupId}`)).data;
    assert.deepEqual(bigGroup.users, []);
    assert.deepEqual(
      bigGroup.nested_groups.map((g: { group_id: string }) => g.group_id),
      [childGroupId],
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/user-group/${groupId}`)).data.pretty_role_name,
      "Small",
    );
    const bindings = ok(await admin("GET", "/platform/iam/v1/role-binding?search_to=1000"))
      .data as Array<{ owner: string }>;
    assert.equal(bindings.filter((b) => b.owner === "binding").length, 0);
    const roles = ok(await admin("GET", "/platform/iam/v1/role")).data.map(
      (r: { pretty_name: string }) => r.pretty_name,
    );
    assert.ok(!roles.includes("Mine") && !roles.includes("Mine2"));
  });

  it("lets it grant what it holds: its own role, a smaller one, and within its levels", async () => {
    const k = ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd({ roles: ["Access Manager", "Small"], security_level: "standard" }),
        as(),
      ),
    ).reply;
    ok(await admin("PUT", `/platform/iam/v1/api-key/${k.id}`, rd({ roles: ["Small"] }), as()));
    ok(
      await admin(
        "POST",
        "/platform/iam/v1/role",
        rd({
          pretty_name: "Readers",
          components: { public_api: "view", access_management: "view" },
        }),
        as(),
      ),
      201,
    );
    ok(await admin("PATCH", `/platform/iam/v1/user/${email}`, rd({ role_id: "Readers" }), as()));
    ok(
      await admin(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "user-group", principal_id: groupId, role: "Readers" }),
        as(),
      ),
      201,
    );
    ok(
      await admin(
        "PUT",
        "/platform/iam/v1/role/small",
        rd({ description: "dashboards, read only" }),
        as(),
      ),
    );
    ok(
      await admin("PATCH", `/platform/iam/v1/user/${email}`, rd({ user_groups: [groupId] }), as()),
    );
    ok(
      await admin(
        "PATCH",
        `/platform/iam/v1/user-group/${groupId}`,
        rd({ users: [email], description: "small ones" }),
        as(),
      ),
    );
    // (Taking members out of a bigger group is not a grant, but it acts on the group: acting.test.ts.)
  });

  it("does not count a role it holds only through a binding as a ceiling it lacks", async () => {
    // A binding adds to the key's effective permissions, and so to its ceiling.
    const k = await t.createKey({ roles: ["Access Manager"] });
    ok(
      await admin(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(k.id), role: "Big" }),
      ),
      201,
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd({ roles: ["Big"], security_level: "standard" }),
        { as: k },
      ),
    );
  });

  it("lets nobody edit or delete a predefined role, not even an administrator", async () => {
    assertError(
      "/platform/iam",
      await admin("PUT", "/platform/iam/v1/role/viewer", rd({ description: "x" })),
      403,
      "READ_ONLY",
      "predefined",
    );
    assertError(
      "/platform/iam",
      await admin("DELETE", "/platform/iam/v1/role/instance_administrator"),
      403,
      "READ_ONLY",
      "predefined",
    );
  });
});

describe("scope ceiling (SBAC on)", () => {
  let t: TestServer;
  let admin: Caller;
  let scoped: Credential;
  let unscoped: Credential;
  let wideDefId: string;
  let narrowDefId: string;
  const email = "scoped-target@example.com";
  // The attacker's own scope: two endpoint groups, asset group 1, one dataset filtered, tags a and b.
  const mine = {
    endpoints: {
      endpoint_groups: { mode: "scope", names: ["eu-1", "eu-2"] },
      endpoint_tags: { mode: "any" },
    },
    assets: { mode: "scope", asset_group_ids: [1] },
    cases_issues: { mode: "scope", names: ["a", "b"] },
    datasets_rows: {
      default_filter_mode: "no_scope",
      filters: [{ dataset: "xdr_data", filter: "region = 'eu'" }],
    },
  };

  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
    await customRole(admin, "Access Manager", {
      public_api: "view_edit",
      access_management: "view_edit",
      dashboards: "view",
    });
    ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
    scoped = await t.createKey({ roles: ["Access Manager"], scope: mine });
    unscoped = await t.createKey({ roles: ["Access Manager"] });
    ok(await admin("POST", "/platform/iam/v1/user", rd({ user_email: email })), 201);
    wideDefId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/scope-definition",
        rd({ name: "wide", areas: { endpoints: { endpoint_groups: { mode: "see_all" } } } }),
      ),
      201,
    ).data.scope_id;
    narrowDefId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/scope-definition",
        rd({
          name: "narrow",
          areas: { endpoints: { endpoint_groups: { mode: "scope", names: ["eu-1"] } } },
        }),
      ),
      201,
    ).data.scope_id;
  });
  after(() => t.close());

  const gen = (scope: unknown) => ({
    method: "POST",
    path: "/public_api/v1/api_keys/generate",
    input: { roles: ["Access Manager"], security_level: "standard", scope },
  });
  const attempts: Array<{
    name: string;
    as: () => Credential;
    method: string;
    path: () => string;
    input: () => unknown;
    mentions: string;
  }> = [
    {
      name: "generate a key that sees every endpoint group",
      as: () => scoped,
      ...wrap(gen({ ...mine, endpoints: { endpoint_groups: { mode: "see_all" } } })),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with one more endpoint group",
      as: () => scoped,
      ...wrap(
        gen({
          ...mine,
          endpoints: { endpoint_groups: { mode: "scope", names: ["eu-1", "us-1"] } },
        }),
      ),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with another asset group",
      as: () => scoped,
      ...wrap(gen({ assets: { mode: "scope", asset_group_ids: [1, 2] } })),
      mentions: "assets",
    },
    {
      name: "generate a key that also sees untagged cases",
      as: () => scoped,
      ...wrap(
        gen({
          cases_issues: { mode: "scope", names: ["a"], include_cases_issues_empty_entities: true },
        }),
      ),
      mentions: "cases_issues",
    },
    {
      name: "generate a key with 'any' where it has a list",
      as: () => scoped,
      ...wrap(gen({ endpoints: { endpoint_groups: { mode: "any" } } })),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with another row filter",
      as: () => scoped,
      ...wrap(
        gen({
          datasets_rows: {
            default_filter_mode: "no_scope",
            filters: [{ dataset: "xdr_data", filter: "true" }],
          },
        }),
      ),
      mentions: "datasets_rows",
    },
    {
      name: "generate a key that sees every other dataset",
      as: () => scoped,
      ...wrap(gen({ datasets_rows: { default_filter_mode: "see_all" } })),
      mentions: "datasets_rows",
    },
    {
      name: "generate a key with a wider scope definition",
      as: () => scoped,
      ...wrap(gen({ scope_definition_id: "wide" })),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with any scope at all, holding none",
      as: () => unscoped,
      ...wrap(gen({ scope_definition_id: "narrow" })),
      mentions: "it has none",
    },
    {
      name: "widen another key's scope",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/api-key/${unscoped.id}`,
      input: () => ({ assets: { mode: "see_all" } }),
      mentions: "assets",
    },
    {
      name: "widen its own scope",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/api-key/${scoped.id}`,
      input: () => ({ ...mine, assets: { mode: "see_all" } }),
      mentions: "assets",
    },
    {
      name: "point a user at a wider scope definition",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/user/${email}`,
      input: () => ({ scope_definition_id: wideDefId }),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "widen a scope definition that keys use",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope-definition/${narrowDefId}`,
      input: () => ({ areas: { endpoints: { endpoint_groups: { mode: "see_all" } } } }),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "edit (only the description of) a scope definition wider than its own",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope-definition/${wideDefId}`,
      input: () => ({ description: "mine now" }),
      mentions: "endpoints.endpoint_groups",
    },
  ];
  function wrap(a: { method: string; path: string; input: unknown }) {
    return { method: a.method, path: () => a.path, input: () => a.input };
  }

  for (const a of attempts) {
    it(`refuses to ${a.name} (403 PRIVILEGE_ESCALATION)`, async () => {
      const path = a.path();
      assertError(
        path,
        await admin(a.method, path, rd(a.input()), { as: a.as() }),
        403,
        "PRIVILEGE_ESCALATION",
        "wider scope than your key's scope",
        a.mentions,
      );
    });
  }

  it("changed nothing in those attempts", async () => {
    assert.equal(
      ok(await admin("POST", "/public_api/v1/api_keys/get_api_keys", rd({}))).reply.TOTAL_COUNT,
      3,
      "no key was generated",
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/api-key/${unscoped.id}`)).data.has_scope,
      false,
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/api-key/${scoped.id}`)).data.assets.mode,
      "scope",
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/user/${email}`)).data.has_scope,
      false,
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope-definition/${narrowDefId}`)).data.areas
        .endpoints.endpoint_groups.mode,
      "scope",
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope-definition/${wideDefId}`)).data.description,
      null,
    );
  });

  it("lets it give its own scope, a narrower one, or none, and lets administrators give any", async () => {
    ok(
      await admin("POST", "/public_api/v1/api_keys/generate", rd(gen(mine).input), { as: scoped }),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd(
          gen({
            endpoints: {
              endpoint_groups: { mode: "scope", names: ["eu-2"] },
              endpoint_tags: { mode: "scope", names: ["prod"] },
            },
            cases_issues: { mode: "scope", names: ["b"] },
          }).input,
        ),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd(gen({ scope_definition_id: "narrow" }).input),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd({ roles: ["Access Manager"], security_level: "standard" }),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "PUT",
        `/platform/iam/v1/scope/user/${email}`,
        rd({
          datasets_rows: {
            default_filter_mode: "no_scope",
            filters: [{ dataset: "xdr_data", filter: "region = 'eu'" }],
          },
        }),
        { as: scoped },
      ),
    );
    ok(
      await admin("PUT", `/platform/iam/v1/scope/user/${email}`, rd({ clear: true }), {
        as: scoped,
      }),
    );
    ok(
      await admin(
        "PUT",
        `/platform/iam/v1/scope-definition/${narrowDefId}`,
        rd({ description: "eu-1 only" }),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "PUT",
        `/platform/iam/v1/scope/api-key/${unscoped.id}`,
        rd({ scope_definition_id: wideDefId }),
      ),
    );
  });

  it("checks scopes while SBAC is off too, and lets only administrators switch SBAC", async () => {
    // A key with settings edit could otherwise switch SBAC off, widen its scope, switch it on.
    await customRole(admin, "Settings Manager", {
      public_api: "view_edit",
      access_management: "view_edit",
      server_settings: "view_edit",
    });
    const settingsKey = await t.createKey({ roles: ["Settings Manager"], scope: mine });
    const refuseSwitch = async (on: boolean) =>
      assertError(
        "/platform/iam",
        await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: on }), {
          as: settingsKey,
        }),
        403,
        "PRIVILEGE_ESCALATION",
        "sbac_enabled",
        "administrator role",
      );
    await refuseSwitch(false);
    // Other settings stay within its reach; sending the current value is no switch.
    ok(
      await admin(
        "PUT",
        "/platform/iam/v1/settings",
        rd({ sbac_enabled: true, replay_window_ms: 300_000 }),
        { as: settingsKey },
      ),
    );
    ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: false })));
    try {
      await refuseSwitch(true);
      const widen = await admin(
        "PUT",
        `/platform/iam/v1/scope/api-key/${settingsKey.id}`,
        rd({ ...mine, endpoints: { endpoint_groups: { mode: "see_all" } } }),
        { as: settingsKey },
      );
      assertError(
        "/platform/iam",
        widen,
        403,
        "PRIVILEGE_ESCALATION",
        "wider scope than your key's scope",
        "endpoints.endpoint_groups",
      );
      assertError(
        "/public_api",
        await admin(
          "POST",
          "/public_api/v1/api_keys/generate",
          rd(gen({ scope_definition_id: "wide" }).input),
          { as: scoped },
        ),
        403,
        "PRIVILEGE_ESCALATION",
        "wider scope",
      );
      // Administrators still prepare scopes while SBAC is off.
      ok(
        await admin(
          "POST",
          "/public_api/v1/api_keys/generate",
          rd(gen({ scope_definition_id: "wide" }).input),
        ),
      );
    } finally {
      ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
    }
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/api-key/${settingsKey.id}`)).data.endpoints
        .endpoint_groups.mode,
      "scope",
    );
  });
});

describe("scopeExceeds", () => {
  const s = (w: Record<string, unknown>) => canonicalScope(w as ScopeAreasWrite);
  const eg = (mode: string, names?: string[]) =>
    s({ endpoints: { endpoint_groups: { mode, ...(names ? { names } : {}) } } });
  const ci = (names: string[], empty: boolean) =>
    s({ cases_issues: { mode: "scope", names, include_cases_issues_empty_entities: empty } });
  const ds = (mode: string, filters: Array<[string, string]>) =>
    s({
      datasets_rows: {
        default_filter_mode: mode,
        filters: filters.map(([dataset, filter]) => ({ dataset, filter })),
      },
    });
  const cases: Array<[string, CanonicalScope, CanonicalScope, string[]]> = [
    ["nothing within nothing", s({}), s({}), []],
    ["no_scope within anything", eg("no_scope"), eg("scope", ["x"]), []],
    ["see_all within see_all", eg("see_all"), eg("see_all"), []],
    ["see_all over a list", eg("see_all"), eg("scope", ["x"]), ["endpoints.endpoint_groups"]],
    ["see_all over any", eg("see_all"), eg("any"), ["endpoints.endpoint_groups"]],
    ["any within any", eg("any"), eg("any"), []],
    ["any over a list", eg("any"), eg("scope", ["x"]), ["endpoints.endpoint_groups"]],
    ["a list within any", eg("scope", ["x", "y"]), eg("any"), []],
    ["a subset within a list", eg("scope", ["x"]), eg("scope", ["x", "y"]), []],
    [
      "a name more than the list",
      eg("scope", ["x", "z"]),
      eg("scope", ["x", "y"]),
      ["endpoints.endpoint_groups"],
    ],
    ["a list over nothing", eg("scope", ["x"]), s({}), ["endpoints.endpoint_groups"]],
    ["untagged within untagged", ci(["a"], true), ci(["a", "b"], true), []],
    ["untagged over tagged only", ci(["a"], true), ci(["a", "b"], false), ["cases_issues"]],
    ["same filter within", ds("no_scope", [["d", "f"]]), ds("no_scope", [["d", "f"]]), []],
    ["a filter within all rows", ds("no_scope", [["d", "f"]]), ds("see_all", []), []],
    [
      "another filter over a filter",
      ds("no_scope", [["d", "g"]]),
      ds("no_scope", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "all rows over a filter",
      ds("see_all", [["d", "f"]]),
      ds("no_scope", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "every dataset over the filtered one only",
      ds("see_all", []),
      ds("no_scope", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "a filtered dataset over all-but-filtered",
      ds("see_all", []),
      ds("see_all", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "several areas at once",
      s({ assets: { mode: "see_all" }, endpoints: { endpoint_tags: { mode: "any" } } }),
      s({}),
      ["assets", "endpoints.endpoint_tags"],
    ],
  ];
  for (const [name, g, c, want] of cases) {
    it(name, () => assert.deepEqual(scopeExceeds(g, c), want));
  }
});

describe("administrator roles: the scope exemption is a privilege (SBAC on)", () => {
  let t: TestServer;
  let admin: Caller;
  let scoped: Credential;
  let other: Credential;
  let adminGroupId: string;
  let plainGroupId: string;
  const email = "admin-target@example.com";
  const scope = { endpoints: { endpoint_groups: { mode: "scope", names: ["eu-1"] } } };

  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
    // Every component at view_edit, but through a custom role: not an administrator.
    await customRole(
      admin,
      "Everything",
      Object.fromEntries(COMPONENT_NAMES.map((n) => [n, "view_edit"])),
    );
    ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
    scoped = await t.createKey({ roles: ["Everything"], scope });
    other = await t.createKey({ roles: ["Viewer"], scope });
    ok(await admin("POST", "/platform/iam/v1/user", rd({ user_email: email })), 201);
    adminGroupId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Admins", role_id: "instance_administrator" }),
      ),
      201,
    ).data.group_id;
    plainGroupId = ok(
      await admin("POST", "/platform/iam/v1/user-group", rd({ group_name: "Plain" })),
      201,
    ).data.group_id;
  });
  after(() => t.close());

  const attempts: Array<{
    name: string;
    method: string;
    path: () => string;
    input: () => unknown;
  }> = [
    {
      name: "generate an Instance Administrator key",
      method: "POST",
      path: () => "/public_api/v1/api_keys/generate",
      input: () => ({ roles: ["Instance Administrator"], security_level: "standard" }),
    },
    {
      name: "generate an Account Admin key",
      method: "POST",
      path: () => "/public_api/v1/api_keys/generate",
      input: () => ({ roles: ["Everything", "Account Admin"], security_level: "advanced" }),
    },
    {
      name: "edit another key to Instance Administrator",
      method: "PUT",
      path: () => `/platform/iam/v1/api-key/${other.id}`,
      input: () => ({ roles: ["Instance Administrator"] }),
    },
    {
      name: "bind Instance Administrator to itself",
      method: "POST",
      path: () => "/platform/iam/v1/role-binding",
      input: () => ({
        principal_type: "api-key",
        principal_id: String(scoped.id),
        role: "Instance Administrator",
      }),
    },
    {
      name: "bind Account Admin to a group",
      method: "POST",
      path: () => "/platform/iam/v1/role-binding",
      input: () => ({
        principal_type: "user-group",
        principal_id: plainGroupId,
        role: "Account Admin",
      }),
    },
    {
      name: "give a group the Instance Administrator role",
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${plainGroupId}`,
      input: () => ({ role_id: "instance_administrator" }),
    },
    {
      name: "create a group with the Instance Administrator role",
      method: "POST",
      path: () => "/platform/iam/v1/user-group",
      input: () => ({ group_name: "Mine", role_id: "Instance Administrator" }),
    },
    {
      name: "give a user the Instance Administrator role",
      method: "PATCH",
      path: () => `/platform/iam/v1/user/${email}`,
      input: () => ({ role_id: "instance_administrator" }),
    },
    {
      name: "set users' role to Instance Administrator (legacy)",
      method: "POST",
      path: () => "/public_api/v1/rbac/set_user_role",
      input: () => ({ user_emails: [email], role_name: "Instance Administrator" }),
    },
    {
      name: "put a user into a group holding an administrator role",
      method: "PATCH",
      path: () => `/platform/iam/v1/user/${email}`,
      input: () => ({ user_groups: [adminGroupId] }),
    },
    {
      name: "add a member to a group holding an administrator role",
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${adminGroupId}`,
      input: () => ({ users: [email] }),
    },
  ];
  for (const a of attempts) {
    it(`refuses a scoped key with every component to ${a.name} (403 PRIVILEGE_ESCALATION)`, async () => {
      const path = a.path();
      assertError(
        path,
        await admin(a.method, path, rd(a.input()), { as: scoped }),
        403,
        "PRIVILEGE_ESCALATION",
        "would grant more than you hold",
        "administrator role",
      );
    });
  }

  it("changed nothing, and the scoped key still sees only its own endpoint group", async () => {
    assert.equal(
      ok(await admin("POST", "/public_api/v1/api_keys/get_api_keys", rd({}))).reply.TOTAL_COUNT,
      3,
      "no key was generated",
    );
    assert.deepEqual(ok(await admin("GET", `/platform/iam/v1/api-key/${other.id}`)).data.roles, [
      "Viewer",
    ]);
    assert.deepEqual(ok(await admin("GET", `/platform/iam/v1/api-key/${scoped.id}`)).data.roles, [
      "Everything",
    ]);
    assert.equal(ok(await admin("GET", `/platform/iam/v1/user/${email}`)).data.role_name, null);
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/user-group/${plainGroupId}`)).data.pretty_role_name,
      null,
    );
    assert.deepEqual(
      ok(await admin("GET", `/platform/iam/v1/user-group/${adminGroupId}`)).data.users,
      [],
    );
    const v = ok(
      await admin(
        "POST",
        "/public_api/v1/auth/verify",
        rd({
          headers: { "x-xdr-auth-id": String(scoped.id), authorization: scoped.key },
          resource: { endpoint_groups: ["us-1"] },
        }),
      ),
    ).reply;
    assert.equal(v.valid, false);
    assert.equal(v.reason, "OUT_OF_SCOPE");
  });

  it("lets an administrator grant administrator roles", async () => {
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd({ roles: ["Instance Administrator"], security_level: "standard" }),
      ),
    );
    ok(await admin("PATCH", `/platform/iam/v1/user/${email}`, rd({ user_groups: [adminGroupId] })));
  });
});
