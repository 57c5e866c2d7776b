/**
 * The store contract, on both stores (see support.ts): Users and (nested) groups.
 */
import * as assert from "node:assert/strict";
import { canonicalScope } from "../../../sdk/contract";
import { UniqueViolation, type Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { T0, bid, group, noRole, user, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("users and groups", () => {
      it("creates, reads, patches, lists and deletes users", async () => {
        await s.createGroup(group("g1", "G One"), noRole(), [], []);
        await s.createUser(
          { ...user("a@example.com"), firstName: "A" },
          { roleId: "viewer", bindingId: bid(), by: "t" },
          ["g1"],
        );
        await s.createUser(user("b@example.com"), noRole(), []);
        await assert.rejects(s.createUser(user("a@example.com"), noRole(), []), UniqueViolation);
        const a = (await s.getUser("a@example.com"))!;
        assert.equal(a.firstName, "A");
        assert.deepEqual(a.role, { roleId: "viewer", roleName: "Viewer" });
        assert.deepEqual(a.groups, [{ groupId: "g1", groupName: "G One" }]);
        assert.equal(
          await s.patchUser("a@example.com", {
            lastName: "L",
            status: "Inactive",
            isHidden: true,
            direct: { roleId: "investigator", bindingId: bid(), by: "t" },
            groupIds: [],
            now: T0 + 1,
          }),
          true,
        );
        const p = (await s.getUser("a@example.com"))!;
        assert.equal(p.lastName, "L");
        assert.equal(p.firstName, "A");
        assert.equal(p.status, "Inactive");
        assert.equal(p.isHidden, true);
        assert.equal(p.updatedTs, T0 + 1);
        assert.deepEqual(p.role, { roleId: "investigator", roleName: "Investigator" });
        assert.deepEqual(p.groups, []);
        await s.patchUser("a@example.com", {
          direct: { roleId: null, bindingId: bid(), by: "t" },
          now: T0,
        });
        assert.equal((await s.getUser("a@example.com"))!.role, null);
        assert.equal(await s.patchUser("zz@example.com", { status: "Active", now: T0 }), false);
        const page = await s.listUsers(1, 5);
        assert.deepEqual(
          page.rows.map((u) => u.email),
          ["b@example.com"],
        );
        assert.equal(page.total, 2);
        assert.deepEqual(
          [...(await s.existingUsers(["a@example.com", "x@example.com"]))],
          ["a@example.com"],
        );
        await s.putEntityScope("user", "b@example.com", { areas: canonicalScope(undefined) }, T0);
        assert.equal(await s.deleteUser("b@example.com"), true);
        assert.equal(await s.deleteUser("b@example.com"), false);
        assert.equal(await s.getEntityScope("user", "b@example.com"), undefined);
      });

      it("nests groups: membership flows up through any depth, cycles are detected", async () => {
        await s.createUser(user("m@example.com"), noRole(), []);
        await s.createGroup(group("leaf", "Leaf"), noRole(), ["m@example.com"], []);
        await s.createGroup(
          group("mid", "Mid"),
          { roleId: "investigator", bindingId: bid(), by: "t" },
          [],
          ["leaf"],
        );
        await s.createGroup(
          group("top", "Top"),
          { roleId: "key_verifier", bindingId: bid(), by: "t" },
          [],
          ["mid"],
        );
        await s.createGroup(group("other", "Other"), noRole(), [], []);
        assert.deepEqual((await s.groupIdsOfUser("m@example.com")).sort(), ["leaf", "mid", "top"]);
        assert.deepEqual((await s.groupsWithParents(["mid"])).sort(), ["mid", "top"]);
        assert.equal(await s.nestingCycle("leaf", ["top"]), true);
        assert.equal(await s.nestingCycle("leaf", ["other"]), false);
        const top = (await s.getGroup("top"))!;
        assert.deepEqual(top.nestedGroups, [{ groupId: "mid", groupName: "Mid" }]);
        assert.deepEqual(top.role, { roleId: "key_verifier", roleName: "Key Verifier" });
        assert.deepEqual((await s.getGroup("leaf"))!.users, ["m@example.com"]);
        assert.deepEqual(
          (await s.listGroups(0, 10, ["MID", "top", "none"])).rows.map((g) => g.groupId).sort(),
          ["mid", "top"],
        );
        assert.equal((await s.listGroups(0, 10)).total, 4);
        assert.deepEqual([...(await s.existingGroups(["mid", "zz"]))], ["mid"]);
        await assert.rejects(s.createGroup(group("dup", "TOP"), noRole(), [], []), UniqueViolation);
      });

      it("patches and deletes groups, cleaning up nesting, members, bindings and scope", async () => {
        await s.createUser(user("m@example.com"), noRole(), []);
        await s.createGroup(group("c", "C"), noRole(), [], []);
        await s.createGroup(
          group("p", "P"),
          { roleId: "viewer", bindingId: bid(), by: "t" },
          ["m@example.com"],
          ["c"],
        );
        await s.putEntityScope("user-group", "c", { areas: canonicalScope(undefined) }, T0);
        assert.equal(
          await s.patchGroup("p", {
            groupName: "P2",
            description: "d",
            idpGroups: ["x"],
            direct: { roleId: null, bindingId: bid(), by: "t" },
            users: [],
            nestedIds: [],
            now: T0 + 1,
          }),
          true,
        );
        const p = (await s.getGroup("p"))!;
        assert.equal(p.groupName, "P2");
        assert.equal(p.description, "d");
        assert.deepEqual(p.idpGroups, ["x"]);
        assert.equal(p.role, null);
        assert.deepEqual(p.users, []);
        assert.deepEqual(p.nestedGroups, []);
        await s.patchGroup("p", { nestedIds: ["c"], now: T0 });
        assert.equal(await s.deleteGroup("c"), true);
        assert.deepEqual((await s.getGroup("p"))!.nestedGroups, []);
        assert.equal(await s.getEntityScope("user-group", "c"), undefined);
        assert.equal(await s.deleteGroup("c"), false);
        assert.equal(await s.patchGroup("c", { description: "x", now: T0 }), false);
      });
    });
  });
}
