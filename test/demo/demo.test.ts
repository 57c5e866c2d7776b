/**
 * The README's first command, end to end: `npm run demo` (here `node dist/demo/run.js`, which is
 * what it runs after installing and building) on its own server and stack, run twice (the second
 * run changes nothing), then `--destroy`.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot, scratchDir } from "../helpers/paths";

function demo(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(repoRoot, "dist", "demo", "run.js"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, out, ms: Date.now() - started }));
  });
}

describe("npm run demo", function () {
  this.timeout(10 * 60_000);
  const dir = path.join(scratchDir("demo"), "demo");
  const env = { KEYPLANE_DEMO_DIR: dir, KEYPLANE_DEMO_STACK: `demo-test-${process.pid}` };
  let minted: string[] = [];

  after(async () => {
    await demo(["--destroy"], env).catch(() => undefined);
  });

  it("mints, shows and uses the keys, with the secrets masked", async () => {
    const r = await demo([], env);
    assert.equal(r.code, 0, r.out);
    for (const step of ["[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]"])
      assert.ok(r.out.includes(step), `missing ${step}`);
    assert.match(r.out, /created\s+keyplane:Role oncall-responder/);
    assert.match(r.out, /created\s+keyplane:ApiKey oncall-bot/);
    assert.match(r.out, /KEY ID\s+NAME\s+LEVEL\s+ROLES\s+SCOPE\s+EXPIRES\s+KEY/);
    assert.match(
      r.out,
      /oncall-bot\s+advanced\s+On-call Responder\s+EMEA endpoints\s+in 29 d\s+kp\S*…•+ \(128 chars, secret\)/,
    );
    assert.match(r.out, /\(standard\): POST \/public_api\/v1\/api_keys\/validate → true/);
    assert.match(
      r.out,
      /\(advanced, signed: sha256\(key \+ nonce \+ timestamp\)\): POST \/public_api\/v1\/api_keys\/validate → true/,
    );
    assert.match(r.out, /'emea-servers': allowed/);
    assert.match(r.out, /'us-servers': refused \(OUT_OF_SCOPE\)/);
    assert.match(r.out, /API_KEY = "YOUR_API_KEY"/);
    assert.match(r.out, /total \d+\.\d s/);
    assert.match(r.out, /drift\s+npm run -s keyplane -- drift --stack/);
    // The console's URL and how to sign in with the bootstrap key; the server that keeps running serves it.
    const consoleUrl = r.out.match(
      /web console\s+(http:\/\/127\.0\.0\.1:\d+\/console)\s+\(sign in: Standard, Key ID (\d+), Key: the api_key in \S*bootstrap\.json\)/,
    );
    assert.ok(consoleUrl, "the demo prints the console's URL and how to sign in");
    const page = await fetch(consoleUrl[1]!);
    assert.equal(page.status, 200);
    assert.match(
      await page.text(),
      /<script type="module" src="\/console\/assets\/console\.js"><\/script>/,
    );
    // No key value is printed: collect them from the server's point of view and search.
    const boot = JSON.parse(fs.readFileSync(path.join(dir, "bootstrap.json"), "utf8"));
    minted = [boot.api_key];
    assert.equal(Number(consoleUrl[2]), boot.api_key_id, "the sign-in names the bootstrap key");
    assert.ok(!r.out.includes(boot.api_key), "the admin key is never printed");
  });

  it("is idempotent: a second run changes nothing, and is fast", async () => {
    const r = await demo([], env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /reusing http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.out, /succeeded: no changes \(\d+ unchanged\)/);
    assert.ok(!/created\s+keyplane:/.test(r.out));
    for (const k of minted) assert.ok(!r.out.includes(k));
  });

  it("tears everything down with --destroy", async () => {
    const r = await demo(["--destroy"], env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /deleted\s+keyplane:ApiKey oncall-bot/);
    assert.match(r.out, /removed/);
    assert.equal(fs.existsSync(dir), false);
    assert.equal(
      fs.existsSync(path.join(repoRoot, `Pulumi.${env.KEYPLANE_DEMO_STACK}.yaml`)),
      false,
      "the stack's config file is gone",
    );
  });
});
