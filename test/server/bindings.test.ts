/**
 * Role bindings as objects (extension): create, get, list with filters, delete. Rows owned by a
 * key (its `roles`), a user's or a group's direct role cannot be deleted through this API, so
 * that no two IaC resources ever manage the same row.
 */
import * as assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertError, inProcess, ok, rd, type Caller } from "./support";

describe("role bindings", () => {
  let t: TestServer;
  let call: Caller;
  let groupId: string;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    call = inProcess(t);
    ok(
      await call(
        "POST",
        "/platform/iam/v1/user",
        rd({ user_email: "bob@example.com", role_id: "Viewer" }),
      ),
      201,
    );
    groupId = ok(
      await call(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Ops", role_id: "Investigator" }),
      ),
      201,
    ).data.group_id;
  });
  after(() => t.close());

  it("binds a role to an API key (201) and the key holds it at once", async () => {
    const k = await t.createKey({ roles: ["Viewer"] });
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/settings", undefined, { as: k }),
      403,
      "FORBIDDEN",
    );
    const b = ok(
      await call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: k.id, role: "Security Admin" }),
      ),
      201,
    ).data;
    assert.match(b.binding_id, /^rb-/);
    assert.equal(b.principal_type, "api-key");
    assert.equal(b.principal_id, String(k.id));
    assert.equal(b.role_id, "security_admin");
    assert.equal(b.role_name, "Security Admin");
    assert.equal(b.owner, "binding");
    assert.equal(b.created_by, `Public API - ${t.admin.id}`);
    assert.equal(b.created_ts, t.clock.now());
    ok(await call("GET", "/platform/iam/v1/settings", undefined, { as: k }));
    // The key's own roles (what generate gave it) do not list bindings made elsewhere.
    assert.deepEqual(ok(await call("GET", `/platform/iam/v1/api-key/${k.id}`)).data.roles, [
      "Viewer",
    ]);
    // Removing the binding takes the permission away at once.
    ok(await call("DELETE", `/platform/iam/v1/role-binding/${b.binding_id}`));
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/settings", undefined, { as: k }),
      403,
      "FORBIDDEN",
    );
  });

  it("binds roles to users (by email, any case) and groups", async () => {
    const u = ok(
      await call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "user", principal_id: "BOB@example.com", role: "investigator" }),
      ),
      201,
    ).data;
    assert.equal(u.principal_id, "bob@example.com");
    const g = ok(
      await call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "user-group", principal_id: groupId, role: "Key Verifier" }),
      ),
      201,
    ).data;
    assert.equal(g.role_name, "Key Verifier");
    assert.deepEqual(
      ok(await call("GET", `/platform/iam/v1/role-binding/${u.binding_id}`)).data,
      u,
    );
  });

  it("refuses the same principal and role twice through this API (409)", async () => {
    const res = await call(
      "POST",
      "/platform/iam/v1/role-binding",
      rd({ principal_type: "user", principal_id: "bob@example.com", role: "Investigator" }),
    );
    assertError("/platform/iam", res, 409, "CONFLICT", "already holds role 'Investigator'");
  });

  it("lists bindings of every owner, filtered by principal and role, paged", async () => {
    const all = ok(await call("GET", "/platform/iam/v1/role-binding"));
    assert.equal(all.metadata.total_count, all.data.length);
    const owners = new Set(all.data.map((b: { owner: string }) => b.owner));
    assert.deepEqual([...owners].sort(), ["api-key", "binding", "user", "user-group"]);
    const bob = ok(
      await call(
        "GET",
        "/platform/iam/v1/role-binding?principal_type=user&principal_id=Bob@Example.com",
      ),
    ).data;
    assert.deepEqual(
      bob.map((b: { role_id: string; owner: string }) => `${b.role_id}/${b.owner}`).sort(),
      ["investigator/binding", "viewer/user"],
    );
    const inv = ok(await call("GET", "/platform/iam/v1/role-binding?role_id=investigator")).data;
    assert.ok(inv.every((b: { role_id: string }) => b.role_id === "investigator"));
    assert.equal(inv.length, 2, "bob's binding and the group's direct role");
    const page = ok(await call("GET", "/platform/iam/v1/role-binding?search_from=1&search_to=2"));
    assert.equal(page.data.length, 1);
    assert.deepEqual(page.data[0], all.data[1]);
    assert.equal(page.metadata.total_count, all.metadata.total_count);
  });

  it("refuses to delete a key's own role binding: it belongs to the key (403 READ_ONLY)", async () => {
    const k = await t.createKey({ roles: ["Viewer", "Investigator"] });
    const rows = ok(
      await call(
        "GET",
        `/platform/iam/v1/role-binding?principal_type=api-key&principal_id=${k.id}`,
      ),
    ).data;
    assert.equal(rows.length, 2);
    for (const b of rows) {
      assert.equal(b.owner, "api-key");
      const res = await call("DELETE", `/platform/iam/v1/role-binding/${b.binding_id}`);
      assertError(
        "/platform/iam",
        res,
        403,
        "READ_ONLY",
        `belongs to api-key ${k.id}`,
        "edit the roles of API key",
      );
    }
    assert.deepEqual(ok(await call("GET", `/platform/iam/v1/api-key/${k.id}`)).data.roles, [
      "Investigator",
      "Viewer",
    ]);
  });

  it("refuses to delete a user's or a group's direct role binding (403 READ_ONLY)", async () => {
    for (const [type, id] of [
      ["user", "bob@example.com"],
      ["user-group", groupId],
    ] as const) {
      const row = ok(
        await call(
          "GET",
          `/platform/iam/v1/role-binding?principal_type=${type}&principal_id=${encodeURIComponent(id)}`,
        ),
      ).data.find((b: { owner: string }) => b.owner === type);
      assert.ok(row, type);
      assertError(
        "/platform/iam",
        await call("DELETE", `/platform/iam/v1/role-binding/${row.binding_id}`),
        403,
        "READ_ONLY",
        `belongs to ${type}`,
      );
    }
  });

  it("keeps a key's own roles when a binding of the same role is added and removed", async () => {
    const k = await t.createKey({ roles: ["Investigator"] });
    const b = ok(
      await call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(k.id), role: "Investigator" }),
      ),
      201,
    ).data;
    ok(await call("DELETE", `/platform/iam/v1/role-binding/${b.binding_id}`));
    const v = ok(
      await call(
        "POST",
        "/public_api/v1/auth/verify",
        rd({
          headers: { "x-xdr-auth-id": String(k.id), authorization: k.key },
          permission: { component: "cases_issues", level: "view_edit" },
        }),
      ),
    ).reply;
    assert.equal(v.valid, true);
  });

  it("answers 404 for an unknown binding on get and delete", async () => {
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/role-binding/rb-nope"),
      404,
      "NOT_FOUND",
    );
    assertError(
      "/platform/iam",
      await call("DELETE", "/platform/iam/v1/role-binding/rb-nope"),
      404,
      "NOT_FOUND",
    );
  });

  it("goes away with its principal", async () => {
    const k = await t.createKey();
    ok(
      await call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(k.id), role: "Investigator" }),
      ),
      201,
    );
    ok(await call("DELETE", `/platform/iam/v1/user-group/${groupId}`));
    ok(
      await call(
        "POST",
        "/public_api/v1/api_keys/delete",
        rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
      ),
    );
    assert.deepEqual(
      ok(
        await call(
          "GET",
          `/platform/iam/v1/role-binding?principal_type=api-key&principal_id=${k.id}`,
        ),
      ).data,
      [],
    );
    assert.deepEqual(
      ok(
        await call(
          "GET",
          `/platform/iam/v1/role-binding?principal_type=user-group&principal_id=${groupId}`,
        ),
      ).data,
      [],
    );
  });
});
