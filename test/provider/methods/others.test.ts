/**
 * The provider's methods called directly against a real server: RoleBinding's, ScopeDefinition's and Role's create, diff, read, update and delete, with the server and the
 * provider sharing a fake clock for expiries and rotateBefore. Fast and fine-grained; the engine
 * scenarios are in ../scenarios.test.ts.
 */
import * as assert from "node:assert/strict";
import type { RoleState } from "../../../provider/resources/role";
import type { RoleBindingState } from "../../../provider/resources/roleBinding";
import type { ScopeDefinitionState } from "../../../provider/resources/scopeDefinition";
import { checkAndCreate, useHarness, type Harness } from "./harness";

describe("provider methods against a real server", function () {
  this.timeout(60_000);
  let h: Harness;
  useHarness((x) => (h = x));

  describe("RoleBinding, ScopeDefinition and Role", () => {
    it("adopts an existing scope definition and custom role, bringing them to the declared state", async () => {
      const made = await h.client.scopes.createDefinition({
        name: "by hand",
        areas: { assets: { mode: "no_scope" } },
      });
      const s = await checkAndCreate(h.scopes, {
        name: "adopted scope",
        areas: { assets: { mode: "see_all" } },
        adopt: made.scope_id,
      });
      assert.equal(s.id, made.scope_id);
      const live = await h.client.scopes.getDefinition(made.scope_id);
      assert.equal(live.name, "adopted scope");
      assert.equal(live.areas.assets.mode, "see_all");
      const role = await h.client.roles.create({
        name: "Hand Made",
        components: { rules: "view" },
      });
      const r = await checkAndCreate(h.roles, {
        name: "Hand Made",
        components: { rules: "view_edit" },
        adopt: role.role_id!,
      });
      assert.equal(r.id, role.role_id);
      assert.deepEqual((await h.client.roles.get(role.role_id!)).components, {
        rules: "view_edit",
      });
      await assert.rejects(
        checkAndCreate(h.roles, { name: "Viewer", components: { rules: "view" }, adopt: "viewer" }),
        /predefined/,
      );
      await assert.rejects(
        checkAndCreate(h.scopes, {
          name: "x",
          areas: { assets: { mode: "see_all" } },
          adopt: "scope-nope",
        }),
        /does not exist/,
      );
      await h.roles.delete!(r.id, r.outs);
      await h.scopes.delete!(s.id, s.outs);
    });

    it("binds a role to a key; a change of role replaces; a deleted binding drops out", async () => {
      const k = await h.t.createKey({ roles: ["Viewer"] });
      const { id, outs, inputs } = await checkAndCreate(h.bindings, {
        principal: { type: "apiKey", id: k.id },
        role: "Key Verifier",
      });
      assert.equal((outs as RoleBindingState).roleId, "key_verifier");
      const d = await h.bindings.diff!(
        id,
        outs,
        (
          await h.bindings.check!(inputs, {
            principal: { type: "apiKey", id: k.id },
            role: "Investigator",
          })
        ).inputs,
      );
      assert.deepEqual(d.replaces, ["role"]);
      assert.equal((await h.bindings.diff!(id, outs, inputs)).changes, false);
      await h.client.bindings.delete(id);
      assert.deepEqual(await h.bindings.read!(id, outs), {});
      await h.bindings.delete!(id, outs);
    });

    it("keeps a scope definition free of perpetual diffs (server defaults are canonical)", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.scopes, {
        name: "emea",
        areas: {
          endpoints: { endpoint_groups: { mode: "scope", names: ["b", "a", "a"] } },
          cases_issues: { mode: "see_all" },
        },
      });
      const r = await h.scopes.read!(id, outs);
      assert.equal((await h.scopes.diff!(id, r.props, inputs)).changes, false);
      // The same scope written differently is no change either.
      const same = (
        await h.scopes.check!(inputs, {
          name: "emea",
          areas: {
            cases_issues: { mode: "see_all" },
            endpoints: {
              endpoint_groups: { mode: "scope", names: ["a", "b"] },
              endpoint_tags: { mode: "no_scope" },
            },
          },
        })
      ).inputs;
      assert.equal((await h.scopes.diff!(id, r.props, same)).changes, false);
      const changed = (
        await h.scopes.check!(inputs, {
          name: "emea",
          areas: { cases_issues: { mode: "no_scope" } },
        })
      ).inputs;
      const d = await h.scopes.diff!(id, r.props, changed);
      assert.equal(d.changes, true);
      const u = await h.scopes.update!(id, r.props, changed);
      assert.equal((await h.scopes.diff!(id, u.outs, changed)).changes, false);
      await h.scopes.delete!(id, u.outs as ScopeDefinitionState);
    });

    it("creates a custom role, updates components in place, replaces on a new name", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.roles, {
        name: "SRE",
        components: { endpoints: "view", public_api: "view" },
      });
      assert.equal((outs as RoleState).name, "SRE");
      const comps = (
        await h.roles.check!(inputs, { name: "SRE", components: { endpoints: "view_edit" } })
      ).inputs;
      const d = await h.roles.diff!(id, outs, comps);
      assert.equal(d.changes, true);
      assert.deepEqual(d.replaces, []);
      const u = await h.roles.update!(id, outs, comps);
      assert.deepEqual((u.outs as RoleState).components, { endpoints: "view_edit" });
      assert.deepEqual(
        (
          await h.roles.diff!(
            id,
            u.outs,
            (await h.roles.check!(comps, { name: "SRE 2", components: { endpoints: "view_edit" } }))
              .inputs,
          )
        ).replaces,
        ["name"],
      );
      await h.client.roles.update(id, { components: { endpoints: "view" } });
      const r = await h.roles.read!(id, u.outs);
      assert.deepEqual(r.inputs!.components, { endpoints: "view" });
      await h.roles.delete!(id, u.outs);
      assert.deepEqual(await h.roles.read!(id, u.outs), {});
    });
  });
});
