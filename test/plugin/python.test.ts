/**
 * The native plugin from a Python program using the generated SDK (pulumi_keyplane), through
 * the real engine and the Python language host built by scripts/ensure-pulumi.
 */
import * as assert from "node:assert/strict";
import { detectDrift } from "../../provider/drift";
import { keyWorks } from "../helpers/run";
import { OffsetClock, startTestServer, type TestServer } from "../helpers/server";
import { adminClient, credentialEnv, outputsOf, serverKeyIds } from "../helpers/stacks";
import { pythonEnv, pythonVenv } from "./python";
import { pluginStack, type PluginStack } from "./support";

interface Spec {
  comment: string;
  level: "standard" | "advanced";
  components: Record<string, string>;
  groups: string[];
  bad?: boolean;
}

function program(s: Spec): string {
  return `import pulumi
import pulumi_keyplane as keyplane

role = keyplane.Role("role", name="Py Role", components=${JSON.stringify(s.components)})
scope = keyplane.ScopeDefinition("scope", name="Py Scope", areas={"endpoints": {"endpoint_groups": {"mode": "scope", "names": ${JSON.stringify(s.groups)}}}})
key = keyplane.ApiKey("key", roles=[role.name], comment=${JSON.stringify(s.comment)}, security_level="${s.level}", scope=scope.scope_id, expires_in="30d")
bind = keyplane.RoleBinding("bind", principal={"type": "apiKey", "id": key.key_id.apply(str)}, role="Key Verifier")
${s.bad ? 'keyplane.ApiKey("bad", roles=[], expires_in="soon")\n' : ""}
pulumi.export("keyId", key.key_id)
pulumi.export("key", key.key)
pulumi.export("bindingId", bind.binding_id)
`;
}

const PROJECT = "name: kp-python\nruntime: python\n";
const BOOKKEEPING = [
  "rolesInput",
  "rolesResolved",
  "commentInput",
  "desiredExpiration",
  "expiresAtMs",
  "hasScope",
  "scopeAreas",
  "scopeInput",
  "__keyplane",
];

describe("the native plugin from a Python program", function () {
  this.timeout(10 * 60_000);
  const clock = new OffsetClock();
  let t: TestServer;
  let p: PluginStack;
  const spec: Spec = {
    comment: "first",
    level: "standard",
    components: { cases_issues: "view" },
    groups: ["emea"],
  };
  let first: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- stack outputs of any program
  const secrets: string[] = [];

  before(async () => {
    t = await startTestServer({ clock });
    const venv = pythonVenv();
    p = await pluginStack(
      t,
      { "Pulumi.yaml": PROJECT, "__main__.py": program(spec) },
      { extraEnv: { ...credentialEnv(t.url, t.admin), ...pythonEnv(venv) } },
    );
  });
  after(async () => {
    await p?.stack.destroy().catch(() => undefined);
    await t?.close();
  });

  it("creates all four kinds; the key works and is a secret", async () => {
    const r = await p.stack.up();
    assert.equal(r.summary.resourceChanges?.create, 5, JSON.stringify(r.summary.resourceChanges));
    first = outputsOf(r);
    secrets.push(first.key);
    assert.equal(r.outputs.key!.secret, true);
    assert.ok(await keyWorks(t.url, { id: first.keyId, key: first.key }));
    await p.stack.preview({ expectNoChanges: true });
  });

  it("updates comment, scope and a role in place; the plan names only declared properties", async () => {
    Object.assign(spec, {
      comment: "second",
      components: { cases_issues: "view_edit" },
      groups: ["emea", "apac"],
    });
    p.write("__main__.py", program(spec));
    const pv = await p.stack.preview({ diff: true });
    for (const b of BOOKKEEPING)
      assert.ok(!pv.stdout.includes(b), `the plan shows ${b}:\n${pv.stdout}`);
    const r = await p.stack.up();
    assert.equal(r.summary.resourceChanges?.update, 3, JSON.stringify(r.summary.resourceChanges));
    assert.equal(outputsOf(r).keyId, first.keyId);
    const a = adminClient(t);
    assert.equal((await a.apiKeys.get(first.keyId)).comment, "second");
    await a.close();
  });

  it("detects drift made by hand with a refreshed preview, and up --refresh repairs it", async () => {
    const a = adminClient(t);
    await a.apiKeys.edit(first.keyId, { roles: ["Viewer"] });
    const report = await detectDrift(p.stack, { within: 7 * 86_400_000 });
    assert.deepEqual(
      report.items.map((i) => `${i.type} ${i.kind}`),
      ["ApiKey role changed"],
      JSON.stringify(report.items),
    );
    await assert.rejects(
      p.stack.preview({ refresh: true, expectNoChanges: true }),
      /no changes were expected/i,
    );
    await p.stack.up({ refresh: true });
    assert.deepEqual((await a.apiKeys.get(first.keyId)).roles, ["Py Role"]);
    await a.close();
    await p.stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("replaces the key on a new securityLevel", async () => {
    spec.level = "advanced";
    p.write("__main__.py", program(spec));
    const o = outputsOf(await p.stack.up());
    secrets.push(o.key);
    assert.notEqual(o.keyId, first.keyId);
    assert.ok(await keyWorks(t.url, { id: o.keyId, key: o.key, level: "advanced" }));
    assert.ok(!(await serverKeyIds(t)).includes(first.keyId));
    first = o;
  });

  it("refuses bad inputs at preview, naming the field, and creates nothing", async () => {
    const before = await serverKeyIds(t);
    p.write("__main__.py", program({ ...spec, bad: true }));
    await assert.rejects(
      p.stack.preview(),
      (e: Error) => /roles/.test(e.message) && /at least one role/.test(e.message),
    );
    assert.deepEqual(await serverKeyIds(t), before);
    p.write("__main__.py", program(spec));
  });

  it("imports an existing key (pulumi import)", async () => {
    const a = adminClient(t);
    const made = await a.apiKeys.generate({
      roles: ["Viewer"],
      comment: "made elsewhere",
      securityLevel: "standard",
    });
    secrets.push(made.key);
    await a.close();
    const r = await p.stack.import({
      protect: false,
      generateCode: false,
      resources: [{ type: "keyplane:index:ApiKey", name: "imported", id: String(made.id) }],
    });
    assert.equal(r.summary.resourceChanges?.import, 1, JSON.stringify(r.summary.resourceChanges));
  });

  it("keeps every minted key and the admin key out of the state in plaintext; destroy leaves nothing", async () => {
    const st = await p.stateText();
    for (const s of [...secrets, t.admin.key])
      assert.ok(!st.includes(s), "a secret is in the state in plaintext");
    await p.stack.destroy();
    assert.deepEqual(await serverKeyIds(t), [t.admin.id]);
  });
});
