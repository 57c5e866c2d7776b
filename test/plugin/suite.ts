/**
 * What the YAML and Python plugin suites share: the server and stack set up around a suite, the
 * bookkeeping names no plan may show, and the steps that read the same in both languages (create
 * all four kinds, import all four kinds, no secret in plaintext, destroy leaves nothing).
 */
import * as assert from "node:assert/strict";
import { ADOPTED_KEY_VALUE } from "../../provider/resources/apiKey";
import { keyWorks } from "../helpers/run";
import { OffsetClock, startTestServer, type TestServer } from "../helpers/server";
import { adminClient, outputsOf, serverKeyIds } from "../helpers/stacks";
import { pluginStack, type PluginStack } from "./support";

/** Bookkeeping field names that must never show in a plan. */
export const BOOKKEEPING = [
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

export function assertNoBookkeeping(plan: string): void {
  for (const b of BOOKKEEPING) assert.ok(!plan.includes(b), `the plan shows ${b}:\n${plan}`);
}

export interface PluginSuite {
  clock: OffsetClock;
  t: TestServer;
  p: PluginStack;
  /** Every key value minted or made during the suite, none of which may be in the state. */
  secrets: string[];
}

/**
 * Registers the suite's hooks (inside a `describe`): a test server on a fake clock, and a stack
 * of the project `files` (with `env` for the CLI, given the server) that is destroyed at the end.
 */
export function pluginSuite(
  files: () => Record<string, string>,
  env: (t: TestServer) => Record<string, string> | undefined = () => undefined,
): PluginSuite {
  const s = { clock: new OffsetClock(), secrets: [] as string[] } as PluginSuite;
  before(async () => {
    s.t = await startTestServer({ clock: s.clock });
    const extraEnv = env(s.t);
    s.p = await pluginStack(s.t, files(), extraEnv ? { extraEnv } : {});
  });
  after(async () => {
    await s.p?.stack.destroy().catch(() => undefined);
    await s.t?.close();
  });
  return s;
}

/** Stack outputs of any program. */
type Outputs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- stack outputs of any program

/** `up` creates the four kinds (and the stack); the key works and is a secret. Returns the outputs. */
export async function createsAllFour(s: PluginSuite): Promise<Outputs> {
  const r = await s.p.stack.up();
  assert.equal(r.summary.resourceChanges?.create, 5, JSON.stringify(r.summary.resourceChanges)); // 4 + the stack
  const o = outputsOf(r);
  s.secrets.push(o.key);
  assert.equal(r.outputs.key!.secret, true);
  assert.ok(await keyWorks(s.t.url, { id: o.keyId, key: o.key }));
  return o;
}

/**
 * `pulumi import` of one object of each kind made on the server by hand: all four land in the
 * state with their live values, and the imported key's value, which keyplane never saw, says so.
 */
export async function importsAllFour(s: PluginSuite): Promise<void> {
  const a = adminClient(s.t);
  const made = await a.apiKeys.generate({
    roles: ["Viewer"],
    comment: "made elsewhere",
    securityLevel: "standard",
  });
  s.secrets.push(made.key);
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
  const r = await s.p.stack.import({
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
  type Res = { urn: string; id: string; type: string; outputs: Record<string, unknown> };
  const resources = s.p.exported().deployment.resources as Res[];
  const imported = (name: string) => {
    const x = resources.find((r) => r.urn.endsWith(`::${name}`));
    assert.ok(x, `${name} is not in the state`);
    return x;
  };
  const key = imported("imported-key");
  assert.equal(key.id, String(made.id));
  assert.deepEqual(key.outputs.roles, ["Viewer"]);
  assert.equal(key.outputs.comment, "made elsewhere");
  assert.notEqual(key.outputs.key, made.key);
  const r2 = imported("imported-role");
  assert.equal(r2.id, role.role_id);
  assert.equal(r2.outputs.name, "Imported Role");
  assert.equal((r2.outputs.components as Record<string, string>).cases_issues, "view");
  const sc = imported("imported-scope");
  assert.equal(sc.id, sd.scope_id);
  assert.equal(sc.outputs.name, "Imported Scope");
  const bd = imported("imported-bind");
  assert.equal(bd.id, b.binding_id);
  assert.equal(bd.outputs.role, "Key Verifier");
  assert.deepEqual(bd.outputs.principal, { type: "apiKey", id: String(made.id) });
  // The value keyplane never saw: encrypted like any key, and it says so.
  const shown = await s.p.stack.exportStack();
  const shownKey = (shown.deployment.resources as Res[]).find((x) =>
    x.urn.endsWith("::imported-key"),
  )!.outputs.key;
  assert.ok(
    JSON.stringify(shownKey).includes(ADOPTED_KEY_VALUE.slice(0, 20)),
    JSON.stringify(shownKey),
  );
}

/** No minted key and not the admin key in plaintext in the exported state or any file. */
export async function secretsStayOut(s: PluginSuite): Promise<void> {
  const st = await s.p.stateText();
  assert.match(st, /"ciphertext"/);
  for (const x of [...s.secrets, s.t.admin.key])
    assert.ok(!st.includes(x), "a secret is in the state in plaintext");
}

/** `destroy` leaves only the admin key on the server. */
export async function destroyLeavesNothing(s: PluginSuite): Promise<void> {
  await s.p.stack.destroy();
  assert.deepEqual(await serverKeyIds(s.t), [s.t.admin.id]);
}
