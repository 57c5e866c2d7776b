/**
 * The legacy calls on users and groups: `rbac/get_users`, `rbac/get_user_group` and
 * `rbac/set_user_role` (string update_count).
 */
import * as assert from "node:assert/strict";
import { assertError, getUser, ok, rd, type Caller, inProcessServer } from "../support";

describe("users and user groups", () => {
  let call: Caller;
  inProcessServer((_server, caller) => (call = caller));

  const user = (email: string) => getUser(call, email);

  describe("legacy rbac calls", () => {
    before(async () => {
      ok(
        await call(
          "POST",
          "/platform/iam/v1/user",
          rd({ user_email: "legacy1@example.com", user_first_name: "L", role_id: "Viewer" }),
        ),
        201,
      );
      ok(
        await call("POST", "/platform/iam/v1/user", rd({ user_email: "legacy2@example.com" })),
        201,
      );
      ok(
        await call(
          "POST",
          "/platform/iam/v1/user-group",
          rd({
            group_name: "Legacy Group",
            role_id: "Investigator",
            users: ["legacy1@example.com", "legacy2@example.com"],
            description: "old style",
          }),
        ),
        201,
      );
      ok(
        await call(
          "PUT",
          "/platform/iam/v1/scope/user/legacy1@example.com",
          rd({ assets: { mode: "see_all" } }),
        ),
      );
    });

    it("get_users lists every user in the reference's shape (empty body or request_data)", async () => {
      for (const body of [{}, rd({}), undefined]) {
        const res = ok(await call("POST", "/public_api/v1/rbac/get_users", body));
        const l1 = res.reply.find(
          (u: { user_email: string }) => u.user_email === "legacy1@example.com",
        );
        assert.ok(l1);
        assert.equal(l1.role_name, "Viewer");
        assert.equal(l1.user_first_name, "L");
        assert.deepEqual(l1.groups, ["Legacy Group"]);
        // The scope is an object, as the official Go SDK decodes it (types.User.Scope).
        assert.equal(l1.scope.has_scope, true);
        assert.equal(typeof l1.scope.assets.mode, "string");
        const l2 = res.reply.find(
          (u: { user_email: string }) => u.user_email === "legacy2@example.com",
        );
        assert.equal(l2.role_name, null);
        assert.equal(l2.scope.has_scope, false);
        assert.equal(l2.scope.assets.mode, "no_scope");
        for (const f of [
          "user_email",
          "user_first_name",
          "user_last_name",
          "role_name",
          "last_logged_in",
          "user_type",
          "groups",
          "scope",
        ])
          assert.ok(f in l1, f);
      }
    });

    it("get_user_group answers the groups asked for by name", async () => {
      const res = ok(
        await call(
          "POST",
          "/public_api/v1/rbac/get_user_group",
          rd({ group_names: ["legacy group"] }),
        ),
      );
      assert.equal(res.reply.length, 1);
      const g = res.reply[0];
      assert.equal(g.group_name, "Legacy Group");
      assert.equal(g.pretty_name, "Investigator");
      assert.equal(g.description, "old style");
      assert.deepEqual(g.user_email, ["legacy1@example.com", "legacy2@example.com"]);
      assert.equal(g.source, "Custom");
    });

    it("get_user_group refuses a group name it does not know, in the reference's words (the XSOAR integration shows that error)", async () => {
      const e = assertError(
        "/public_api",
        await call(
          "POST",
          "/public_api/v1/rbac/get_user_group",
          rd({ group_names: ["legacy group", "nope"] }),
        ),
        400,
        "INVALID_INPUT",
        "Group 'nope' was not found",
      );
      assert.equal(e.extra[0].field, "request_data.group_names.1");
    });

    it('sends "" for names and phone never given, never null', async () => {
      ok(
        await call("POST", "/platform/iam/v1/user", rd({ user_email: "nameless@example.com" })),
        201,
      );
      const u = await user("nameless@example.com");
      assert.equal(u.user_first_name, "");
      assert.equal(u.user_last_name, "");
      assert.equal(u.phone_number, "");
      const legacy = ok(await call("POST", "/public_api/v1/rbac/get_users", rd())).reply.find(
        (x: { user_email: string }) => x.user_email === "nameless@example.com",
      );
      assert.equal(
        legacy.user_first_name.toLowerCase(),
        "",
        "what a key-management script does with it",
      );
      assert.equal(legacy.user_last_name, "");
      ok(await call("DELETE", "/platform/iam/v1/user/nameless@example.com"));
    });

    it("set_user_role sets the direct role and counts the users changed, as a string", async () => {
      const res = ok(
        await call(
          "POST",
          "/public_api/v1/rbac/set_user_role",
          rd({
            user_emails: ["legacy1@example.com", "LEGACY2@example.com", "ghost@example.com"],
            role_name: "Investigator",
          }),
        ),
      );
      assert.deepEqual(res, { reply: { update_count: "2" } });
      assert.equal((await user("legacy2@example.com")).role_name, "Investigator");
      // Setting the same role again changes nothing.
      assert.deepEqual(
        ok(
          await call(
            "POST",
            "/public_api/v1/rbac/set_user_role",
            rd({ user_emails: ["legacy1@example.com"], role_name: "investigator" }),
          ),
        ),
        { reply: { update_count: "0" } },
      );
    });

    it('set_user_role with role_name "" removes the direct role', async () => {
      assert.deepEqual(
        ok(
          await call(
            "POST",
            "/public_api/v1/rbac/set_user_role",
            rd({ user_emails: ["legacy1@example.com"], role_name: "" }),
          ),
        ),
        { reply: { update_count: "1" } },
      );
      assert.equal((await user("legacy1@example.com")).role_name, null);
    });

    it("set_user_role refuses Account Admin, as the reference does", async () => {
      assertError(
        "/public_api",
        await call(
          "POST",
          "/public_api/v1/rbac/set_user_role",
          rd({ user_emails: ["legacy1@example.com"], role_name: "Account Admin" }),
        ),
        400,
        "INVALID_INPUT",
        "Account Admin",
      );
    });
  });
});
