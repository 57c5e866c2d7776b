/**
 * Administrator roles (SBAC on): being exempt from scopes is itself a privilege, so a scoped key
 * can grant an administrator role to nothing, by any route, even holding every component.
 */
import * as assert from "node:assert/strict";
import { COMPONENT_NAMES } from "../../../sdk/contract";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import { assertError, customRole, inProcess, ok, rd, type Caller } from "../support";

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
