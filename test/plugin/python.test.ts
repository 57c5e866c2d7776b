/**
 * The native plugin from a Python program using the generated SDK (pulumi_keyplane), through
 * the real engine and the Python language host built by scripts/ensure-pulumi.
 */
import * as assert from "node:assert/strict";
import { detectDrift } from "../../provider/drift";
import { keyWorks } from "../helpers/run";
import { adminClient, credentialEnv, outputsOf, serverKeyIds } from "../helpers/stacks";
import { pythonEnv, pythonVenv } from "./python";
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

describe("the native plugin from a Python program", function () {
  this.timeout(10 * 60_000);
  const spec: Spec = {
    comment: "first",
    level: "standard",
    components: { cases_issues: "view" },
    groups: ["emea"],
  };
  let first: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- stack outputs of any program
  const s = pluginSuite(
    () => ({ "Pulumi.yaml": PROJECT, "__main__.py": program(spec) }),
    (t) => ({ ...credentialEnv(t.url, t.admin), ...pythonEnv(pythonVenv()) }),
  );

  it("creates all four kinds; the key works and is a secret", async () => {
    first = await createsAllFour(s);
    await s.p.stack.preview({ expectNoChanges: true });
  });

  it("updates comment, scope and a role in place; the plan names only declared properties", async () => {
    Object.assign(spec, {
      comment: "second",
      components: { cases_issues: "view_edit" },
      groups: ["emea", "apac"],
    });
    s.p.write("__main__.py", program(spec));
    const pv = await s.p.stack.preview({ diff: true });
    assertNoBookkeeping(pv.stdout);
    const r = await s.p.stack.up();
    assert.equal(r.summary.resourceChanges?.update, 3, JSON.stringify(r.summary.resourceChanges));
    assert.equal(outputsOf(r).keyId, first.keyId);
    const a = adminClient(s.t);
    assert.equal((await a.apiKeys.get(first.keyId)).comment, "second");
    await a.close();
  });

  it("detects drift made by hand with a refreshed preview, and up --refresh repairs it", async () => {
    const a = adminClient(s.t);
    await a.apiKeys.edit(first.keyId, { roles: ["Viewer"] });
    const report = await detectDrift(s.p.stack, { within: 7 * 86_400_000 });
    assert.deepEqual(
      report.items.map((i) => `${i.type} ${i.kind}`),
      ["ApiKey role changed"],
      JSON.stringify(report.items),
    );
    await assert.rejects(
      s.p.stack.preview({ refresh: true, expectNoChanges: true }),
      /no changes were expected/i,
    );
    await s.p.stack.up({ refresh: true });
    assert.deepEqual((await a.apiKeys.get(first.keyId)).roles, ["Py Role"]);
    await a.close();
    await s.p.stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("replaces the key on a new securityLevel", async () => {
    spec.level = "advanced";
    s.p.write("__main__.py", program(spec));
    const o = outputsOf(await s.p.stack.up());
    s.secrets.push(o.key);
    assert.notEqual(o.keyId, first.keyId);
    assert.ok(await keyWorks(s.t.url, { id: o.keyId, key: o.key, level: "advanced" }));
    assert.ok(!(await serverKeyIds(s.t)).includes(first.keyId));
    first = o;
  });

  it("refuses bad inputs at preview, naming the field, and creates nothing", async () => {
    const before = await serverKeyIds(s.t);
    s.p.write("__main__.py", program({ ...spec, bad: true }));
    await assert.rejects(
      s.p.stack.preview(),
      (e: Error) => /roles/.test(e.message) && /at least one role/.test(e.message),
    );
    assert.deepEqual(await serverKeyIds(s.t), before);
    s.p.write("__main__.py", program(spec));
  });

  it("imports an existing key, role, scope definition and binding (pulumi import)", async () => {
    await importsAllFour(s);
  });

  it("keeps every minted key and the admin key out of the state in plaintext; destroy leaves nothing", async () => {
    await secretsStayOut(s);
    await destroyLeavesNothing(s);
  });
});
