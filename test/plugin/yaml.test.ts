/**
 * The native plugin from a Pulumi YAML program, through the real engine and the YAML language
 * host built by scripts/ensure-pulumi: create, update in place, replace, drift, import, bad
 * inputs, destroy, secrets, and plans that list only what the user declared.
 */
import * as assert from "node:assert/strict";
import { detectDrift } from "../../provider/drift";
import { keyWorks } from "../helpers/run";
import { adminClient, outputsOf, serverKeyIds } from "../helpers/stacks";
import {
  assertNoBookkeeping,
  createsAllFour,
  destroyLeavesNothing,
  importsAllFour,
  pluginSuite,
  secretsStayOut,
} from "./suite";

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

describe("the native plugin from a YAML program", function () {
  this.timeout(10 * 60_000);
  const spec: Spec = {
    comment: "first",
    level: "standard",
    components: { cases_issues: "view" },
    groups: ["emea"],
  };
  let first: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- stack outputs of any program
  const s = pluginSuite(() => ({ "Pulumi.yaml": program(spec) }));

  it("creates all four kinds; the key works and is a secret", async () => {
    first = await createsAllFour(s);
    const a = adminClient(s.t);
    assert.deepEqual((await a.apiKeys.get(first.keyId)).roles, ["Team Role"]);
    await a.close();
    const again = await s.p.stack.preview({ expectNoChanges: true });
    assert.equal(again.changeSummary.same, 5);
  });

  it("updates roles, comment, scope and a role in place; the plan names only declared properties", async () => {
    Object.assign(spec, {
      comment: "second",
      components: { cases_issues: "view_edit", endpoints: "view" },
      groups: ["emea", "apac"],
      extraRole: "Viewer",
    });
    s.p.write("Pulumi.yaml", program(spec));
    const pv = await s.p.stack.preview({ diff: true });
    assertNoBookkeeping(pv.stdout);
    assert.match(pv.stdout, /comment/);
    const r = await s.p.stack.up();
    assert.equal(r.summary.resourceChanges?.update, 3, JSON.stringify(r.summary.resourceChanges));
    assert.equal(r.summary.resourceChanges?.replace ?? 0, 0);
    const o = outputsOf(r);
    assert.equal(o.keyId, first.keyId, "same key");
    const a = adminClient(s.t);
    const k = await a.apiKeys.get(first.keyId);
    assert.equal(k.comment, "second");
    assert.deepEqual([...k.roles].sort(), ["Team Role", "Viewer"]);
    await a.close();
  });

  it("detects drift made by hand with a refreshed preview, and up --refresh repairs it", async () => {
    const a = adminClient(s.t);
    await a.apiKeys.edit(first.keyId, { comment: "changed by hand" });
    await a.bindings.delete(first.bindingId);
    // keyplane drift reads plugin stacks too.
    const report = await detectDrift(s.p.stack, { within: 7 * 86_400_000 });
    assert.deepEqual(
      report.items.map((i) => `${i.type} ${i.kind}`).sort(),
      ["ApiKey comment changed", "RoleBinding deleted"],
      JSON.stringify(report.items),
    );
    assert.equal(report.resources, 4);
    await assert.rejects(
      s.p.stack.preview({ refresh: true, expectNoChanges: true }),
      /no changes were expected/i,
    );
    await s.p.stack.up({ refresh: true });
    assert.equal((await a.apiKeys.get(first.keyId)).comment, "second");
    await a.close();
    await s.p.stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("replaces the key on a new securityLevel, saying which property forces it", async () => {
    spec.level = "advanced";
    s.p.write("Pulumi.yaml", program(spec));
    const pv = await s.p.stack.preview({ diff: true });
    assert.match(pv.stdout, /securityLevel/);
    assertNoBookkeeping(pv.stdout);
    const r = await s.p.stack.up();
    const o = outputsOf(r);
    s.secrets.push(o.key);
    assert.notEqual(o.keyId, first.keyId);
    assert.ok(await keyWorks(s.t.url, { id: o.keyId, key: o.key, level: "advanced" }));
    assert.ok(!(await serverKeyIds(s.t)).includes(first.keyId), "the old key is gone");
    first = o;
  });

  it("refuses bad inputs at preview, naming the field, and creates nothing", async () => {
    const before = await serverKeyIds(s.t);
    s.p.write(
      "Pulumi.yaml",
      program(
        spec,
        `  bad:\n    type: keyplane:index:ApiKey\n    properties:\n      roles: []\n      expiresIn: soon\n`,
      ),
    );
    await assert.rejects(
      s.p.stack.preview(),
      (e: Error) =>
        /roles/.test(e.message) &&
        /at least one role/.test(e.message) &&
        /expiresIn/.test(e.message),
    );
    await assert.rejects(s.p.stack.up(), /at least one role/);
    assert.deepEqual(await serverKeyIds(s.t), before);
    s.p.write("Pulumi.yaml", program(spec));
  });

  it("imports an existing key, role, scope definition and binding (pulumi import)", async () => {
    await importsAllFour(s);
  });

  it("keeps every minted key and the admin key out of the state in plaintext", async () => {
    await secretsStayOut(s);
  });

  it("destroy leaves nothing on the server", async () => {
    assert.ok((await serverKeyIds(s.t)).includes(first.keyId));
    await destroyLeavesNothing(s);
  });
});
