/**
 * Users and user groups: CRUD, nested groups, effective permissions (the union over direct
 * roles, bindings and groups, nested ones included) in GET user. (The legacy rbac calls are in
 * legacy.test.ts.)
 */
import * as assert from "node:assert/strict";
import { assertError, getUser, ok, rd, type Caller, inProcessServer } from "../support";

describe("users and user groups", () => {
  let call: Caller;
  inProcessServer((_server, caller) => (call = caller));

  const user = (email: string) => getUser(call, email);

  describe("users", () => {
    it("creates a user (201) and reads it back in the reference's shape", async () => {
      const res = ok(
        await call(
          "POST",
          "/platform/iam/v1/user",
          rd({
            user_email: "Ann.Lee@Example.com",
            user_first_name: "Ann",
            user_last_name: "Lee",
            phone_number: "+1 555",
            role_id: "Viewer",
          }),
        ),
        201,
      );
      assert.equal(res.data.message, "User created successfully");
      const u = await user("ann.lee@example.com");
      assert.equal(
        u.user_email,
        "ann.lee@example.com",
        "emails are case-insensitive and kept in lower case",
      );
      assert.equal(u.user_first_name, "Ann");
      assert.equal(u.user_last_name, "Lee");
      assert.equal(u.phone_number, "+1 555");
      assert.equal(u.role_name, "Viewer");
      assert.equal(u.role_id, "viewer");
      assert.equal(u.status, "Active");
      assert.equal(u.is_hidden, false);
      assert.equal(u.last_logged_in, null);
      assert.deepEqual(u.groups, []);
      for (const f of [
        "user_email",
        "user_first_name",
        "user_last_name",
        "phone_number",
        "role_name",
        "status",
        "last_logged_in",
        "is_hidden",
        "user_type",
        "groups",
      ])
        assert.ok(f in u, f);
      assert.deepEqual(u.effective_roles, ["Viewer"]);
    });

    it("finds a user by email in any case", async () => {
      assert.equal((await user("ANN.LEE@example.com")).user_first_name, "Ann");
    });

    it("refuses a second user with the same email (409)", async () => {
      assertError(
        "/platform/iam",
        await call("POST", "/platform/iam/v1/user", rd({ user_email: "ann.lee@example.com" })),
        409,
        "CONFLICT",
      );
    });

    it('patches names, status, hidden flag and direct role; role_id "" removes the role', async () => {
      ok(
        await call(
          "PATCH",
          "/platform/iam/v1/user/ann.lee@example.com",
          rd({
            user_first_name: "Annie",
            status: "Inactive",
            is_hidden: true,
            role_id: "investigator",
          }),
        ),
      );
      let u = await user("ann.lee@example.com");
      assert.equal(u.user_first_name, "Annie");
      assert.equal(u.user_last_name, "Lee", "fields not sent stay");
      assert.equal(u.status, "Inactive");
      assert.equal(u.is_hidden, true);
      assert.equal(u.role_name, "Investigator");
      ok(await call("PATCH", "/platform/iam/v1/user/ann.lee@example.com", rd({ role_id: "" })));
      u = await user("ann.lee@example.com");
      assert.equal(u.role_name, null);
      assert.deepEqual(u.effective_permissions, {});
    });

    it("answers 404 for an unknown user on get, patch and delete", async () => {
      assertError(
        "/platform/iam",
        await call("GET", "/platform/iam/v1/user/ghost@example.com"),
        404,
        "NOT_FOUND",
      );
      assertError(
        "/platform/iam",
        await call("PATCH", "/platform/iam/v1/user/ghost@example.com", rd({ status: "Active" })),
        404,
        "NOT_FOUND",
      );
      assertError(
        "/platform/iam",
        await call("DELETE", "/platform/iam/v1/user/ghost@example.com"),
        404,
        "NOT_FOUND",
      );
    });

    it("lists users with paging and a total", async () => {
      for (const e of ["b@example.com", "c@example.com", "d@example.com"])
        ok(await call("POST", "/platform/iam/v1/user", rd({ user_email: e })), 201);
      const all = ok(await call("GET", "/platform/iam/v1/user"));
      assert.equal(all.metadata.total_count, 4);
      assert.deepEqual(
        all.data.map((u: { user_email: string }) => u.user_email),
        ["ann.lee@example.com", "b@example.com", "c@example.com", "d@example.com"],
      );
      const page = ok(await call("GET", "/platform/iam/v1/user?search_from=1&search_to=3"));
      assert.deepEqual(
        page.data.map((u: { user_email: string }) => u.user_email),
        ["b@example.com", "c@example.com"],
      );
      assert.equal(page.metadata.total_count, 4);
    });

    it("deletes a user with its bindings and memberships", async () => {
      ok(
        await call(
          "POST",
          "/platform/iam/v1/user",
          rd({ user_email: "gone@example.com", role_id: "Viewer" }),
        ),
        201,
      );
      const g = ok(
        await call(
          "POST",
          "/platform/iam/v1/user-group",
          rd({ group_name: "With Gone", users: ["gone@example.com"] }),
        ),
        201,
      ).data.group_id;
      ok(
        await call(
          "POST",
          "/platform/iam/v1/role-binding",
          rd({ principal_type: "user", principal_id: "gone@example.com", role: "Investigator" }),
        ),
        201,
      );
      assert.deepEqual(ok(await call("DELETE", "/platform/iam/v1/user/gone@example.com")), {
        data: { message: "User deleted successfully" },
      });
      assertError(
        "/platform/iam",
        await call("GET", "/platform/iam/v1/user/gone@example.com"),
        404,
        "NOT_FOUND",
      );
      assert.deepEqual(ok(await call("GET", `/platform/iam/v1/user-group/${g}`)).data.users, []);
      assert.deepEqual(
        ok(
          await call(
            "GET",
            "/platform/iam/v1/role-binding?principal_type=user&principal_id=gone@example.com",
          ),
        ).data,
        [],
      );
    });
  });

  describe("groups", () => {
    let parent: string;
    let child: string;
    let grandchild: string;
    before(async () => {
      for (const e of ["m1@example.com", "m2@example.com", "m3@example.com"])
        ok(await call("POST", "/platform/iam/v1/user", rd({ user_email: e })), 201);
    });

    it("creates a group (201, the id in the message) and reads it back in the reference's shape", async () => {
      const res = ok(
        await call(
          "POST",
          "/platform/iam/v1/user-group",
          rd({
            group_name: "Grandchild",
            description: "leaf",
            users: ["M3@example.com"],
            idp_groups: ["okta-leaf"],
          }),
        ),
        201,
      );
      grandchild = res.data.group_id;
      assert.equal(res.data.message, `user group with group id ${grandchild} created successfully`);
      const g = ok(await call("GET", `/platform/iam/v1/user-group/${grandchild}`)).data;
      assert.equal(g.group_name, "Grandchild");
      assert.equal(g.description, "leaf");
      assert.deepEqual(g.users, ["m3@example.com"]);
      assert.deepEqual(g.idp_groups, ["okta-leaf"]);
      assert.equal(g.group_type, "custom");
      assert.equal(g.role_id, null);
      for (const f of [
        "group_id",
        "group_name",
        "description",
        "role_id",
        "pretty_role_name",
        "created_by",
        "created_ts",
        "updated_ts",
        "users",
        "group_type",
        "nested_groups",
        "idp_groups",
      ])
        assert.ok(f in g, f);
    });

    it("nests groups: a member of a nested group belongs to every group above it", async () => {
      child = ok(
        await call(
          "POST",
          "/platform/iam/v1/user-group",
          rd({
            group_name: "Child",
            role_id: "Investigator",
            users: ["m2@example.com"],
            nested_group_ids: [grandchild],
          }),
        ),
        201,
      ).data.group_id;
      parent = ok(
        await call(
          "POST",
          "/platform/iam/v1/user-group",
          rd({
            group_name: "Parent",
            role_id: "Key Verifier",
            users: ["m1@example.com"],
            nested_group_ids: [child],
          }),
        ),
        201,
      ).data.group_id;
      const p = ok(await call("GET", `/platform/iam/v1/user-group/${parent}`)).data;
      assert.deepEqual(p.nested_groups, [{ group_id: child, group_name: "Child" }]);
      assert.equal(p.pretty_role_name, "Key Verifier");
      // m3 is in Grandchild only, and so gets Child's and Parent's roles too.
      const m3 = await user("m3@example.com");
      assert.deepEqual([...m3.effective_roles].sort(), ["Investigator", "Key Verifier"]);
      assert.equal(m3.effective_permissions.cases_issues, "view_edit");
      assert.equal(m3.effective_permissions.verify, "view");
      // m1 is in Parent only: nesting does not flow upwards.
      assert.deepEqual((await user("m1@example.com")).effective_roles, ["Key Verifier"]);
    });

    it("refuses a nesting cycle (400)", async () => {
      const res = await call(
        "PATCH",
        `/platform/iam/v1/user-group/${grandchild}`,
        rd({ nested_group_ids: [parent] }),
      );
      assertError(
        "/platform/iam",
        res,
        400,
        "INVALID_INPUT",
        "request_data.nested_group_ids",
        "cycle",
      );
    });

    it("computes effective permissions as the union of direct role, bindings and groups", async () => {
      ok(await call("PATCH", "/platform/iam/v1/user/m2@example.com", rd({ role_id: "Viewer" })));
      ok(
        await call(
          "POST",
          "/platform/iam/v1/role",
          rd({ pretty_name: "Notice Reader", components: { notifications: "view_edit" } }),
        ),
        201,
      );
      ok(
        await call(
          "POST",
          "/platform/iam/v1/role-binding",
          rd({ principal_type: "user", principal_id: "m2@example.com", role: "Notice Reader" }),
        ),
        201,
      );
      const u = await user("m2@example.com");
      assert.equal(u.role_name, "Viewer", "role_name is the direct role only");
      assert.deepEqual([...u.effective_roles].sort(), [
        "Investigator",
        "Key Verifier",
        "Notice Reader",
        "Viewer",
      ]);
      assert.deepEqual(u.effective_permissions, {
        cases_issues: "view_edit", // Investigator beats Viewer's view
        endpoints: "view",
        assets: "view",
        datasets: "view",
        response: "view",
        rules: "view",
        dashboards: "view",
        notifications: "view_edit", // the binding beats Investigator's view
        verify: "view",
      });
      assert.deepEqual(
        u.groups,
        [{ group_id: child, group_name: "Child" }],
        "groups lists direct memberships",
      );
    });

    it("patches a group: rename, role, members, nesting; empty values clear", async () => {
      ok(
        await call(
          "PATCH",
          `/platform/iam/v1/user-group/${child}`,
          rd({
            group_name: "Child Renamed",
            role_id: "",
            users: ["m1@example.com", "m2@example.com"],
            description: "",
          }),
        ),
      );
      const g = ok(await call("GET", `/platform/iam/v1/user-group/${child}`)).data;
      assert.equal(g.group_name, "Child Renamed");
      assert.equal(g.role_id, null);
      assert.equal(g.description, null);
      assert.deepEqual(g.users, ["m1@example.com", "m2@example.com"]);
      assert.deepEqual(
        g.nested_groups.map((n: { group_id: string }) => n.group_id),
        [grandchild],
      );
      assert.ok(
        !(await user("m3@example.com")).effective_roles.includes("Investigator"),
        "the role went with the patch",
      );
      ok(await call("PATCH", `/platform/iam/v1/user-group/${child}`, rd({ nested_group_ids: [] })));
      assert.deepEqual((await user("m3@example.com")).effective_roles, []);
    });

    it("refuses a group name in use, in any case (409)", async () => {
      assertError(
        "/platform/iam",
        await call("POST", "/platform/iam/v1/user-group", rd({ group_name: "parent" })),
        409,
        "CONFLICT",
      );
      assertError(
        "/platform/iam",
        await call("PATCH", `/platform/iam/v1/user-group/${child}`, rd({ group_name: "PARENT" })),
        409,
        "CONFLICT",
      );
    });

    it("lists groups with a total, and deletes one (unnesting it everywhere)", async () => {
      const all = ok(await call("GET", "/platform/iam/v1/user-group"));
      assert.equal(all.metadata.total_count, all.data.length);
      assert.ok(all.data.length >= 3);
      ok(await call("DELETE", `/platform/iam/v1/user-group/${child}`));
      assertError(
        "/platform/iam",
        await call("GET", `/platform/iam/v1/user-group/${child}`),
        404,
        "NOT_FOUND",
      );
      assertError(
        "/platform/iam",
        await call("DELETE", `/platform/iam/v1/user-group/${child}`),
        404,
        "NOT_FOUND",
      );
      assert.deepEqual(
        ok(await call("GET", `/platform/iam/v1/user-group/${parent}`)).data.nested_groups,
        [],
      );
      assert.deepEqual((await user("m2@example.com")).groups, []);
    });

    it("joins groups through PATCH user user_groups (the complete list)", async () => {
      ok(
        await call("PATCH", "/platform/iam/v1/user/m3@example.com", rd({ user_groups: [parent] })),
      );
      assert.deepEqual((await user("m3@example.com")).groups, [
        { group_id: parent, group_name: "Parent" },
      ]);
      ok(await call("PATCH", "/platform/iam/v1/user/m3@example.com", rd({ user_groups: [] })));
      assert.deepEqual((await user("m3@example.com")).groups, []);
    });
  });
});
