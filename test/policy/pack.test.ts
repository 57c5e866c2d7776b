/**
 * The shipped policy pack (`policy-pack/`) on the real engine, through its three doors: the CLI's
 * `preview|up --policy-pack`, the Automation API's `policyPacks`, and `pulumi policy analyze` on
 * a stored stack. The analyzer launcher is the one scripts/ensure-pulumi places beside the CLI,
 * installed by offlineEngine into the test's own PULUMI_HOME.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { offlineEngine, type OfflineEngine } from "../../provider/engine";
import { POLICY_NAMES } from "../../policy";
import { repoRoot, scratchDir } from "../helpers/paths";
import { keyplaneCli } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { credentialEnv, PASSPHRASE, serverKeyIds } from "../helpers/stacks";

const PACK = path.join(repoRoot, "policy-pack");

/** A compliant key: every policy, all mandatory, passes. */
const COMPLIANT = `{ securityLevel: "advanced", roles: ["Instance Administrator"], comment: "CI deploys", expiresIn: "30d", rotateBefore: "7d", overlap: "24h", scope: { assets: { mode: "see_all" } } }`;

/** One program per policy that breaks it (and only it, with every policy mandatory). */
const BREAKS: Record<
  (typeof POLICY_NAMES)[number],
  { args: string; property: RegExp; also?: string[] }
> = {
  "keyplane-max-lifetime": {
    args: `{ securityLevel: "advanced", roles: ["Viewer"], comment: "c", expiresIn: "100d", rotateBefore: "7d", overlap: "1h", scope: { assets: { mode: "see_all" } } }`,
    property: /`expiresIn` 100d/,
  },
  "keyplane-expiration-required": {
    args: `{ roles: ["Viewer"], comment: "c", scope: { assets: { mode: "see_all" } } }`,
    property: /`expiresIn` nor `expiration`/,
    also: ["keyplane-max-lifetime"],
  },
  "keyplane-rotate-before-required": {
    args: `{ roles: ["Viewer"], comment: "c", expiresIn: "60d", scope: { assets: { mode: "see_all" } } }`,
    property: /no `rotateBefore`/,
  },
  "keyplane-advanced-for-roles": {
    args: `{ roles: ["Instance Administrator"], comment: "c", expiresIn: "10d", scope: { assets: { mode: "see_all" } } }`,
    property: /`securityLevel` is standard/,
  },
  "keyplane-forbidden-roles": {
    args: `{ roles: ["Investigator"], comment: "c", expiresIn: "10d", scope: { assets: { mode: "see_all" } } }`,
    property: /`roles` holds Investigator/,
  },
  "keyplane-comment-required": {
    args: `{ roles: ["Viewer"], expiresIn: "10d", scope: { assets: { mode: "see_all" } } }`,
    property: /no `comment`/,
  },
  "keyplane-overlap-required": {
    args: `{ roles: ["Viewer"], comment: "c", expiresIn: "10d", rotationTriggers: ["q1"], scope: { assets: { mode: "see_all" } } }`,
    property: /no `overlap`/,
  },
  "keyplane-scope-required": {
    args: `{ roles: ["Viewer"], comment: "c", expiresIn: "10d" }`,
    property: /no `scope`/,
  },
};

/** Every policy mandatory; Investigator forbidden; lifetimes up to 90 days. */
const STRICT = {
  all: "mandatory",
  "keyplane-forbidden-roles": { roles: ["Investigator"] },
  "keyplane-max-lifetime": { maxDays: 90 },
};

interface Ran {
  code: number;
  out: string;
}

describe("the keyplane policy pack on the Pulumi engine", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;
  let dir: string;
  let engine: OfflineEngine;
  let configFile: string;
  const stacks: Stack[] = [];

  function program(keyArgs: string): void {
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `"use strict";\nconst keyplane = require("keyplane");\nconst k = new keyplane.ApiKey("guarded", ${keyArgs});\nexports.keyId = k.keyId;\n`,
    );
  }

  /** The built `pulumi` in the project directory, with the offline engine's environment. */
  function pulumi(args: string[]): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const env = {
        ...process.env,
        ...engine.envVars,
        PATH: `${engine.binDir}${path.delimiter}${process.env.PATH}`,
      };
      const p = spawn(
        path.join(engine.binDir, "pulumi"),
        [...args, "--non-interactive", "--color", "never"],
        { cwd: dir, env },
      );
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      p.on("error", reject);
      p.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
  }

  before(async () => {
    t = await startTestServer();
    dir = scratchDir("policy");
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: policy-fixture\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    configFile = path.join(dir, "strict.json");
    fs.writeFileSync(configFile, JSON.stringify(STRICT));
    program(COMPLIANT);
    engine = await offlineEngine({
      baseDir: dir,
      passphrase: PASSPHRASE,
      env: credentialEnv(t.url, t.admin),
    });
    stacks.push(
      await engine.localStack("cli", dir),
      await engine.localStack("auto", dir),
      await engine.localStack("stored", dir),
    );
  });

  after(async () => {
    program(COMPLIANT);
    for (const s of stacks) await s.destroy().catch(() => undefined);
    await t?.close();
  });

  it("installs the analyzer into the isolated PULUMI_HOME, not on PATH", () => {
    const plugins = fs.readdirSync(path.join(engine.pulumiHome, "plugins"));
    assert.ok(
      plugins.some((p) => /^analyzer-policy-node-v/.test(p)),
      plugins.join(", "),
    );
    assert.ok(
      fs.existsSync(path.join(engine.binDir, "keyplane-analyzer-policy-node")),
      "ensure-pulumi placed the launcher beside the CLI",
    );
    assert.ok(
      !fs.existsSync(path.join(engine.binDir, "pulumi-analyzer-policy-node")),
      "under its plugin name on PATH the engine would warn on every run",
    );
  });

  for (const [policy, bad] of Object.entries(BREAKS)) {
    it(`CLI: preview --policy-pack fails a program that breaks ${policy}, naming the resource and the rule`, async () => {
      program(bad.args);
      const r = await pulumi([
        "preview",
        "--stack",
        "cli",
        "--policy-pack",
        PACK,
        "--policy-pack-config",
        configFile,
      ]);
      assert.notEqual(r.code, 0, r.out);
      assert.match(
        r.out,
        new RegExp(
          `\\[mandatory\\]\\s+${policy}\\s+\\(pulumi-nodejs:dynamic/keyplane:ApiKey: guarded\\)`,
        ),
      );
      assert.match(r.out, new RegExp(`ApiKey 'guarded': .*\\[${policy}\\]`));
      assert.match(r.out, bad.property);
      const others = POLICY_NAMES.filter(
        (n) => n !== policy && new RegExp(`\\[mandatory\\]\\s+${n}\\b`).test(r.out),
      );
      // A key that never expires is also longer-lived than any maximum.
      assert.deepEqual(others, bad.also ?? [], "the program breaks only this policy");
    });
  }

  it("CLI: up --policy-pack with a violation creates nothing", async () => {
    const before = await serverKeyIds(t);
    program(BREAKS["keyplane-advanced-for-roles"].args);
    const r = await pulumi([
      "up",
      "--yes",
      "--stack",
      "cli",
      "--policy-pack",
      PACK,
      "--policy-pack-config",
      configFile,
    ]);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /keyplane-advanced-for-roles/);
    assert.deepEqual(await serverKeyIds(t), before);
  });

  it("CLI: a compliant program passes preview and up, with no warning about plugins on PATH", async () => {
    program(COMPLIANT);
    const p = await pulumi([
      "preview",
      "--stack",
      "cli",
      "--policy-pack",
      PACK,
      "--policy-pack-config",
      configFile,
    ]);
    assert.equal(p.code, 0, p.out);
    assert.match(p.out, /keyplane@v\d+\.\d+\.\d+/);
    assert.doesNotMatch(p.out, /from \$PATH/);
    const before = (await serverKeyIds(t)).length;
    const u = await pulumi([
      "up",
      "--yes",
      "--stack",
      "cli",
      "--policy-pack",
      PACK,
      "--policy-pack-config",
      configFile,
    ]);
    assert.equal(u.code, 0, u.out);
    assert.equal((await serverKeyIds(t)).length, before + 1);
  });

  it("CLI: the default levels stop an administrator key that is Standard, and only advise on a missing comment", async () => {
    program(`{ roles: ["Account Admin"], expiresIn: "10d" }`);
    const r = await pulumi(["preview", "--stack", "cli", "--policy-pack", PACK]);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /\[mandatory\]\s+keyplane-advanced-for-roles/);
    assert.match(r.out, /\[advisory\]\s+keyplane-comment-required/);
  });

  it("CLI: a policy set to disabled (or advisory) through --policy-pack-config no longer fails the preview", async () => {
    program(BREAKS["keyplane-advanced-for-roles"].args);
    for (const level of ["disabled", "advisory"]) {
      const cfg = path.join(dir, `${level}.json`);
      fs.writeFileSync(cfg, JSON.stringify({ "keyplane-advanced-for-roles": level }));
      const r = await pulumi([
        "preview",
        "--stack",
        "cli",
        "--policy-pack",
        PACK,
        "--policy-pack-config",
        cfg,
      ]);
      assert.equal(r.code, 0, r.out);
      if (level === "advisory") assert.match(r.out, /\[advisory\]\s+keyplane-advanced-for-roles/);
      else assert.doesNotMatch(r.out, /keyplane-advanced-for-roles\s+\(/);
    }
  });

  it("Automation API: policyPacks fails preview and up on a violation and passes a compliant program", async () => {
    const stack = stacks[1]!;
    const before = await serverKeyIds(t);
    program(BREAKS["keyplane-max-lifetime"].args);
    await assert.rejects(
      stack.preview({ policyPacks: [PACK], policyPackConfigs: [configFile] }),
      /keyplane-max-lifetime[\s\S]*ApiKey 'guarded': `expiresIn` 100d/,
    );
    await assert.rejects(
      stack.up({ policyPacks: [PACK], policyPackConfigs: [configFile] }),
      /keyplane-max-lifetime/,
    );
    assert.deepEqual(await serverKeyIds(t), before, "a refused up creates nothing");
    program(COMPLIANT);
    const up = await stack.up({ policyPacks: [PACK], policyPackConfigs: [configFile] });
    assert.equal(up.summary.result, "succeeded");
    assert.equal((await serverKeyIds(t)).length, before.length + 1, "the compliant key was made");
  });

  it("pulumi policy analyze: a stored stack deployed without the pack is found out; a compliant one passes", async () => {
    const stack = stacks[2]!;
    program(`{ roles: ["Instance Administrator"], expiresIn: "400d" }`);
    await stack.up();
    const bad = await pulumi(["policy", "analyze", "--stack", "stored", "--policy-pack", PACK]);
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /keyplane-advanced-for-roles/);
    assert.match(
      bad.out,
      /ApiKey 'guarded': `expiresIn` 400d is a lifetime of 400 d, over the maximum of 90 days \[keyplane-max-lifetime\]/,
    );
    assert.match(bad.out, /one or more mandatory policy violations were found/);

    // keyplane drift --policy-pack: the same findings in the drift report, and exit 2.
    const env = { ...credentialEnv(t.url, t.admin), PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
    const drift = await keyplaneCli(
      ["drift", "--cwd", dir, "--stack", "stored", "--within", "1d", "--policy-pack", PACK],
      env,
    );
    assert.equal(drift.code, 2, drift.stderr + drift.stdout);
    assert.match(
      drift.stdout,
      /guarded \(ApiKey\)\s+\S+\s+policy violation\s+keyplane-advanced-for-roles: ApiKey 'guarded': `securityLevel` is standard/,
    );
    assert.match(
      drift.stdout,
      /guarded \(ApiKey\)\s+\S+\s+policy violation\s+keyplane-max-lifetime: /,
    );
    assert.match(
      drift.stdout,
      /Advisory policy findings \(not drift\):\n\s+guarded \(ApiKey\)\s+keyplane-comment-required: /,
    );
    const json = await keyplaneCli(
      [
        "drift",
        "--cwd",
        dir,
        "--stack",
        "stored",
        "--within",
        "1d",
        "--policy-pack",
        PACK,
        "--json",
      ],
      env,
    );
    assert.equal(json.code, 2, json.stderr);
    const report = JSON.parse(json.stdout) as {
      items: Array<{ kind: string; detail: string }>;
      advisories: unknown[];
    };
    assert.deepEqual(
      report.items
        .filter((i) => i.kind === "policy violation")
        .map((i) => i.detail.split(":")[0])
        .sort(),
      ["keyplane-advanced-for-roles", "keyplane-max-lifetime", "keyplane-rotate-before-required"],
    );

    program(COMPLIANT);
    await stack.up();
    const ok = await pulumi([
      "policy",
      "analyze",
      "--stack",
      "stored",
      "--policy-pack",
      PACK,
      "--policy-pack-config",
      configFile,
    ]);
    assert.equal(ok.code, 0, ok.out);
    const clean = await keyplaneCli(
      [
        "drift",
        "--cwd",
        dir,
        "--stack",
        "stored",
        "--within",
        "1d",
        "--policy-pack",
        PACK,
        "--policy-pack-config",
        configFile,
      ],
      env,
    );
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.match(clean.stdout, /No drift in stack stored/);

    // keyplane drift --unused-for: last used by verifyAfterCreate, at its creation, seconds ago
    // (the server's last-used time is its own clock's, which these tests cannot move).
    const keyId = (await stack.outputs()).keyId!.value as number;
    const idle = await keyplaneCli(
      ["drift", "--cwd", dir, "--stack", "stored", "--within", "1d", "--unused-for", "1ms"],
      env,
    );
    assert.equal(idle.code, 2, idle.stderr + idle.stdout);
    assert.match(
      idle.stdout,
      new RegExp(
        `guarded \\(ApiKey\\)\\s+${keyId}\\s+unused\\s+unused for \\d+ (s|min) \\((last used|never used since it was made) at \\d{4}-`,
      ),
    );
    const busy = await keyplaneCli(
      ["drift", "--cwd", dir, "--stack", "stored", "--within", "1d", "--unused-for", "60d"],
      env,
    );
    assert.equal(busy.code, 0, busy.stderr + busy.stdout);
  });

  it("keyplane drift refuses a --policy-pack that is not a pack, before running anything", async () => {
    const r = await keyplaneCli(
      ["drift", "--cwd", dir, "--stack", "stored", "--policy-pack", dir],
      {},
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--policy-pack: .* has no PulumiPolicy.yaml/);
  });
});
