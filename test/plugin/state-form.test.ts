/**
 * Stacks whose state an earlier plugin version wrote: that version kept every bookkeeping field
 * in `__keyplane`; this one keeps only what the stored inputs do not imply. A stack `up`ped in
 * the full form refreshes (drift found and repaired), updates and destroys with this plugin.
 */
import * as assert from "node:assert/strict";
import { BOOKKEEPING, fromOutputs, KINDS, toOutputs } from "../../provider/plugin/kinds";
import { startTestServer, type TestServer } from "../helpers/server";
import { adminClient, outputsOf, serverKeyIds } from "../helpers/stacks";
import { pluginStack, type PluginStack } from "./support";

const apiKey = KINDS.find((k) => k.name === "ApiKey")!;

const program = (comment: string, roles: string) => `name: kp-state-form
runtime: yaml
resources:
  k:
    type: keyplane:index:ApiKey
    properties:
      roles: ${roles}
      comment: ${comment}
      expiresIn: 30d
outputs:
  keyId: \${k.keyId}
`;

type Res = { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> };
const keyOf = (d: { deployment: { resources: Res[] } }) =>
  d.deployment.resources.find((r) => r.type === "keyplane:index:ApiKey")!;

/** Rewrites the key's state in the full form an earlier plugin version wrote (secrets stay encrypted). */
async function toFullForm(p: PluginStack): Promise<Record<string, unknown>> {
  const d = p.exported();
  const r = keyOf(d);
  r.outputs = toOutputs(apiKey, fromOutputs(apiKey, r.outputs, r.inputs));
  await p.stack.importStack(d);
  const book = keyOf(p.exported()).outputs[BOOKKEEPING] as Record<string, unknown>;
  assert.equal(typeof book, "object", "the state is in the full form");
  return book;
}

describe("plugin states in the full bookkeeping form of earlier versions", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  it("writes the compact form, and updates and destroys a stack in the full form", async () => {
    const p = await pluginStack(t, { "Pulumi.yaml": program("first", "[Viewer]") });
    const o = outputsOf(await p.stack.up());
    assert.equal(keyOf(p.exported()).outputs[BOOKKEEPING], undefined, "nothing to keep");
    const book = await toFullForm(p);
    assert.deepEqual(book.rolesInput, ["Viewer"]);
    assert.equal(book.commentInput, "first");
    await p.stack.preview({ expectNoChanges: true });
    p.write("Pulumi.yaml", program("second", "[Viewer, Investigator]"));
    const u = await p.stack.up();
    assert.equal(u.summary.resourceChanges?.update, 1, JSON.stringify(u.summary.resourceChanges));
    assert.equal(outputsOf(u).keyId, o.keyId, "the same key");
    const a = adminClient(t);
    const k = await a.apiKeys.get(o.keyId);
    assert.equal(k.comment, "second");
    assert.deepEqual([...k.roles].sort(), ["Investigator", "Viewer"]);
    await a.close();
    await p.stack.preview({ refresh: true, expectNoChanges: true });
    await toFullForm(p);
    await p.stack.destroy();
    assert.ok(!(await serverKeyIds(t)).includes(o.keyId), "destroy removed the key");
  });

  it("refreshes a stack in the full form: drift found, kept through the refresh, repaired", async () => {
    const p = await pluginStack(t, { "Pulumi.yaml": program("declared", "[Viewer]") });
    const o = outputsOf(await p.stack.up());
    await toFullForm(p);
    const a = adminClient(t);
    try {
      await a.apiKeys.edit(o.keyId, { comment: "by hand" });
      await assert.rejects(
        p.stack.preview({ refresh: true, expectNoChanges: true }),
        /no changes were expected/i,
      );
      await p.stack.refresh();
      const after = keyOf(p.exported());
      assert.equal(after.inputs.comment, "by hand", "refresh stored the live comment as input");
      const book = after.outputs[BOOKKEEPING] as Record<string, unknown>;
      assert.equal(book.commentInput, "declared", "and kept the declared one");
      await assert.rejects(p.stack.preview({ expectNoChanges: true }), /no changes were expected/i);
      await p.stack.up();
      assert.equal((await a.apiKeys.get(o.keyId)).comment, "declared");
      await p.stack.preview({ refresh: true, expectNoChanges: true });
    } finally {
      await a.close();
      await p.stack.destroy();
    }
    assert.ok(!(await serverKeyIds(t)).includes(o.keyId));
  });
});
