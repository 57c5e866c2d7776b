/**
 * The provider's methods called directly against a real server: check, diff, create, read,
 * update and delete of each resource, with the server and the provider sharing a fake clock for
 * expiries and rotateBefore. Fast and fine-grained; the engine scenarios are in scenarios.test.ts.
 */
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { sdkApi, type ProviderApi } from "../../provider/api";
import type { ProviderDeps } from "../../provider/common";
import {
  ADOPTED_KEY_VALUE,
  apiKeyProvider,
  type ApiKeyState,
} from "../../provider/resources/apiKey";
import { roleProvider, type RoleState } from "../../provider/resources/role";
import { roleBindingProvider, type RoleBindingState } from "../../provider/resources/roleBinding";
import {
  scopeDefinitionProvider,
  type ScopeDefinitionState,
} from "../../provider/resources/scopeDefinition";
import { KeyplaneClient } from "../../sdk";
import { startTestServer, type TestServer } from "../helpers/server";

const DAY = 86_400_000;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface Harness {
  t: TestServer;
  client: KeyplaneClient;
  api: ProviderApi;
  warnings: string[];
  deps: ProviderDeps;
  keys: pulumi.dynamic.ResourceProvider;
  bindings: pulumi.dynamic.ResourceProvider;
  scopes: pulumi.dynamic.ResourceProvider;
  roles: pulumi.dynamic.ResourceProvider;
  /** Keys on the server, by id. */
  keyIds(): Promise<number[]>;
}

async function harness(): Promise<Harness> {
  const t = await startTestServer({ fakeClock: Date.UTC(2026, 10, 1) });
  const client = new KeyplaneClient({
    endpoint: t.url,
    apiKeyId: t.admin.id,
    apiKey: t.admin.key,
    retryBaseDelayMs: 5,
  });
  const api = sdkApi(client);
  const warnings: string[] = [];
  const deps: ProviderDeps = {
    now: () => t.clock.now(),
    api: () => api,
    warn: (m) => warnings.push(m),
  };
  return {
    t,
    client,
    api,
    warnings,
    deps,
    keys: apiKeyProvider(deps),
    bindings: roleBindingProvider(deps),
    scopes: scopeDefinitionProvider(deps),
    roles: roleProvider(deps),
    async keyIds() {
      const page = await client.apiKeys.list({ searchTo: 1000 });
      return page.items.map((k) => k.id);
    },
  };
}

/** check, then create, as the engine does. */
async function checkAndCreate(p: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>) {
  const c = await p.check!({}, news);
  assert.deepEqual(
    c.failures ?? [],
    [],
    `unexpected check failures: ${JSON.stringify(c.failures)}`,
  );
  const r = await p.create(c.inputs);
  return { id: r.id, outs: r.outs, inputs: c.inputs };
}

describe("provider methods against a real server", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h.client.close();
    await h.t.close();
  });
  beforeEach(() => {
    h.warnings.length = 0;
  });

  describe("check", () => {
    const noServer: ProviderDeps = {
      now: () => Date.UTC(2026, 10, 1),
      api: () => {
        throw new Error("check must not call the server");
      },
      warn: () => undefined,
    };
    const long = "x".repeat(1025);
    const cases: Array<{
      name: string;
      provider: (d: ProviderDeps) => pulumi.dynamic.ResourceProvider;
      news: Record<string, unknown>;
      property: string;
      reason: RegExp;
    }> = [
      {
        name: "a past expiration",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiration: "2020-01-01T00:00:00Z" },
        property: "expiration",
        reason: /in the past/,
      },
      {
        name: "an expiration that is not a date",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiration: "next week" },
        property: "expiration",
        reason: /ISO-8601/,
      },
      {
        name: "a malformed expiresIn",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiresIn: "90 days" },
        property: "expiresIn",
        reason: /not a duration/,
      },
      {
        name: "a malformed rotateBefore",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiresIn: "90d", rotateBefore: "soon" },
        property: "rotateBefore",
        reason: /not a duration/,
      },
      {
        name: "a malformed overlap",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], overlap: "1 day" },
        property: "overlap",
        reason: /not a duration/,
      },
      {
        name: "an empty roles list",
        provider: apiKeyProvider,
        news: { roles: [] },
        property: "roles",
        reason: /at least one role/,
      },
      {
        name: "missing roles",
        provider: apiKeyProvider,
        news: {},
        property: "roles",
        reason: /required/,
      },
      {
        name: "an over-long comment",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], comment: long },
        property: "comment",
        reason: /at most 1024/,
      },
      {
        name: "an unknown security level",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], securityLevel: "paranoid" },
        property: "securityLevel",
        reason: /standard.*advanced/,
      },
      {
        name: "both expiration and expiresIn",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiration: "2030-01-01", expiresIn: "9d" },
        property: "expiresIn",
        reason: /not both/,
      },
      {
        name: "rotateBefore without an expiry",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], rotateBefore: "7d" },
        property: "rotateBefore",
        reason: /needs `expiration` or `expiresIn`/,
      },
      {
        name: "a scope mode not valid for its area",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], scope: { assets: { mode: "any" } } },
        property: "scope.assets.mode",
        reason: /not valid for assets/,
      },
      {
        name: "an unknown property",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiry: "9d" },
        property: "(inputs)",
        reason: /unknown property: expiry/,
      },
      {
        name: "a scope definition with no areas",
        provider: scopeDefinitionProvider,
        news: { name: "s", areas: {} },
        property: "areas",
        reason: /at least one area/,
      },
      {
        name: "a scope definition with a mode not valid for its area",
        provider: scopeDefinitionProvider,
        news: { name: "s", areas: { cases_issues: { mode: "any" } } },
        property: "areas.cases_issues.mode",
        reason: /not valid for cases_issues/,
      },
      {
        name: "a scope mode `scope` with no names",
        provider: scopeDefinitionProvider,
        news: { name: "s", areas: { endpoints: { endpoint_groups: { mode: "scope" } } } },
        property: "areas.endpoints.endpoint_groups.names",
        reason: /at least one entry/,
      },
      {
        name: "a role with no permission",
        provider: roleProvider,
        news: { name: "r", components: { public_api: "none" } },
        property: "components",
        reason: /at least one component/,
      },
      {
        name: "a role with an unknown component",
        provider: roleProvider,
        news: { name: "r", components: { coffee: "view" } },
        property: "components",
        reason: /coffee/,
      },
      {
        name: "a binding to an unknown principal type",
        provider: roleBindingProvider,
        news: { principal: { type: "robot", id: "1" }, role: "Viewer" },
        property: "principal.type",
        reason: /user.*group.*apiKey/,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}, naming ${c.property}, without calling the server`, async () => {
        const r = await c.provider(noServer).check!({}, c.news);
        const f = (r.failures ?? []).find((x) => x.property === c.property);
        assert.ok(f, `expected a failure on ${c.property}, got ${JSON.stringify(r.failures)}`);
        assert.match(f.reason, c.reason);
      });
    }

    it("skips values the engine does not know yet (preview)", async () => {
      const r = await apiKeyProvider(noServer).check!(
        {},
        { roles: [UNKNOWN], scope: UNKNOWN, comment: "ok" },
      );
      assert.deepEqual(r.failures ?? [], []);
    });

    it("names an expiration that has passed since the key was made, and says what to do", async () => {
      const past = Date.UTC(2026, 9, 1);
      const r = await apiKeyProvider(noServer).check!(
        { roles: ["Viewer"], expiration: past },
        { roles: ["Viewer"], expiration: past },
      );
      assert.match(
        r.failures![0]!.reason,
        /has passed, so the key expired; set a later expiration/,
      );
    });
  });

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
