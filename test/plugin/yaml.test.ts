/**
 * The native plugin from a Pulumi YAML program, through the real engine and the YAML language
 * host built by scripts/ensure-pulumi: create, update in place, replace, drift, import, bad
 * inputs, destroy, secrets, and plans that list only what the user declared.
 */
import * as assert from "node:assert/strict";
import { detectDrift } from "../../provider/drift";
import { ADOPTED_KEY_VALUE } from "../../provider/resources/apiKey";
import { keyWorks } from "../helpers/run";
import { OffsetClock, startTestServer, type TestServer } from "../helpers/server";
import { adminClient, outputsOf, serverKeyIds } from "../helpers/stacks";
import { pluginStack, type PluginStack } from "./support";

interface Spec {
  comment: string;
  level: "standard" | "advanced";
  components: Record<string, string>;
  groups: string[];
  extraRole?: string;
}

const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;

function program(s: Spec, extra = ""): string {
  return `name: kp-yaml
runtime: yaml
resources:
  role:
    type: keyplane:index:Role
    properties:
      name: Team Role
      components:
${Object.entries(s.components)
  .map(([k, v]) => `        ${k}: ${v}`)
  .join("\n")}
  scope:
    type: keyplane:index:ScopeDefinition
    properties:
      name: Team Scope
      areas:
        endpoints:
          endpoint_groups:
            mode: scope
            names: ${list(s.groups)}
  key:
    type: keyplane:index:ApiKey
    properties:
      roles: ["\${role.name}"${s.extraRole ? `, ${JSON.stringify(s.extraRole)}` : ""}]
      comment: ${JSON.stringify(s.comment)}
      securityLevel: ${s.level}
      scope: \${scope.scopeId}
      expiresIn: 30d
  bind:
    type: keyplane:index:RoleBinding
    properties:
      principal:
        type: apiKey
        id: \${key.keyId}
      role: Key Verifier
${extra}outputs:
  keyId: \${key.keyId}
  key: \${key.key}
  roleId: \${role.roleId}
  scopeId: \${scope.scopeId}
  bindingId: \${bind.bindingId}
`;
}

/** Bookkeeping field names that must never show in a plan. */
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

describe("the native plugin from a YAML program", function () {
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
    p = await pluginStack(t, { "Pulumi.yaml": program(spec) });
  });
  after(async () => {
    await p?.stack.destroy().catch(() => undefined);
    await t?.close();
  });

  it("creates all four kinds; the key works and is a secret", async () => {
    const r = await p.stack.up();
    assert.equal(r.summary.resourceChanges?.create, 5, JSON.stringify(r.summary.resourceChanges)); // 4 + the stack
    first = outputsOf(r);
    secrets.push(first.key);
    assert.equal(r.outputs.key!.secret, true);
    assert.ok(await keyWorks(t.url, { id: first.keyId, key: first.key }));
    const a = adminClient(t);
    assert.deepEqual((await a.apiKeys.get(first.keyId)).roles, ["Team Role"]);
    await a.close();
    const again = await p.stack.preview({ expectNoChanges: true });
    assert.equal(again.changeSummary.same, 5);
  });

  it("updates roles, comment, scope and a role in place; the plan names only declared properties", async () => {
    Object.assign(spec, {
      comment: "second",
      components: { cases_issues: "view_edit", endpoints: "view" },
      groups: ["emea", "apac"],
      extraRole: "Viewer",
    });
    p.write("Pulumi.yaml", program(spec));
    const pv = await p.stack.preview({ diff: true });
    for (const b of BOOKKEEPING)
      assert.ok(!pv.stdout.includes(b), `the plan shows ${b}:\n${pv.stdout}`);
    assert.match(pv.stdout, /comment/);
    const r = await p.stack.up();
    assert.equal(r.summary.resourceChanges?.update, 3, JSON.stringify(r.summary.resourceChanges));
    assert.equal(r.summary.resourceChanges?.replace ?? 0, 0);
    const o = outputsOf(r);
    assert.equal(o.keyId, first.keyId, "same key");
    const a = adminClient(t);
    const k = await a.apiKeys.get(first.keyId);
    assert.equal(k.comment, "second");
    assert.deepEqual([...k.roles].sort(), ["Team Role", "Viewer"]);
    await a.close();
  });

  it("detects drift made by hand with a refreshed preview, and up --refresh repairs it", async () => {
    const a = adminClient(t);
    await a.apiKeys.edit(first.keyId, { comment: "changed by hand" });
    await a.bindings.delete(first.bindingId);
    // keyplane drift reads plugin stacks too.
    const report = await detectDrift(p.stack, { within: 7 * 86_400_000 });
    assert.deepEqual(
      report.items.map((i) => `${i.type} ${i.kind}`).sort(),
      ["ApiKey comment changed", "RoleBinding deleted"],
      JSON.stringify(report.items),
    );
    assert.equal(report.resources, 4);
    await assert.rejects(
      p.stack.preview({ refresh: true, expectNoChanges: true }),
      /no changes were expected/i,
    );
    await p.stack.up({ refresh: true });
    assert.equal((await a.apiKeys.get(first.keyId)).comment, "second");
    await a.close();
    await p.stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("replaces the key on a new securityLevel, saying which property forces it", async () => {
    spec.level = "advanced";
    p.write("Pulumi.yaml", program(spec));
    const pv = await p.stack.preview({ diff: true });
    assert.match(pv.stdout, /securityLevel/);
    for (const b of BOOKKEEPING)
      assert.ok(!pv.stdout.includes(b), `the plan shows ${b}:\n${pv.stdout}`);
    const r = await p.stack.up();
    const o = outputsOf(r);
    secrets.push(o.key);
    assert.notEqual(o.keyId, first.keyId);
    assert.ok(await keyWorks(t.url, { id: o.keyId, key: o.key, level: "advanced" }));
    assert.ok(!(await serverKeyIds(t)).includes(first.keyId), "the old key is gone");
    first = o;
  });

  it("refuses bad inputs at preview, naming the field, and creates nothing", async () => {
    const before = await serverKeyIds(t);
    p.write(
      "Pulumi.yaml",
      program(
        spec,
        `  bad:\n    type: keyplane:index:ApiKey\n    properties:\n      roles: []\n      expiresIn: soon\n`,
      ),
    );
    await assert.rejects(
      p.stack.preview(),
      (e: Error) =>
        /roles/.test(e.message) &&
        /at least one role/.test(e.message) &&
        /expiresIn/.test(e.message),
    );
    await assert.rejects(p.stack.up(), /at least one role/);
    assert.deepEqual(await serverKeyIds(t), before);
    p.write("Pulumi.yaml", program(spec));
  });

  it("imports an existing key, role, scope definition and binding (pulumi import)", async () => {
    const a = adminClient(t);
    const made = await a.apiKeys.generate({
      roles: ["Viewer"],
      comment: "made elsewhere",
      securityLevel: "standard",
    });
    secrets.push(made.key);
    const role = await a.roles.create({
      name: "Imported Role",
      components: { cases_issues: "view" },
    });
    const sd = await a.scopes.createDefinition({
      name: "Imported Scope",
      areas: { cases_issues: { mode: "scope", names: ["x"] } },
    });
    const b = await a.bindings.create({
      principalType: "api-key",
      principalId: String(made.id),
      role: "Key Verifier",
    });
    await a.close();
    const r = await p.stack.import({
      protect: false,
      generateCode: false,
      resources: [
        { type: "keyplane:index:ApiKey", name: "imported-key", id: String(made.id) },
        { type: "keyplane:index:Role", name: "imported-role", id: role.role_id! },
        { type: "keyplane:index:ScopeDefinition", name: "imported-scope", id: sd.scope_id },
        { type: "keyplane:index:RoleBinding", name: "imported-bind", id: b.binding_id },
      ],
    });
    assert.equal(r.summary.resourceChanges?.import, 4, JSON.stringify(r.summary.resourceChanges));
    const st = p.exported();
    const res = st.deployment.resources.find((x: { urn: string }) =>
      x.urn.endsWith("::imported-key"),
    );
    assert.equal(res.id, String(made.id));
    assert.deepEqual(res.outputs.roles, ["Viewer"]);
    assert.equal(res.outputs.comment, "made elsewhere");
    assert.notEqual(res.outputs.key, made.key);
    // The value keyplane never saw: encrypted like any key, and it says so.
    const shown = await p.stack.exportStack();
    const shownKey = (
      shown.deployment.resources as Array<{ urn: string; outputs: { key: unknown } }>
    ).find((x) => x.urn.endsWith("::imported-key"))!.outputs.key;
    assert.equal(
      JSON.stringify(shownKey).includes(ADOPTED_KEY_VALUE.slice(0, 20)),
      true,
      JSON.stringify(shownKey),
    );
  });

  it("keeps every minted key and the admin key out of the state in plaintext", async () => {
    const st = await p.stateText();
    assert.match(st, /"ciphertext"/);
    for (const s of [...secrets, t.admin.key])
      assert.ok(!st.includes(s), "a secret is in the state in plaintext");
  });

  it("destroy leaves nothing on the server", async () => {
    const before = await serverKeyIds(t);
    await p.stack.destroy();
    const after = await serverKeyIds(t);
    assert.ok(!after.includes(first.keyId));
    assert.ok(after.length < before.length);
    const a = adminClient(t);
    assert.deepEqual(after, [t.admin.id]);
    await a.close();
  });
});
