/**
 * The store contract, on both stores (see support.ts): Roles (predefined and custom) and role
 * bindings.
 */
import * as assert from "node:assert/strict";
import { UniqueViolation, type Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { T0, key, user, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("roles", () => {
      const custom = (roleId: string, prettyName: string) => ({
        roleId,
        prettyName,
        description: null,
        isCustom: true,
        components: { audit: "view" as const },
        datasetPermissions: null,
        createdBy: "t",
        createdTs: T0,
        updatedTs: null,
      });

      it("has the predefined roles, found by id or display name in any case", async () => {
        assert.equal((await s.findRole("viewer"))!.prettyName, "Viewer");
        assert.equal(
          (await s.findRole("  instance ADMINISTRATOR "))!.roleId,
          "instance_administrator",
        );
        assert.equal(await s.findRole("nope"), undefined);
        const page = await s.listRoles(0, 1000);
        assert.ok(page.rows.every((r) => !r.isCustom));
        assert.equal(page.total, page.rows.length);
      });

      it("creates, renames, updates and deletes custom roles; predefined ones do not change", async () => {
        await s.createRole(custom("r1", "Role One"));
        await assert.rejects(s.createRole(custom("r2", "ROLE one")), UniqueViolation);
        assert.equal(await s.roleIdExists("r1"), true);
        const k = await key(s, { roles: ["r1"] });
        assert.equal(
          await s.updateRole("r1", {
            prettyName: "Zed",
            components: { audit: "view", rules: "view" },
            now: T0 + 1,
          }),
          true,
        );
        const r = (await s.findRole("zed"))!;
        assert.deepEqual(r.components, { audit: "view", rules: "view" });
        assert.equal(r.updatedTs, T0 + 1);
        assert.deepEqual((await s.getKey(k))!.roleNames, ["Zed"]);
        assert.equal(await s.updateRole("viewer", { description: "x", now: T0 }), false);
        assert.equal(await s.deleteRole("viewer"), "read_only");
        assert.equal(await s.deleteRole("r1"), "in_use");
        assert.deepEqual(
          (await s.roleUsage("r1")).map((b) => b.principalId),
          [String(k)],
        );
        await s.deleteKeys([k]);
        assert.equal(await s.deleteRole("r1"), "deleted");
        assert.equal(await s.deleteRole("r1"), "not_found");
        const listed = await s.listRoles(0, 1000);
        assert.ok(!listed.rows.some((x) => x.roleId === "r1"));
      });
    });

    describe("role bindings", () => {
      it("creates, gets, lists with filters and paging, and deletes bindings", async () => {
        await s.createUser(
          user("u@example.com"),
          { roleId: "viewer", bindingId: "rb-direct", by: "t" },
          [],
        );
        await s.createBinding({
          bindingId: "rb-1",
          principalType: "user",
          principalId: "u@example.com",
          roleId: "investigator",
          owner: "binding",
          createdBy: "t",
          createdTs: T0 + 1,
        });
        await assert.rejects(
          s.createBinding({
            bindingId: "rb-2",
            principalType: "user",
            principalId: "u@example.com",
            roleId: "investigator",
            owner: "binding",
            createdBy: "t",
            createdTs: T0,
          }),
          UniqueViolation,
        );
        // The same role through another owner is another row.
        await s.createBinding({
          bindingId: "rb-3",
          principalType: "user",
          principalId: "u@example.com",
          roleId: "viewer",
          owner: "binding",
          createdBy: "t",
          createdTs: T0 + 2,
        });
        const b = (await s.getBinding("rb-1"))!;
        assert.deepEqual(b, {
          bindingId: "rb-1",
          principalType: "user",
          principalId: "u@example.com",
          roleId: "investigator",
          roleName: "Investigator",
          owner: "binding",
          createdBy: "t",
          createdTs: T0 + 1,
        });
        const mine = await s.listBindings(
          { principalType: "user", principalId: "u@example.com" },
          0,
          10,
        );
        assert.deepEqual(
          mine.rows.map((r) => r.bindingId),
          ["rb-direct", "rb-1", "rb-3"],
        );
        assert.equal(mine.total, 3);
        assert.deepEqual(
          (await s.listBindings({ owner: "user" }, 0, 10)).rows.map((r) => r.bindingId),
          ["rb-direct"],
        );
        assert.deepEqual(
          (await s.listBindings({ roleId: "viewer" }, 0, 10)).rows.map((r) => r.bindingId),
          ["rb-direct", "rb-3"],
        );
        const page = await s.listBindings({ principalId: "u@example.com" }, 1, 1);
        assert.deepEqual(
          page.rows.map((r) => r.bindingId),
          ["rb-1"],
        );
        assert.equal(page.total, 3);
        assert.deepEqual(
          (await s.roleIdsOf("user", "u@example.com")).sort(),
          ["investigator", "viewer"],
          "distinct role ids",
        );
        assert.equal(await s.deleteBinding("rb-1"), true);
        assert.equal(await s.deleteBinding("rb-1"), false);
        assert.equal(await s.getBinding("rb-1"), undefined);
      });
    });
  });
}
