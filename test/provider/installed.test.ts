/**
 * Installed use: `npm pack` the package, install the tarball into a fresh project directory
 * (Pulumi.yaml, plain JavaScript), and run up, a refreshed preview and destroy with the built CLI
 * through the language host. This proves that the serialized provider shell finds its runtime
 * when keyplane lives in node_modules, not in this repository.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensurePluginBundle } from "../../build/bundle-plugin";
import { offlineEngine } from "../../provider/engine";
import { repoRoot, scratchDir } from "../helpers/paths";
import { firstLineOf, lineMatching } from "../helpers/process";
import { startTestServer, type TestServer } from "../helpers/server";
import { credentialEnv, outputsOf, PASSPHRASE, serverKeyIds } from "../helpers/stacks";

describe("keyplane installed from npm pack into a Pulumi project", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;
  let project: string;

  before(async () => {
    t = await startTestServer();
    // A project outside the repo's package scope, so nothing resolves from the repo by accident.
    project = fs.mkdtempSync(
      path.join(fs.realpathSync(require("node:os").tmpdir()), "keyplane-installed-"),
    );
    ensurePluginBundle(); // packed as it is (--ignore-scripts): the plugin's bundle must be current
    const packDir = scratchDir("pack");
    const tgz = execFileSync(
      "npm",
      ["pack", "--ignore-scripts", "--pack-destination", packDir, "--silent"],
      { cwd: repoRoot, encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .pop()!;
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify(
        { name: "installed-keyplane-program", private: true, main: "index.js" },
        null,
        2,
      ),
    );
    execFileSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", path.join(packDir, tgz)],
      { cwd: project, stdio: "pipe" },
    );
    fs.writeFileSync(
      path.join(project, "Pulumi.yaml"),
      "name: installed-keyplane\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    fs.writeFileSync(
      path.join(project, "index.js"),
      `"use strict";
const keyplane = require("keyplane");
const key = new keyplane.ApiKey("installed", { roles: ["Viewer"], securityLevel: "advanced", expiresIn: "30d", comment: "from node_modules" });
const scope = new keyplane.ScopeDefinition("installed-scope", { name: "installed", areas: { assets: { mode: "see_all" } } });
exports.keyId = key.keyId;
exports.scopeId = scope.scopeId;
`,
    );
  });

  after(async () => {
    await t?.close();
    if (project && !process.env.KEYPLANE_KEEP_INSTALLED)
      fs.rmSync(project, { recursive: true, force: true });
  });

  it("runs up, a refreshed preview with no changes, and destroy", async () => {
    assert.ok(
      fs.existsSync(
        path.join(project, "node_modules", "keyplane", "dist", "provider", "runtime.js"),
      ),
    );
    assert.ok(
      !fs.existsSync(path.join(project, "node_modules", "keyplane", "dist", "test")),
      "the package ships no tests",
    );
    const engine = await offlineEngine({
      baseDir: project,
      passphrase: PASSPHRASE,
      env: credentialEnv(t.url, t.admin),
    });
    const stack = await engine.localStack("installed", project);
    const before = await serverKeyIds(t);
    const up = await stack.up();
    const o = outputsOf(up);
    assert.equal(up.summary.resourceChanges?.create, 3);
    assert.ok((await serverKeyIds(t)).includes(o.keyId));
    // The state holds only a require of the shell module in this project's node_modules/keyplane,
    // not the provider's code: small, and upgraded with the package.
    const exported = await stack.exportStack();
    const key = (
      exported.deployment as { resources: Array<{ type: string; outputs: { __provider: string } }> }
    ).resources.find((r) => r.type.endsWith(":ApiKey"))!;
    // (Pulumi maps the module back to an exported name; when the project's path contains "keyplane",
    // as this one's does, its mapping falls back to the file's path, which the package exports too.)
    assert.match(
      key.outputs.__provider,
      /require\("keyplane\/(provider-shells\/apiKey|dist\/provider\/shells\/apiKey\.js)"\)/,
    );
    assert.ok(
      key.outputs.__provider.length < 400,
      `the serialized provider is ${key.outputs.__provider.length} characters`,
    );
    await stack.preview({ refresh: true, expectNoChanges: true });
    await stack.destroy();
    assert.deepEqual(await serverKeyIds(t), before);
    await stack.workspace.removeStack("installed");
  });

  it("ships the native plugin bundled: its launcher serves, `keyplane plugin install` installs it", async () => {
    const bin = path.join(project, "node_modules", ".bin");
    const plugin = spawn(path.join(bin, "pulumi-resource-keyplane"), [], { stdio: "pipe" });
    assert.match(await firstLineOf(plugin), /^[1-9][0-9]*$/, "the plugin prints its port");
    const engine = await offlineEngine({ baseDir: project, passphrase: PASSPHRASE });
    const out = execFileSync(
      path.join(bin, "keyplane"),
      ["plugin", "install", "--pulumi", path.join(engine.binDir, "pulumi")],
      { env: { ...process.env, PULUMI_HOME: engine.pulumiHome }, encoding: "utf8" },
    );
    assert.match(out, /installed pulumi-resource-keyplane \d+\.\d+\.\d+/);
    const installed = fs.readFileSync(
      path.join(out.trim().split(" into ").pop()!, "pulumi-resource-keyplane"),
      "utf8",
    );
    const dir = path.join(project, "node_modules", "keyplane", "dist", "provider", "plugin");
    assert.ok(installed.includes(path.join(dir, "launch.js")), installed);
    assert.ok(fs.existsSync(path.join(dir, "pulumi-resource-keyplane.js.cache")), "a code cache");
  });

  it("its `keyplane` bin runs the server with the launcher's node flags", async () => {
    const dir = scratchDir("installed-server");
    const server = spawn(
      path.join(project, "node_modules", ".bin", "keyplane"),
      [
        "server",
        "--port",
        "0",
        "--db",
        `sqlite:${path.join(dir, "kp.db")}`,
        "--bootstrap-file",
        path.join(dir, "bootstrap.json"),
        "--master-key-file",
        path.join(dir, "master.key"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      assert.match(await lineMatching(server, /keyplane listening on http:\/\/\S+/), /listening/);
      // env -S execs node in the same process: its command line is node's.
      const argv = fs.readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
      assert.ok(argv.includes("--max-semi-space-size=8"), argv.join(" "));
      assert.match(argv[0]!, /node$/, argv.join(" "));
    } finally {
      server.kill("SIGTERM");
    }
  });
});
