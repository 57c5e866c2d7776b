/**
 * The privilege ceiling: a key may never grant more than it holds — not to a key it generates or
 * edits, not through a custom role it creates or edits, not through a binding, and not as a
 * user's or a group's role. Each attempt is a 403 PRIVILEGE_ESCALATION naming the components,
 * and nothing changes. (With SBAC on, the same holds for scopes: scopeCeiling.test.ts.)
 */
import * as assert from "node:assert/strict";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import { assertError, customRole, inProcess, ok, rd, type Caller } from "../support";

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
