/**
 * The plugin's provider configuration: credentials from the stack config (`keyplane:*`, the key
 * a secret) reach Configure, the admin key stays out of the state in plaintext, and the
 * environment wins over the config when both are set.
 */
import * as assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server";
import { credentialEnv, outputsOf, serverKeyIds } from "../helpers/stacks";
import { pluginStack } from "./support";

const PROGRAM = `name: kp-config
runtime: yaml
resources:
  k:
    type: keyplane:index:ApiKey
    properties:
      roles: [Viewer]
outputs:
  keyId: \${k.keyId}
`;

describe("the plugin's provider configuration", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  it("takes the credentials from the stack config, the key as a secret", async () => {
    const p = await pluginStack(t, { "Pulumi.yaml": PROGRAM }, { env: {} });
    try {
      await p.stack.setAllConfig({
        "keyplane:endpoint": { value: t.url },
        "keyplane:apiKeyId": { value: String(t.admin.id) },
        "keyplane:apiKey": { value: t.admin.key, secret: true },
      });
      const o = outputsOf(await p.stack.up());
      assert.ok((await serverKeyIds(t)).includes(o.keyId));
      assert.ok(
        !(await p.stateText()).includes(t.admin.key),
        "the admin key is not in plaintext in the state or any file",
      );
    } finally {
      await p.stack.destroy();
    }
  });

  it("lets the environment win over the config", async () => {
    const p = await pluginStack(
      t,
      { "Pulumi.yaml": PROGRAM },
      { env: credentialEnv(t.url, t.admin) },
    );
    try {
      await p.stack.setAllConfig({
        "keyplane:endpoint": { value: "http://127.0.0.1:9" },
        "keyplane:apiKeyId": { value: "999" },
        "keyplane:apiKey": { value: "not-the-key", secret: true },
      });
      const o = outputsOf(await p.stack.up());
      assert.ok((await serverKeyIds(t)).includes(o.keyId));
    } finally {
      await p.stack.destroy();
    }
  });

  it("without any credentials, fails naming what is missing", async () => {
    const p = await pluginStack(t, { "Pulumi.yaml": PROGRAM }, { env: {} });
    await assert.rejects(p.stack.up(), /credentials are missing: the endpoint \(KEYPLANE_ENDPOINT/);
  });
});
