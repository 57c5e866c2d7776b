/**
 * The plugin's scenario table, from YAML and from Python: drift of each kind made by hand
 * (detected by a refreshed preview, repaired by up --refresh), time-driven replacements that
 * say why, and a replacement with overlap that keeps the old key working until the overlap ends.
 * (The dynamic provider's table is test/provider/scenarios.test.ts.)
 */
import * as assert from "node:assert/strict";
import { keyWorks } from "../helpers/run";
import { OffsetClock, startTestServer, type TestServer } from "../helpers/server";
import { adminClient, credentialEnv, outputsOf } from "../helpers/stacks";
import { pythonEnv, pythonVenv } from "./python";
import { pluginStack, type PluginStack } from "./support";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Props = Record<string, unknown>;

/** A program with one ApiKey `k` of the given properties, as the project's files, per language. */
const LANGUAGES: Record<string, (props: Props) => Record<string, string>> = {
  yaml: (props) => ({
    // JSON is YAML: the properties go in as a flow mapping.
    "Pulumi.yaml": `name: kp-yaml-scenario\nruntime: yaml\nresources:\n  k:\n    type: keyplane:index:ApiKey\n    properties: ${JSON.stringify(props)}\noutputs:\n  keyId: \${k.keyId}\n  key: \${k.key}\n`,
  }),
  python: (props) => {
    const snake = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
    );
    return {
      "Pulumi.yaml": "name: kp-python-scenario\nruntime: python\n",
      "__main__.py": `import json\nimport pulumi\nimport pulumi_keyplane as keyplane\n\nk = keyplane.ApiKey("k", **json.loads(${JSON.stringify(JSON.stringify(snake))}))\npulumi.export("keyId", k.key_id)\npulumi.export("key", k.key)\n`,
    };
  },
};

for (const [language, filesFor] of Object.entries(LANGUAGES))
  describe(`the plugin's scenario table from ${language === "yaml" ? "YAML" : "Python"}`, function () {
    this.timeout(10 * 60_000);
    const clock = new OffsetClock();
    let t: TestServer;
    const stacks: PluginStack[] = [];

    before(async () => {
      t = await startTestServer({ clock });
    });
    after(async () => {
      for (const p of stacks) await p.stack.destroy().catch(() => undefined);
      await t?.close();
    });

    async function stackOf(props: Props): Promise<PluginStack> {
      const extraEnv =
        language === "python"
          ? { ...credentialEnv(t.url, t.admin), ...pythonEnv(pythonVenv()) }
          : undefined;
      const p = await pluginStack(t, filesFor(props), { extraEnv });
      stacks.push(p);
      return p;
    }
    const rewrite = (p: PluginStack, props: Props) => {
      for (const [f, text] of Object.entries(filesFor(props))) p.write(f, text);
    };

    const cases: Array<{
      name: string;
      props: Props;
      drift: (id: number) => Promise<void>;
      repaired: (before: number, after: number) => Promise<void>;
    }> = [
      {
        name: "a key deleted out of band",
        props: { roles: ["Viewer"] },
        drift: async (id) => void (await adminClient(t).apiKeys.delete(id)),
        repaired: async (before, after) => assert.notEqual(after, before, "a new key was minted"),
      },
      {
        name: "a role changed out of band",
        props: { roles: ["Viewer"] },
        drift: async (id) =>
          void (await adminClient(t).apiKeys.edit(id, { roles: ["Investigator"] })),
        repaired: async (before, after) => {
          assert.equal(after, before);
          assert.deepEqual((await adminClient(t).apiKeys.get(after)).roles, ["Viewer"]);
        },
      },
      {
        name: "a scope changed out of band",
        props: { roles: ["Viewer"], scope: { assets: { mode: "see_all" } } },
        drift: async (id) =>
          void (await adminClient(t).scopes.set("api-key", id, { assets: { mode: "no_scope" } })),
        repaired: async (_before, after) =>
          assert.equal((await adminClient(t).scopes.get("api-key", after)).assets.mode, "see_all"),
      },
      {
        name: "a comment changed out of band",
        props: { roles: ["Viewer"], comment: "declared" },
        drift: async (id) =>
          void (await adminClient(t).apiKeys.edit(id, { comment: "edited by hand" })),
        repaired: async (_before, after) =>
          assert.equal((await adminClient(t).apiKeys.get(after)).comment, "declared"),
      },
      {
        name: "an expiration changed out of band",
        props: { roles: ["Viewer"], expiresIn: "30d" },
        drift: async (id) =>
          void (await adminClient(t).apiKeys.edit(id, { expiration: Date.now() + 300 * DAY })),
        repaired: async (before, after) => {
          assert.equal(after, before);
          const exp = (await adminClient(t).apiKeys.get(after)).expiration!;
          assert.ok(
            exp < Date.now() + 31 * DAY && exp > Date.now() + 29 * DAY,
            new Date(exp).toISOString(),
          );
        },
      },
      {
        name: "an expired key",
        props: { roles: ["Viewer"], expiresIn: "30d" },
        drift: async (id) => {
          // Expire it behind the API's back (the API refuses past expirations).
          await t.running.store.updateKey(id, {
            expiration: Date.now() - 60_000,
            by: null,
            now: Date.now(),
          });
          t.running.app.services.cache.invalidate();
        },
        repaired: async (before, after) => {
          assert.notEqual(after, before, "an expired key is replaced");
          assert.ok((await adminClient(t).apiKeys.get(after)).expiration! > Date.now() + 29 * DAY);
        },
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const p = await stackOf(c.props);
        const before = outputsOf(await p.stack.up()).keyId as number;
        await p.stack.preview({ refresh: true, expectNoChanges: true });
        await c.drift(before);
        await assert.rejects(
          p.stack.preview({ refresh: true, expectNoChanges: true }),
          /no changes were expected/i,
        );
        const after = outputsOf(await p.stack.up({ refresh: true })).keyId as number;
        await c.repaired(before, after);
        await p.stack.preview({ refresh: true, expectNoChanges: true });
      });
    }

    it("a key inside rotateBefore plans a replacement, and the plan says why", async () => {
      const p = await stackOf({
        roles: ["Viewer"],
        expiration: new Date(Date.now() + 2 * DAY).toISOString(),
        rotateBefore: "7d",
      });
      const first = outputsOf(await p.stack.up()).keyId as number;
      const pv = await p.stack.preview({ diff: true });
      assert.equal(pv.changeSummary.replace, 1, JSON.stringify(pv.changeSummary));
      // The reason is a warning on the resource (stderr in a non-interactive run); the diff marks rotateBefore.
      assert.match(
        pv.stderr,
        new RegExp(
          `warning: keyplane: key ${first} expires in (1|2) d, rotateBefore 7 d: replacing it`,
        ),
      );
      assert.match(pv.stdout, /rotateBefore/);
    });

    it("an expired key plans a replacement in a plain preview, and says why", async () => {
      const p = await stackOf({ roles: ["Viewer"], expiresIn: "30d" });
      const id = outputsOf(await p.stack.up()).keyId as number;
      await t.running.store.updateKey(id, {
        expiration: Date.now() - 2 * DAY,
        by: null,
        now: Date.now(),
      });
      t.running.app.services.cache.invalidate();
      const pv = await p.stack.preview({ refresh: true, diff: true });
      assert.equal(pv.changeSummary.replace, 1, JSON.stringify(pv.changeSummary));
      assert.match(
        pv.stderr,
        new RegExp(`warning: keyplane: key ${id} expired 2 d ago: replacing it`),
      );
      assert.match(pv.stdout, /expiresIn/);
    });

    it("overlap keeps the old key working after a replacement, until the overlap ends", async () => {
      const p = await stackOf({
        roles: ["Viewer"],
        securityLevel: "standard",
        overlap: "1h",
        expiresIn: "30d",
      });
      const before = outputsOf(await p.stack.up());
      rewrite(p, { roles: ["Viewer"], securityLevel: "advanced", overlap: "1h", expiresIn: "30d" });
      const after = outputsOf(await p.stack.up());
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
  });
