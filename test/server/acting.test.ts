/**
 * Acting on principals: editing, revoking, deleting, retiring or shortening a key, removing a
 * binding, editing or deleting a user or a group, or setting its scope, needs at least the
 * privileges of the principal acted on. And no call removes the last administrator.
 */
import * as assert from "node:assert/strict";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { assertError, customRole, DAY, inProcess, ok, rd, type Caller } from "./support";

describe("acting on principals needs their privileges", () => {
  let t: TestServer;
  let admin: Caller;
  let secAdmin: Credential;
  let accessMgr: Credential;
  let bigKey: Credential;
  let adminGroupId: string;
  let bigBindingId: string;
  let otherKey: Credential;
  const bigUser = "big@example.com";

  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
    await customRole(admin, "Access Manager", {
      public_api: "view_edit",
      access_management: "view_edit",
    });
    await customRole(admin, "Big", {
      response: "view_edit",
      public_api: "view_edit",
      access_management: "view_edit",
    });
    secAdmin = await t.createKey({ roles: ["Security Admin"] });
    accessMgr = await t.createKey({ roles: ["Access Manager"] });
    bigKey = await t.createKey({ roles: ["Instance Administrator"] });
    adminGroupId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Admins", role_id: "instance_administrator" }),
      ),
      201,
    ).data.group_id;
    ok(
      await admin("POST", "/platform/iam/v1/user", rd({ user_email: bigUser, role_id: "Big" })),
      201,
    );
    otherKey = await t.createKey({ roles: ["Viewer"] });
    bigBindingId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(otherKey.id), role: "Big" }),
      ),
      201,
    ).data.binding_id;
  });
  after(() => t.close());

  const cases: Array<{
    name: string;
    as: () => Credential;
    method: string;
    path: () => string;
    input?: () => unknown;
    mentions: string;
  }> = [
    {
      name: "a Security Admin key demotes an Instance Administrator key",
      as: () => secAdmin,
      method: "PUT",
      path: () => `/platform/iam/v1/api-key/${bigKey.id}`,
      input: () => ({ roles: ["Viewer"] }),
      mentions: "administrator role",
    },
    {
      name: "a Security Admin key shortens an Instance Administrator key",
      as: () => secAdmin,
      method: "PUT",
      path: () => `/platform/iam/v1/api-key/${bigKey.id}`,
      input: () => ({ expiration: t.clock.now() + DAY }),
      mentions: "administrator role",
    },
    {
      name: "a Security Admin key revokes an Instance Administrator key",
      as: () => secAdmin,
      method: "POST",
      path: () => "/public_api/v1/api_keys/revoke",
      input: () => ({ filters: [{ field: "id", operator: "in", value: [bigKey.id] }] }),
      mentions: "administrator role",
    },
    {
      name: "a Security Admin key deletes the bootstrap admin key",
      as: () => secAdmin,
      method: "POST",
      path: () => "/public_api/v1/api_keys/delete",
      input: () => ({ filters: [{ field: "id", operator: "in", value: [t.admin.id] }] }),
      mentions: "administrator role",
    },
    {
      name: "a Security Admin key retires an Instance Administrator key",
      as: () => secAdmin,
      method: "POST",
      path: () => "/public_api/v1/api_keys/retire",
      input: () => ({ id: bigKey.id, expiration: t.clock.now() + 60_000 }),
      mentions: "administrator role",
    },
    {
      name: "an access manager deletes the admin group",
      as: () => accessMgr,
      method: "DELETE",
      path: () => `/platform/iam/v1/user-group/${adminGroupId}`,
      mentions: "administrator role",
    },
    {
      name: "an access manager edits the admin group",
      as: () => accessMgr,
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${adminGroupId}`,
      input: () => ({ role_id: "" }),
      mentions: "administrator role",
    },
    {
      name: "an access manager removes a binding of a role above its own",
      as: () => accessMgr,
      method: "DELETE",
      path: () => `/platform/iam/v1/role-binding/${bigBindingId}`,
      mentions: "response",
    },
    {
      name: "an access manager deletes a user with a bigger role",
      as: () => accessMgr,
      method: "DELETE",
      path: () => `/platform/iam/v1/user/${bigUser}`,
      mentions: "response",
    },
    {
      name: "an access manager takes members out of a group bigger than itself",
      as: () => accessMgr,
      method: "PATCH",
      path: () => `/platform/iam/v1/user-group/${adminGroupId}`,
      input: () => ({ users: [] }),
      mentions: "administrator role",
    },
    {
      name: "an access manager sets the scope of an Instance Administrator key",
      as: () => accessMgr,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/api-key/${bigKey.id}`,
      input: () => ({ clear: true }),
      mentions: "administrator role",
    },
  ];
  for (const a of cases) {
    it(`refuses when ${a.name} (403 PRIVILEGE_ESCALATION)`, async () => {
      const path = a.path();
      const res = await admin(a.method, path, a.input ? rd(a.input()) : undefined, { as: a.as() });
      assertError(
        path,
        res,
        403,
        "PRIVILEGE_ESCALATION",
        "needs at least the privileges of",
        a.mentions,
      );
    });
  }

  it("changed nothing in those attempts", async () => {
    const k = ok(await admin("GET", `/platform/iam/v1/api-key/${bigKey.id}`)).data;
    assert.deepEqual(k.roles, ["Instance Administrator"]);
    assert.equal(k.status, "active");
    assert.equal(k.retiring, false);
    assert.ok(ok(await admin("GET", `/platform/iam/v1/api-key/${t.admin.id}`)).data);
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/user-group/${adminGroupId}`)).data.pretty_role_name,
      "Instance Administrator",
    );
    assert.ok(ok(await admin("GET", `/platform/iam/v1/role-binding/${bigBindingId}`)).data);
    assert.equal(ok(await admin("GET", `/platform/iam/v1/user/${bigUser}`)).data.role_name, "Big");
  });

  it("lets a key act on principals it covers, and on itself", async () => {
    const small = await t.createKey({ roles: ["Viewer"] });
    ok(
      await admin("PUT", `/platform/iam/v1/api-key/${small.id}`, rd({ comment: "mine" }), {
        as: secAdmin,
      }),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({ filters: [{ field: "id", operator: "in", value: [small.id] }] }),
        { as: secAdmin },
      ),
    );
    ok(
      await admin("PUT", `/platform/iam/v1/api-key/${secAdmin.id}`, rd({ comment: "me" }), {
        as: secAdmin,
      }),
    );
    ok(await admin("DELETE", `/platform/iam/v1/role-binding/${bigBindingId}`), 200);
  });
});

describe("the last administrator", () => {
  let t: TestServer;
  let admin: Caller;

  beforeEach(async () => {
    t = await startTestServer();
    admin = inProcess(t);
  });
  afterEach(() => t.close());

  const byId = (id: number) => ({ filters: [{ field: "id", operator: "in", value: [id] }] });

  it("cannot be deleted, revoked, retired or demoted, even by itself", async () => {
    const attempts: Array<[string, string, unknown]> = [
      ["POST", "/public_api/v1/api_keys/delete", byId(t.admin.id)],
      ["POST", "/public_api/v1/api_keys/revoke", byId(t.admin.id)],
      [
        "POST",
        "/public_api/v1/api_keys/retire",
        { id: t.admin.id, expiration: t.clock.now() + 60_000 },
      ],
      ["PUT", `/platform/iam/v1/api-key/${t.admin.id}`, { roles: ["Security Admin"] }],
    ];
    for (const [m, p, b] of attempts)
      assertError(
        p,
        await admin(m, p, rd(b)),
        409,
        "CONFLICT",
        "no active API key or user holding an administrator role",
      );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/api-key/${t.admin.id}`)).data.status,
      "active",
    );
  });

  it("can go once another key or a user holds an administrator role", async () => {
    const next = await t.createKey({ roles: ["Account Admin"] });
    ok(
      await admin(
        "POST",
        "/platform/iam/v1/user",
        rd({ user_email: "boss@example.com", role_id: "instance_administrator" }),
      ),
      201,
    );
    ok(await admin("POST", "/public_api/v1/api_keys/revoke", rd(byId(t.admin.id))));
    ok(await admin("DELETE", "/platform/iam/v1/user/boss@example.com", undefined, { as: next }));
    assertError(
      "/public_api",
      await admin("POST", "/public_api/v1/api_keys/delete", rd(byId(next.id)), { as: next }),
      409,
      "CONFLICT",
      "administrator role",
    );
  });

  it("counts users in administrator groups, and refuses to take the last one out", async () => {
    ok(await admin("POST", "/platform/iam/v1/user", rd({ user_email: "a@example.com" })), 201);
    const gid = ok(
      await admin(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Admins", role_id: "Instance Administrator", users: ["a@example.com"] }),
      ),
      201,
    ).data.group_id;
    // A retiring key no longer counts: the user in the group is now the last administrator.
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/retire",
        rd({ id: t.admin.id, expiration: t.clock.now() + 3_600_000 }),
      ),
    );
    const attempts: Array<[string, string, unknown]> = [
      ["DELETE", `/platform/iam/v1/user-group/${gid}`, undefined],
      ["PATCH", `/platform/iam/v1/user-group/${gid}`, rd({ users: [] })],
      ["PATCH", `/platform/iam/v1/user-group/${gid}`, rd({ role_id: "Viewer" })],
      ["DELETE", "/platform/iam/v1/user/a@example.com", undefined],
      ["PATCH", "/platform/iam/v1/user/a@example.com", rd({ user_groups: [] })],
      ["PATCH", "/platform/iam/v1/user/a@example.com", rd({ status: "Inactive" })],
    ];
    for (const [m, p, b] of attempts)
      assertError(
        p,
        await admin(m, p, b),
        409,
        "CONFLICT",
        "no active API key or user holding an administrator role",
      );
    assert.deepEqual(ok(await admin("GET", `/platform/iam/v1/user-group/${gid}`)).data.users, [
      "a@example.com",
    ]);
    // Another holder lifts the guard.
    ok(
      await admin(
        "POST",
        "/platform/iam/v1/user",
        rd({ user_email: "b@example.com", role_id: "instance_administrator" }),
      ),
      201,
    );
    ok(await admin("DELETE", `/platform/iam/v1/user-group/${gid}`));
  });
});

describe("acting on a revoked key", () => {
  let t: TestServer;
  let admin: Caller;
  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
  });
  after(() => t.close());

  it("lets a lower key delete a revoked administrator key: it holds nothing any more", async () => {
    const big = await t.createKey({ roles: ["Instance Administrator"] });
    const sec = await t.createKey({ roles: ["Security Admin"] });
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({ filters: [{ field: "id", operator: "in", value: [big.id] }] }),
      ),
    );
    assert.equal(
      ok(
        await admin(
          "POST",
          "/public_api/v1/api_keys/delete",
          rd({ filters: [{ field: "id", operator: "in", value: [big.id] }] }),
          { as: sec },
        ),
      ).reply.update_count,
      1,
    );
  });
});
