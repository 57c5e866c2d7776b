/**
 * The provider's methods called directly against a real server: ApiKey's create, diff, read, update and delete, with the server and the
 * provider sharing a fake clock for expiries and rotateBefore. Fast and fine-grained; the engine
 * scenarios are in ../scenarios.test.ts.
 */
import * as assert from "node:assert/strict";
import type { ProviderApi } from "../../../provider/api";
import {
  ADOPTED_KEY_VALUE,
  apiKeyProvider,
  type ApiKeyState,
} from "../../../provider/resources/apiKey";
import { KeyplaneClient } from "../../../sdk";
import { checkAndCreate, DAY, useHarness, type Harness } from "./harness";

describe("provider methods against a real server", function () {
  this.timeout(60_000);
  let h: Harness;
  useHarness((x) => (h = x));

  describe("ApiKey", () => {
    it("creates a Standard key that works, with every output", async () => {
      const { id, outs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        comment: "ci",
        expiresIn: "30d",
      });
      const s = outs as ApiKeyState;
      assert.equal(String(s.keyId), id);
      assert.equal(s.securityLevel, "standard");
      assert.deepEqual(s.roles, ["Viewer"]);
      assert.equal(s.comment, "ci");
      assert.equal(s.expiresAtMs, h.t.clock.now() + 30 * DAY);
      assert.equal(s.status, "active");
      assert.ok(s.key.length >= 64);
      const c = new KeyplaneClient({ endpoint: h.t.url, apiKeyId: s.keyId, apiKey: s.key });
      assert.equal(await c.apiKeys.validate(), true);
      await c.close();
    });

    it("creates an Advanced key with a scope definition and verifies it signed", async () => {
      const scope = await checkAndCreate(h.scopes, {
        name: "apac",
        areas: { endpoints: { endpoint_groups: { mode: "scope", names: ["apac"] } } },
      });
      const { outs } = await checkAndCreate(h.keys, {
        roles: ["Investigator"],
        securityLevel: "advanced",
        scope: scope.id,
        expiration: new Date(h.t.clock.now() + 10 * DAY).toISOString(),
      });
      const s = outs as ApiKeyState;
      assert.equal(s.securityLevel, "advanced");
      assert.equal(s.scopeId, scope.id);
      assert.equal(s.hasScope, true);
    });

    it("fails a create whose key does not hold what was asked, and removes the half-made key", async () => {
      const before = await h.keyIds();
      const lying: ProviderApi = {
        ...h.api,
        verify: async (headers) => {
          const v = await h.api.verify(headers);
          return v === "forbidden" ? v : { ...v, roles: [...v.roles, "Instance Administrator"] };
        },
      };
      const p = apiKeyProvider({ ...h.deps, api: () => lying });
      const c = await p.check!({}, { roles: ["Viewer"] });
      await assert.rejects(
        p.create(c.inputs),
        /holds roles .* but \[Viewer\] were asked for; the new key was removed/,
      );
      assert.deepEqual(await h.keyIds(), before);
    });

    it("resolves expiresIn once: a later diff with the same inputs shows no change", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        expiresIn: "30d",
      });
      h.t.fake!.advance(2 * DAY);
      const d = await h.keys.diff!(
        id,
        outs,
        (await h.keys.check!(inputs, { roles: ["Viewer"], expiresIn: "30d" })).inputs,
      );
      assert.equal(d.changes, false);
      h.t.fake!.advance(-2 * DAY);
    });

    it("plans a replacement inside rotateBefore, and says why", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        expiresIn: "30d",
        rotateBefore: "7d",
      });
      const keyId = (outs as ApiKeyState).keyId;
      h.t.fake!.advance(25 * DAY);
      try {
        const d = await h.keys.diff!(id, outs, inputs);
        assert.equal(d.changes, true);
        assert.deepEqual(d.replaces, ["rotateBefore"]);
        assert.ok(
          h.warnings.some((w) => w.includes(`key ${keyId} expires in 5 d, rotateBefore 7 d`)),
          h.warnings.join("\n"),
        );
      } finally {
        h.t.fake!.advance(-25 * DAY);
      }
    });

    it("plans a replacement of an expired key, and refresh still finds it", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        expiresIn: "1d",
      });
      h.t.fake!.advance(3 * DAY);
      try {
        const r = await h.keys.read!(id, outs);
        assert.equal(r.id, id);
        assert.equal((r.props as ApiKeyState).status, "expired");
        const d = await h.keys.diff!(id, r.props, inputs);
        assert.deepEqual(d.replaces, ["expiration"]);
        assert.ok(h.warnings.some((w) => /expired 2 d ago/.test(w)));
      } finally {
        h.t.fake!.advance(-3 * DAY);
      }
    });

    it("replaces on securityLevel and rotationTriggers changes, updates in place otherwise", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        comment: "a",
        rotationTriggers: ["q1"],
      });
      const diff = async (n: Record<string, unknown>) =>
        h.keys.diff!(id, outs, (await h.keys.check!(inputs, n)).inputs);
      assert.deepEqual(
        (
          await diff({
            roles: ["Viewer"],
            comment: "a",
            rotationTriggers: ["q1"],
            securityLevel: "advanced",
          })
        ).replaces,
        ["securityLevel"],
      );
      assert.deepEqual(
        (await diff({ roles: ["Viewer"], comment: "a", rotationTriggers: ["q2"] })).replaces,
        ["rotationTriggers"],
      );
      const inPlace = await diff({
        roles: ["Investigator"],
        comment: "b",
        rotationTriggers: ["q1"],
        expiresIn: "9d",
      });
      assert.equal(inPlace.changes, true);
      assert.deepEqual(inPlace.replaces, []);
    });

    it("updates roles, comment, expiration and scope in place", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        comment: "a",
        expiresIn: "30d",
      });
      const news = (
        await h.keys.check!(inputs, {
          roles: ["Investigator", "Viewer"],
          comment: "b",
          expiresIn: "60d",
          scope: { assets: { mode: "see_all" } },
        })
      ).inputs;
      const u = await h.keys.update!(id, outs, news);
      const s = u.outs as ApiKeyState;
      assert.deepEqual([...s.roles].sort(), ["Investigator", "Viewer"]);
      assert.equal(s.comment, "b");
      assert.equal(s.expiresAtMs, h.t.clock.now() + 60 * DAY);
      assert.equal(s.hasScope, true);
      assert.equal(s.key, (outs as ApiKeyState).key, "the key value is kept across updates");
      assert.equal((await h.keys.diff!(id, s, news)).changes, false);
    });

    it("reads drift: roles, comment and scope changed by hand show in the live inputs", async () => {
      const { id, outs, inputs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        comment: "declared",
        scope: { assets: { mode: "see_all" } },
      });
      await h.client.apiKeys.edit(Number(id), { roles: ["Investigator"], comment: "by hand" });
      await h.client.scopes.set("api-key", id, { assets: { mode: "no_scope" } });
      const r = await h.keys.read!(id, outs);
      assert.deepEqual(r.inputs!.roles, ["Investigator"]);
      assert.equal(r.inputs!.comment, "by hand");
      assert.deepEqual((r.inputs!.scope as { assets: { mode: string } }).assets.mode, "no_scope");
      const d = await h.keys.diff!(id, r.props, inputs);
      assert.equal(d.changes, true);
      assert.deepEqual(d.replaces, []);
    });

    it("drops a key deleted or revoked out of band from state", async () => {
      const a = await checkAndCreate(h.keys, { roles: ["Viewer"] });
      const b = await checkAndCreate(h.keys, { roles: ["Viewer"] });
      await h.client.apiKeys.delete(Number(a.id));
      await h.client.apiKeys.revoke(Number(b.id));
      assert.deepEqual(await h.keys.read!(a.id, a.outs), {});
      assert.deepEqual(await h.keys.read!(b.id, b.outs), {});
    });

    it("deletes, and counts a key already gone as deleted", async () => {
      const { id, outs } = await checkAndCreate(h.keys, { roles: ["Viewer"] });
      await h.keys.delete!(id, outs);
      assert.equal((await h.keyIds()).includes(Number(id)), false);
      await h.keys.delete!(id, outs);
    });

    it("with overlap, shortens the old key's life instead of deleting it, and the server deletes it afterwards", async () => {
      const { id, outs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        expiresIn: "30d",
        overlap: "24h",
      });
      const key = (outs as ApiKeyState).key;
      await h.keys.delete!(id, outs);
      const live = await h.client.apiKeys.get(Number(id));
      assert.equal(live.expiration, h.t.clock.now() + DAY);
      assert.equal(live.retiring, true);
      const c = new KeyplaneClient({ endpoint: h.t.url, apiKeyId: Number(id), apiKey: key });
      assert.equal(await c.apiKeys.validate(), true, "the old key works during the overlap");
      h.t.fake!.advance(DAY + 1);
      try {
        await assert.rejects(c.apiKeys.validate(), /401|unauthorized/i);
        await h.t.running.app.services.scheduler.tick();
        assert.equal(
          (await h.keyIds()).includes(Number(id)),
          false,
          "deleted once its overlap ended",
        );
      } finally {
        h.t.fake!.advance(-(DAY + 1));
        await c.close();
      }
      assert.ok(h.warnings.some((w) => w.includes(`key ${id} keeps working until`)));
    });

    it("lets a destroy delete a role and a scope definition that only retiring keys still use", async () => {
      const role = await checkAndCreate(h.roles, {
        name: "Short-lived",
        components: { rules: "view" },
      });
      const scope = await checkAndCreate(h.scopes, {
        name: "short-lived",
        areas: { assets: { mode: "see_all" } },
      });
      const key = await checkAndCreate(h.keys, {
        roles: ["Short-lived"],
        scope: scope.id,
        overlap: "1h",
      });
      // A still-active key blocks it.
      await assert.rejects(h.roles.delete!(role.id, role.outs), /still bound/);
      await h.keys.delete!(key.id, key.outs);
      await h.roles.delete!(role.id, role.outs);
      await h.scopes.delete!(scope.id, scope.outs);
      assert.ok(
        h.warnings.some((w) => /role 'Short-lived' is still held by keys in their overlap/.test(w)),
      );
      assert.deepEqual(await h.roles.read!(role.id, role.outs), {}, "gone for the stack");
      // Its name is free at once, and the retiring key keeps its permissions until it expires.
      const again = await checkAndCreate(h.roles, {
        name: "Short-lived",
        components: { rules: "view" },
      });
      assert.notEqual(again.id, role.id);
      const v = await h.client.auth.verify({
        headers: { "x-xdr-auth-id": key.id, authorization: (key.outs as ApiKeyState).key },
      });
      assert.deepEqual(v.roles, ["Short-lived"]);
      h.t.fake!.advance(2 * 3_600_000);
      try {
        await h.t.running.app.services.scheduler.tick();
        const roles = (await h.client.roles.list()).items.map((r) => r.role_id);
        assert.ok(!roles.includes(role.id) && roles.includes(again.id));
        assert.equal(
          (await h.client.scopes.listDefinitions()).items.some((d) => d.scope_id === scope.id),
          false,
        );
        assert.equal((await h.keyIds()).includes(Number(key.id)), false);
      } finally {
        h.t.fake!.advance(-2 * 3_600_000);
      }
      await h.roles.delete!(again.id, again.outs);
    });

    it("with overlap, deletes an old key that has already expired (never revives it)", async () => {
      const { id, outs } = await checkAndCreate(h.keys, {
        roles: ["Viewer"],
        expiresIn: "1h",
        overlap: "24h",
      });
      h.t.fake!.advance(2 * 3_600_000);
      try {
        await h.keys.delete!(id, outs);
        assert.equal((await h.keyIds()).includes(Number(id)), false);
      } finally {
        h.t.fake!.advance(-2 * 3_600_000);
      }
    });

    it("adopts an existing key: brings it to the declared state, and says its value is unknown", async () => {
      const k = await h.t.createKey({ roles: ["Viewer"], comment: "made by hand" });
      const { id, outs } = await checkAndCreate(h.keys, {
        roles: ["Investigator"],
        comment: "adopted",
        adopt: k.id,
      });
      const s = outs as ApiKeyState;
      assert.equal(id, String(k.id));
      assert.equal(s.key, ADOPTED_KEY_VALUE);
      assert.equal(s.adopted, true);
      assert.deepEqual(s.roles, ["Investigator"]);
      assert.equal(s.comment, "adopted");
    });
  });
});
