/**
 * Roles: the predefined (read-only) ones, custom role CRUD (both permission spellings), the
 * permission config, and the legacy `rbac/get_roles`.
 */
import * as assert from "node:assert/strict";
import { COMPONENT_NAMES } from "../../sdk/contract";
import { PREDEFINED_ROLES } from "../../server/authz/roles";
import type { TestServer } from "../helpers/server";
import { assertError, ok, rd, type Caller, inProcessServer } from "./support";

describe("roles", () => {
  let t: TestServer;
  let call: Caller;
  inProcessServer((server, caller) => ((t = server), (call = caller)));

  it("lists every predefined role, read-only, with its permissions", async () => {
    const res = ok(await call("GET", "/platform/iam/v1/role"));
    const byId = new Map(res.data.map((r: { role_id: string }) => [r.role_id, r]));
    for (const p of PREDEFINED_ROLES) {
      const r = byId.get(p.roleId) as any;
      assert.ok(r, `missing ${p.roleId}`);
      assert.equal(r.pretty_name, p.prettyName);
      assert.equal(r.is_custom, false);
      assert.deepEqual(r.components, p.components);
    }
    for (const name of [
      "Instance Administrator",
      "Account Admin",
      "Security Admin",
      "Investigator",
      "Privileged Responder",
      "Viewer",
    ]) {
      assert.ok(
        res.data.some((r: { pretty_name: string }) => r.pretty_name === name),
        name,
      );
    }
    assert.equal(res.metadata.total_count, res.data.length);
  });

  it("creates a custom role from component levels (201, the id in the message as in the reference)", async () => {
    const res = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({
          pretty_name: "Key Auditor",
          description: "reads keys",
          components: { public_api: "view", audit: "view", dashboards: "none" },
        }),
      ),
      201,
    );
    assert.equal(res.data.role_id, "key_auditor");
    assert.equal(res.data.message, "role_id key_auditor created successfully.");
    const r = ok(await call("GET", "/platform/iam/v1/role/key_auditor")).data;
    assert.deepEqual(r.components, { public_api: "view", audit: "view" });
    assert.deepEqual(r.component_permissions, ["public_api_view", "audit_view"]);
    assert.equal(r.is_custom, true);
    assert.equal(r.created_by, `Public API - ${t.admin.id}`);
    assert.equal(r.created_ts, t.clock.now());
  });

  it("creates a custom role from the reference's permission names (an action implies its view)", async () => {
    const res = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({
          pretty_name: "Responder 2",
          component_permissions: ["response_action", "endpoints_view"],
        }),
      ),
      201,
    );
    const r = ok(await call("GET", `/platform/iam/v1/role/${res.data.role_id}`)).data;
    assert.deepEqual(r.components, { endpoints: "view", response: "view_edit" });
  });

  it("finds a role by id or by display name, in any case", async () => {
    assert.equal(
      ok(await call("GET", "/platform/iam/v1/role/KEY%20AUDITOR")).data.role_id,
      "key_auditor",
    );
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/role/nothing"),
      404,
      "NOT_FOUND",
      "does not exist",
    );
  });

  it("refuses a name in use, in any case, with the reference's 400 and text", async () => {
    assertError(
      "/platform/iam",
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "key auditor", components: { audit: "view" } }),
      ),
      400,
      "INVALID_INPUT",
      "The role name key auditor is already utilized by another role.",
    );
    assertError(
      "/platform/iam",
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "Viewer", components: { audit: "view" } }),
      ),
      400,
      "INVALID_INPUT",
      "request_data.pretty_name",
    );
  });

  it("gives a role whose slug is taken a distinct id", async () => {
    const a = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "Ops!", components: { audit: "view" } }),
      ),
      201,
    ).data.role_id;
    const b = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "Ops?", components: { audit: "view" } }),
      ),
      201,
    ).data.role_id;
    assert.equal(a, "ops");
    assert.notEqual(a, b);
    assert.match(b, /^ops_/);
  });

  it("updates a custom role: rename, description, permissions (and keys holding it follow at once)", async () => {
    const k = await t.createKey({ roles: ["Key Auditor"] });
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/settings", undefined, { as: k }),
      403,
      "FORBIDDEN",
    );
    t.fake!.advance(1000);
    ok(
      await call(
        "PUT",
        "/platform/iam/v1/role/key_auditor",
        rd({
          pretty_name: "Key and Audit Reader",
          description: null,
          components: { public_api: "view", audit: "view", server_settings: "view" },
        }),
      ),
    );
    const r = ok(await call("GET", "/platform/iam/v1/role/key_auditor")).data;
    assert.equal(r.pretty_name, "Key and Audit Reader");
    assert.equal(r.description, null);
    assert.equal(r.updated_ts, t.clock.now());
    assert.deepEqual(r.components, { public_api: "view", server_settings: "view", audit: "view" });
    ok(await call("GET", "/platform/iam/v1/settings", undefined, { as: k }));
    // The key lists the new name.
    assert.deepEqual(ok(await call("GET", `/platform/iam/v1/api-key/${k.id}`)).data.roles, [
      "Key and Audit Reader",
    ]);
    const sorted = ok(
      await call(
        "POST",
        "/public_api/v1/api_keys/get_api_keys",
        rd({
          filters: [{ field: "roles", operator: "contains", value: ["key and audit reader"] }],
        }),
      ),
    ).reply;
    assert.deepEqual(
      sorted.DATA.map((x: { id: number }) => x.id),
      [k.id],
    );
  });

  it("refuses to rename a role onto another's name (400, as the reference)", async () => {
    assertError(
      "/platform/iam",
      await call("PUT", "/platform/iam/v1/role/key_auditor", rd({ pretty_name: "Responder 2" })),
      400,
      "INVALID_INPUT",
      "already utilized",
    );
  });

  it("keeps predefined roles read-only (403 READ_ONLY)", async () => {
    for (const p of PREDEFINED_ROLES) {
      assertError(
        "/platform/iam",
        await call("PUT", `/platform/iam/v1/role/${p.roleId}`, rd({ description: "x" })),
        403,
        "READ_ONLY",
        "predefined",
      );
      assertError(
        "/platform/iam",
        await call("DELETE", `/platform/iam/v1/role/${p.roleId}`),
        403,
        "READ_ONLY",
      );
    }
  });

  it("refuses to delete a role still bound to something (409 IN_USE, naming the holders), then deletes it", async () => {
    const id = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "Temp", components: { audit: "view" } }),
      ),
      201,
    ).data.role_id;
    const k = await t.createKey({ roles: ["Temp"] });
    assertError(
      "/platform/iam",
      await call("DELETE", `/platform/iam/v1/role/${id}`),
      409,
      "IN_USE",
      `api-key ${k.id}`,
    );
    ok(
      await call(
        "POST",
        "/public_api/v1/api_keys/delete",
        rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
      ),
    );
    assert.deepEqual(ok(await call("DELETE", `/platform/iam/v1/role/${id}`)), {
      data: { message: `role_id ${id} deleted successfully.` },
    });
    assertError(
      "/platform/iam",
      await call("DELETE", `/platform/iam/v1/role/${id}`),
      404,
      "NOT_FOUND",
    );
    assertError(
      "/public_api",
      await call(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd({ roles: ["Temp"], security_level: "standard" }),
      ),
      400,
      "UNKNOWN_ROLE",
    );
  });

  it("pages the role list", async () => {
    const all = ok(await call("GET", "/platform/iam/v1/role")).data;
    const page = ok(await call("GET", "/platform/iam/v1/role?search_from=2&search_to=4")).data;
    assert.deepEqual(
      page.map((r: { role_id: string }) => r.role_id),
      all.slice(2, 4).map((r: { role_id: string }) => r.role_id),
    );
  });

  it("describes every component in the permission config, with view and action names", async () => {
    const res = ok(await call("GET", "/platform/iam/v1/role/permission-config")).data;
    const perms = res.rbac_permissions.flatMap((c: any) =>
      c.sub_categories.flatMap((s: any) => s.permissions),
    );
    assert.deepEqual(
      perms.map((p: { name: string }) => p.name).sort(),
      [...COMPONENT_NAMES].sort(),
    );
    for (const p of perms) {
      assert.equal(p.view_name, `${p.name}_view`);
      assert.equal(p.action_name, `${p.name}_action`);
    }
    assert.ok(Array.isArray(res.datasetGroups));
  });

  it("answers the legacy rbac/get_roles with one inner list per name asked", async () => {
    ok(
      await call(
        "POST",
        "/platform/iam/v1/user",
        rd({ user_email: "ann@example.com", role_id: "Investigator" }),
      ),
      201,
    );
    ok(
      await call(
        "POST",
        "/platform/iam/v1/user-group",
        rd({ group_name: "Investigators", role_id: "investigator" }),
      ),
      201,
    );
    const res = ok(
      await call(
        "POST",
        "/public_api/v1/rbac/get_roles",
        rd({ role_names: ["Investigator", "viewer"] }),
      ),
    );
    assert.equal(res.reply.length, 2);
    const [inv, viewer] = res.reply;
    assert.equal(inv.length, 1);
    assert.equal(inv[0].pretty_name, "Investigator");
    assert.deepEqual(inv[0].users, ["ann@example.com"]);
    assert.deepEqual(inv[0].groups, ["Investigators"]);
    assert.ok(inv[0].permissions.includes("cases_issues_action"));
    assert.equal(viewer[0].pretty_name, "Viewer");
    for (const f of [
      "pretty_name",
      "permissions",
      "insert_time",
      "update_time",
      "created_by",
      "description",
      "groups",
      "users",
    ])
      assert.ok(f in inv[0], f);
  });

  it("refuses rbac/get_roles for a name it does not know, in the reference's words (the XSOAR integration shows that error)", async () => {
    const e = assertError(
      "/public_api",
      await call(
        "POST",
        "/public_api/v1/rbac/get_roles",
        rd({ role_names: ["Investigator", "No Such Role"] }),
      ),
      400,
      "INVALID_INPUT",
      "Role 'No Such Role' was not found",
    );
    assert.equal(e.extra[0].field, "request_data.role_names.1");
    // The XSOAR integration's enrichment pattern finds the name in the error text.
    assert.match(e.msg, /(id|Group|Role) '([/A-Za-z 0-9_]+)'/);
  });
});
