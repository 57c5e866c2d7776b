/**
 * `keyplane drift`, run as a scheduled pipeline would: the CLI in a child process against a
 * project directory and its local backend, with the credentials in the environment.
 * Exit codes: 0 no drift, 2 drift, 1 error (and 2 for usage errors).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { offlineEngine } from "../../provider/engine";
import { scratchDir } from "../helpers/paths";
import { keyplaneCli } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { adminClient, credentialEnv, outputsOf } from "../helpers/stacks";

const run = (args: string[], env: Record<string, string>) => keyplaneCli(args, env);

describe("keyplane drift", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;
  let dir: string;
  let stack: Stack;
  let env: Record<string, string>;
  let ids: { stable: number; short: number; doomed: number };

  before(async () => {
    t = await startTestServer();
    env = credentialEnv(t.url, t.admin);
    dir = scratchDir("drift");
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: drift-fixture\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `"use strict";
const keyplane = require("keyplane");
const stable = new keyplane.ApiKey("stable", { roles: ["Viewer"], comment: "declared", expiresIn: "90d" });
const short = new keyplane.ApiKey("short", { roles: ["Viewer"], expiresIn: "3d" });
const doomed = new keyplane.ApiKey("doomed", { roles: ["Viewer"] });
const scope = new keyplane.ScopeDefinition("scope", { name: "drift scope", areas: { assets: { mode: "see_all" } } });
exports.stable = stable.keyId;
exports.short = short.keyId;
exports.doomed = doomed.keyId;
exports.scopeId = scope.scopeId;
`,
    );
    const engine = await offlineEngine({ baseDir: dir, env });
    stack = await engine.localStack("nightly", dir);
    ids = outputsOf(await stack.up()) as typeof ids;
  });

  after(async () => {
    await stack?.destroy().catch(() => undefined);
    await t?.close();
  });

  it("exits 0 with no drift (a key expiring after the window is fine)", async () => {
    const r = await run(["drift", "--cwd", dir, "--stack", "nightly", "--within", "1d"], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /No drift in stack nightly: 4 keyplane resource\(s\) match/);
  });

  it("exits 2 and lists keys expiring within the window", async () => {
    const r = await run(["drift", "--cwd", dir, "--stack", "nightly", "--within", "7d"], env);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      new RegExp(`short \\(ApiKey\\)\\s+${ids.short}\\s+expiring\\s+expires in 2 d`),
    );
  });

  it("exits 2 and names each change made by hand, with the key id", async () => {
    const a = adminClient(t);
    await a.apiKeys.edit(ids.stable, { roles: ["Investigator"], comment: "edited by hand" });
    await a.scopes.set("api-key", ids.stable, { assets: { mode: "no_scope" } });
    await a.apiKeys.delete(ids.doomed);
    const sd = (await a.scopes.listDefinitions()).items.find((d) => d.name === "drift scope")!;
    await a.scopes.updateDefinition(sd.scope_id, { areas: { assets: { mode: "no_scope" } } });
    await a.close();
    const r = await run(["drift", "--cwd", dir, "--stack", "nightly", "--within", "1d"], env);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    const row = (name: string, kind: string) => new RegExp(`${name} \\(\\w+\\)\\s+\\S+\\s+${kind}`);
    assert.match(r.stdout, row("stable", "role changed"));
    assert.match(r.stdout, row("stable", "comment changed"));
    assert.match(r.stdout, row("stable", "scope changed"));
    assert.match(r.stdout, row("doomed", "deleted"));
    assert.match(r.stdout, row("scope", "changed"));
    assert.match(
      r.stdout,
      new RegExp(
        `stable \\(ApiKey\\)\\s+${ids.stable}\\s+role changed\\s+holds \\[Investigator\\], declared \\[Viewer\\]`,
      ),
    );
    assert.match(r.stdout, /would .*create/, "the summary says what up would do");

    const j = await run(["drift", "--cwd", dir, "--stack", "nightly", "--json"], env);
    assert.equal(j.code, 2);
    const report = JSON.parse(j.stdout);
    assert.deepEqual(
      report.items.map((i: { resource: string; kind: string }) => `${i.resource}:${i.kind}`).sort(),
      [
        "doomed:deleted",
        "scope:changed",
        "short:expiring",
        "stable:comment changed",
        "stable:role changed",
        "stable:scope changed",
      ],
    );
  });

  it("exits 0 again once `up --refresh` repaired everything", async () => {
    await stack.up({ refresh: true });
    const r = await run(["drift", "--cwd", dir, "--stack", "nightly", "--within", "1d"], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });

  it("exits 1 on an error (unknown stack) and 2 on a usage error", async () => {
    const e = await run(["drift", "--cwd", dir, "--stack", "no-such-stack"], env);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /keyplane drift: .*no-such-stack/);
    const u = await run(["drift", "--cwd", dir], env);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /--stack is required/);
    const w = await run(["drift", "--cwd", dir, "--stack", "nightly", "--within", "soon"], env);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /--within: 'soon' is not a duration/);
  });
});
