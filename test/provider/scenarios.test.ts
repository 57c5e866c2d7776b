/**
 * Whole scenarios through the Automation API and the Pulumi CLI built from the Go module proxy:
 * create all four resources and update them in place; replace a key with overlap; drift made by
 * hand detected by a refreshed preview and repaired by `up --refresh`; bad inputs stopped at
 * preview; parallel creates; destroy; secrets in state; a server that moved before destroy.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import * as keyplane from "../../provider";
import { keyWorks } from "../helpers/run";
import { OffsetClock, startTestServer, type TestServer } from "../helpers/server";
import {
  adminClient,
  credentialEnv,
  inlineStack,
  outputsOf,
  PASSPHRASE,
  serverKeyIds,
} from "../helpers/stacks";

const HOUR = 3_600_000;

describe("provider scenarios on the Pulumi engine", function () {
  this.timeout(10 * 60_000);
  const clock = new OffsetClock();
  let t: TestServer;
  const stacks: Stack[] = [];

  before(async () => {
    t = await startTestServer({ clock });
  });
  after(async () => {
    for (const s of stacks) await s.destroy().catch(() => undefined);
    await t.close();
  });

  it("creates all four resources, then updates them in place", async () => {
    const spec = {
      components: { cases_issues: "view" } as Record<string, string>,
      comment: "first",
      groups: ["emea"],
    };
    const { stack } = await inlineStack(t, async () => {
      const role = new keyplane.Role("team-role", {
        name: "Team Role",
        components: spec.components as never,
      });
      const scope = new keyplane.ScopeDefinition("team-scope", {
        name: "Team Scope",
        areas: { endpoints: { endpoint_groups: { mode: "scope", names: spec.groups } } },
      });
      const key = new keyplane.ApiKey("team-key", {
        roles: [role.name],
        comment: spec.comment,
        scope: scope.scopeId,
        expiresIn: "30d",
      });
      const adv = new keyplane.ApiKey("team-adv", {
        roles: ["Viewer"],
        securityLevel: "advanced",
        expiresIn: "30d",
      });
      const bind = new keyplane.RoleBinding("team-bind", {
        principal: { type: "apiKey", id: key.keyId },
        role: "Key Verifier",
      });
      return {
        keyId: key.keyId,
        key: key.key,
        advId: adv.keyId,
        advKey: adv.key,
        roleId: role.roleId,
        scopeId: scope.scopeId,
        bindingId: bind.bindingId,
      };
    });
    stacks.push(stack);
    const first = await stack.up();
    assert.equal(first.summary.resourceChanges?.create, 6);
    const o = outputsOf(first);
    assert.ok(await keyWorks(t.url, { id: o.keyId, key: o.key }));
    assert.ok(await keyWorks(t.url, { id: o.advId, key: o.advKey, level: "advanced" }));
    assert.equal(first.outputs.key!.secret, true, "the key is a secret output");

    spec.components = { cases_issues: "view_edit", endpoints: "view" };
    spec.comment = "second";
    spec.groups = ["emea", "apac"];
    const second = await stack.up();
    assert.equal(
      second.summary.resourceChanges?.update,
      3,
      JSON.stringify(second.summary.resourceChanges),
    );
    assert.equal(second.summary.resourceChanges?.replace ?? 0, 0);
    const o2 = outputsOf(second);
    assert.equal(o2.keyId, o.keyId, "updated in place: same key");
    const a = adminClient(t);
    assert.equal((await a.apiKeys.get(o.keyId)).comment, "second");
    assert.deepEqual((await a.roles.get(o.roleId)).components, {
      cases_issues: "view_edit",
      endpoints: "view",
    });
    assert.deepEqual(
      (await a.scopes.getDefinition(o.scopeId)).areas.endpoints.endpoint_groups.tags.map(
        (x) => x.tag_name,
      ),
      ["apac", "emea"],
    );
    await a.close();
    await stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("replaces a key whose securityLevel changes; with overlap the old key works until the overlap ends", async () => {
    const spec = { level: "standard" as "standard" | "advanced" };
    const { stack } = await inlineStack(t, async () => {
      const k = new keyplane.ApiKey("rotating", {
        roles: ["Viewer"],
        securityLevel: spec.level,
        overlap: "1h",
        expiresIn: "30d",
      });
      return { keyId: k.keyId, key: k.key };
    });
    stacks.push(stack);
    const before = outputsOf(await stack.up());
    spec.level = "advanced";
    const preview = await stack.preview();
    assert.equal(preview.changeSummary.replace, 1);
    const after = outputsOf(await stack.up());
    assert.notEqual(after.keyId, before.keyId);
    assert.ok(
      await keyWorks(t.url, { id: after.keyId, key: after.key, level: "advanced" }),
      "the new key works",
    );
    assert.ok(
      await keyWorks(t.url, { id: before.keyId, key: before.key }),
      "the old key still works during the overlap",
    );
    clock.advance(HOUR + 60_000);
    try {
      assert.equal(
        await keyWorks(t.url, { id: before.keyId, key: before.key }),
        false,
        "the old key stops once the overlap ends",
      );
    } finally {
      clock.advance(-(HOUR + 60_000));
    }
  });

  describe("drift made by hand is detected by a refreshed preview and repaired by up --refresh", () => {
    const cases: Array<{
      name: string;
      args: keyplane.ApiKeyArgs;
      drift: (t: TestServer, id: number) => Promise<void>;
      repaired: (t: TestServer, before: number, after: number) => Promise<void>;
    }> = [
      {
        name: "a key deleted out of band",
        args: { roles: ["Viewer"] },
        drift: async (t, id) => void (await adminClient(t).apiKeys.delete(id)),
        repaired: async (_t, before, after) =>
          assert.notEqual(after, before, "a new key was minted"),
      },
      {
        name: "a role changed out of band",
        args: { roles: ["Viewer"] },
        drift: async (t, id) =>
          void (await adminClient(t).apiKeys.edit(id, { roles: ["Investigator"] })),
        repaired: async (t, before, after) => {
          assert.equal(after, before);
          assert.deepEqual((await adminClient(t).apiKeys.get(after)).roles, ["Viewer"]);
        },
      },
      {
        name: "a scope changed out of band",
        args: { roles: ["Viewer"], scope: { assets: { mode: "see_all" } } },
        drift: async (t, id) =>
          void (await adminClient(t).scopes.set("api-key", id, { assets: { mode: "no_scope" } })),
        repaired: async (t, _before, after) =>
          assert.equal((await adminClient(t).scopes.get("api-key", after)).assets.mode, "see_all"),
      },
      {
        name: "a comment changed out of band",
        args: { roles: ["Viewer"], comment: "declared" },
        drift: async (t, id) =>
          void (await adminClient(t).apiKeys.edit(id, { comment: "edited by hand" })),
        repaired: async (t, _before, after) =>
          assert.equal((await adminClient(t).apiKeys.get(after)).comment, "declared"),
      },
      {
        name: "an expired key",
        args: { roles: ["Viewer"], expiresIn: "30d" },
        drift: async (t, id) => {
          // Expire it behind the API's back (the API refuses past expirations).
          await t.running.store.updateKey(id, {
            expiration: Date.now() - 60_000,
            by: null,
            now: Date.now(),
          });
          t.running.app.services.cache.invalidate();
        },
        repaired: async (t, before, after) => {
          assert.notEqual(after, before, "an expired key is replaced");
          const k = await adminClient(t).apiKeys.get(after);
          assert.ok(k.expiration! > Date.now() + 29 * 24 * HOUR);
        },
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { stack } = await inlineStack(t, async () => {
          const k = new keyplane.ApiKey("drifting", c.args);
          return { keyId: k.keyId };
        });
        stacks.push(stack);
        const before = outputsOf(await stack.up()).keyId as number;
        await stack.preview({ refresh: true, expectNoChanges: true });
        await c.drift(t, before);
        await assert.rejects(
          stack.preview({ refresh: true, expectNoChanges: true }),
          /no changes were expected/i,
        );
        const after = outputsOf(await stack.up({ refresh: true })).keyId as number;
        await c.repaired(t, before, after);
        await stack.preview({ refresh: true, expectNoChanges: true });
      });
    }
  });

  describe("bad inputs stop preview (creating nothing) and up, naming the field", () => {
    const cases: Array<{ name: string; make: () => void; message: RegExp }> = [
      {
        name: "an empty roles list",
        make: () => new keyplane.ApiKey("bad", { roles: [] }),
        message: /property roles value .* has a problem: must name at least one role/,
      },
      {
        name: "a past expiration",
        make: () =>
          new keyplane.ApiKey("bad", { roles: ["Viewer"], expiration: "2020-01-01T00:00:00Z" }),
        message: /property expiration .* has a problem: 2020-01-01T00:00:00.000Z is in the past/,
      },
      {
        name: "a malformed duration",
        make: () => new keyplane.ApiKey("bad", { roles: ["Viewer"], expiresIn: "ninety days" }),
        message: /property expiresIn .* has a problem: 'ninety days' is not a duration/,
      },
      {
        name: "a scope mode not valid for its area",
        make: () =>
          new keyplane.ScopeDefinition("bad", {
            name: "x",
            areas: { assets: { mode: "any" as never } },
          }),
        message:
          /property areas\.assets\.mode .* has a problem: mode 'any' is not valid for assets/,
      },
      {
        name: "a scope definition with no areas",
        make: () => new keyplane.ScopeDefinition("bad", { name: "x", areas: {} }),
        message: /property areas .* has a problem: must set at least one area/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const keysBefore = await serverKeyIds(t);
        const { stack } = await inlineStack(t, async () => {
          new keyplane.ApiKey("good", { roles: ["Viewer"] });
          c.make();
          return {};
        });
        stacks.push(stack);
        await assert.rejects(stack.preview(), c.message);
        assert.deepEqual(await serverKeyIds(t), keysBefore, "preview created nothing");
        // `up` stops at the same check (resources declared before it may already exist, as with any provider).
        await assert.rejects(stack.up(), c.message);
      });
    }
  });

  it("creates many keys in parallel (--parallel 16) without losing or doubling any", async () => {
    const keysBefore = await serverKeyIds(t);
    const { stack } = await inlineStack(t, async () => {
      const ids: Record<string, unknown> = {};
      for (let i = 0; i < 24; i++)
        ids[`k${i}`] = new keyplane.ApiKey(`p${i}`, {
          roles: ["Viewer"],
          securityLevel: i % 2 ? "advanced" : "standard",
          comment: `parallel ${i}`,
        }).keyId;
      return ids;
    });
    stacks.push(stack);
    const r = await stack.up({ parallel: 16 });
    const ids = Object.values(outputsOf(r)) as number[];
    assert.equal(new Set(ids).size, 24);
    const now = await serverKeyIds(t);
    assert.equal(now.length, keysBefore.length + 24);
    await stack.destroy({ parallel: 16 });
    assert.deepEqual(await serverKeyIds(t), keysBefore, "destroy leaves no key behind");
  });

  it("destroy leaves no key, binding, scope definition or role behind", async () => {
    const keysBefore = await serverKeyIds(t);
    const a = adminClient(t);
    const roles = (await a.roles.list()).items.length;
    const defs = (await a.scopes.listDefinitions()).items.length;
    const binds = (await a.bindings.list()).totalCount;
    const { stack } = await inlineStack(t, async () => {
      const role = new keyplane.Role("d-role", {
        name: "Destroy Me",
        components: { rules: "view" },
      });
      const scope = new keyplane.ScopeDefinition("d-scope", {
        name: "Destroy Me Too",
        areas: { assets: { mode: "see_all" } },
      });
      const k = new keyplane.ApiKey("d-key", { roles: [role.name], scope: scope.scopeId });
      new keyplane.RoleBinding("d-bind", {
        principal: { type: "apiKey", id: k.keyId },
        role: "Key Verifier",
      });
      return {};
    });
    await stack.up();
    await stack.destroy();
    assert.deepEqual(await serverKeyIds(t), keysBefore);
    assert.equal((await a.roles.list()).items.length, roles);
    assert.equal((await a.scopes.listDefinitions()).items.length, defs);
    assert.equal((await a.bindings.list()).totalCount, binds);
    await a.close();
  });

  it("keeps the admin credential and every minted key out of the state in plaintext", async () => {
    // Credentials from stack config this time (the secret is encrypted with the passphrase).
    const { stack, dir, engine } = await inlineStack(
      t,
      async () => {
        const s = new keyplane.ApiKey("secret-s", { roles: ["Viewer"] });
        const a = new keyplane.ApiKey("secret-a", { roles: ["Viewer"], securityLevel: "advanced" });
        return { s: s.key, a: a.key };
      },
      { env: {} },
    );
    stacks.push(stack);
    await stack.setAllConfig({
      "keyplane:endpoint": { value: t.url },
      "keyplane:apiKeyId": { value: String(t.admin.id) },
      "keyplane:apiKey": { value: t.admin.key, secret: true },
    });
    const o = outputsOf(await stack.up());
    // `pulumi stack export` without --show-secrets (the Automation API's exportStack() shows them).
    const exported = execFileSync(
      path.join(engine.binDir, "pulumi"),
      ["stack", "export", "--stack", stack.name, "--non-interactive"],
      {
        cwd: stack.workspace.workDir,
        env: { ...process.env, ...engine.envVars },
        encoding: "utf8",
      },
    );
    assert.match(exported, /"ciphertext"/, "the secrets are there, encrypted");
    const files = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "latin1"))
      .join("\n");
    for (const [what, secret] of [
      ["the admin key", t.admin.key],
      ["the Standard key", o.s as string],
      ["the Advanced key", o.a as string],
    ] as const) {
      assert.ok(secret.length >= 64);
      assert.ok(!exported.includes(secret), `${what} is in the exported state`);
      assert.ok(!files.includes(secret), `${what} is in a file under the stack's directory`);
    }
    assert.ok(!exported.includes(PASSPHRASE));
  });

  it("destroys after the server moved to a new port (credentials from env only)", async () => {
    const moving = await startTestServer();
    const { stack, engine } = await inlineStack(moving, async () => {
      new keyplane.ApiKey("mover", { roles: ["Viewer"], comment: "moves" });
      return {};
    });
    await stack.up();
    const dbUrl = moving.dbUrl;
    const admin = moving.admin;
    const keyring = moving.keyring;
    await moving.running.close();
    const moved = await startTestServer({ dbUrl, keyring });
    try {
      assert.notEqual(moved.url, moving.url);
      moved.admin = admin;
      Object.assign(stack.workspace.envVars, credentialEnv(moved.url, admin));
      void engine;
      const r = await stack.destroy();
      assert.equal(r.summary.result, "succeeded");
      const ids = await serverKeyIds(moved);
      assert.deepEqual(ids, [admin.id]);
    } finally {
      await moved.close();
      await moving.close();
    }
  });
});
