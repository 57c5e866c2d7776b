/** examples/yaml and examples/python run against a real server through the native plugin. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../helpers/paths";
import { keyWorks } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { adminClient, credentialEnv, outputsOf } from "../helpers/stacks";
import { pythonEnv, pythonVenv } from "./python";
import { pluginStack } from "./support";

const filesOf = (name: string) => {
  const dir = path.join(repoRoot, "examples", name);
  return Object.fromEntries(
    fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
  );
};

describe("the YAML and Python examples", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  for (const name of ["yaml", "python"]) {
    it(`${name}: a working, scoped, rotating Advanced key with a custom role; destroy retires it (overlap)`, async () => {
      const extraEnv =
        name === "python"
          ? { ...credentialEnv(t.url, t.admin), ...pythonEnv(pythonVenv()) }
          : undefined;
      const p = await pluginStack(t, filesOf(name), { extraEnv });
      let keyId = 0;
      try {
        const r = await p.stack.up();
        const o = outputsOf(r);
        keyId = o.ciKeyId;
        assert.equal(r.outputs.ciKey!.secret, true);
        assert.ok(await keyWorks(t.url, { id: o.ciKeyId, key: o.ciKey, level: "advanced" }));
        const a = adminClient(t);
        const k = await a.apiKeys.get(o.ciKeyId);
        assert.deepEqual(k.roles, ["Deployer"]);
        assert.equal(
          (await a.scopes.get("api-key", o.ciKeyId)).endpoints.endpoint_groups.mode,
          "scope",
        );
        await a.close();
        await p.stack.preview({ expectNoChanges: true });
      } finally {
        await p.stack.destroy();
      }
      // overlap: 24h, so destroy only shortens the key's life to a day; the server deletes it then.
      const a = adminClient(t);
      const left = await a.apiKeys.get(keyId);
      assert.ok(
        left.expiration! <= Date.now() + 24 * 3_600_000 + 60_000,
        new Date(left.expiration!).toISOString(),
      );
      await a.close();
    });
  }
});
