/**
 * API keys: examples (run with python3 against the server), and a smoke pass over HTTP.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startTestServer, type TestServer } from "../../helpers/server";
import { assertError, EXAMPLES, ok, rd, transports } from "../support";

/** Runs a script with python3 or bash (asynchronously: the server under test lives in this process). */
function runScript(
  cmd: "python3" | "bash",
  script: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, cmd === "bash" ? ["-s"] : ["-"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    p.stdin.end(script);
  });
}
describe("api keys: examples", () => {
  let t: TestServer;
  before(async () => {
    // Real clock: the Python snippet signs with the machine's time.
    t = await startTestServer();
  });
  after(() => t.close());

  for (const level of ["standard", "advanced"] as const) {
    it(`gives Python and curl snippets for ${level === "advanced" ? "an" : "a"} ${level} key with its id and the server URL, the key as a placeholder`, async () => {
      const k = await t.createKey({ level });
      const r = ok(await t.call("POST", EXAMPLES, rd({ id: k.id }))).reply;
      assert.equal(r.id, k.id);
      assert.equal(r.security_level, level);
      assert.equal(r.url, t.url);
      for (const s of [r.python, r.curl]) {
        assert.equal(
          s.split("YOUR_API_KEY").length,
          2,
          "the placeholder appears once: where the key goes",
        );
        assert.ok(s.includes(String(k.id)));
        assert.ok(s.includes(t.url));
        assert.ok(!s.includes(k.key));
      }
      assert.equal(/x-xdr-nonce/.test(r.python), level === "advanced");
    });

    it(`runs the Python snippet with python3 against the server, a real ${level} key pasted in`, async function () {
      const k = await t.createKey({ level });
      const r = ok(await t.call("POST", EXAMPLES, rd({ id: k.id }))).reply;
      const script = (r.python as string).replace("YOUR_API_KEY", k.key);
      const p = await runScript("python3", script);
      assert.equal(p.status, 0, `python3 failed: ${p.stdout} ${p.stderr}`);
      assert.equal(p.stdout.trim(), '200 "true"');
      // The same script with the placeholder left in is refused.
      const q = await runScript("python3", r.python);
      assert.equal(q.status, 1);
      assert.match(q.stdout, /^401 /);
    });
  }

  it("runs the curl snippets with bash (curl, sha256sum) against the server, a real key pasted in", async () => {
    for (const level of ["standard", "advanced"] as const) {
      const k = await t.createKey({ level });
      const r = ok(await t.call("POST", EXAMPLES, rd({ id: k.id }))).reply;
      const p = await runScript("bash", (r.curl as string).replace("YOUR_API_KEY", k.key));
      assert.equal(p.status, 0, p.stderr);
      assert.equal(p.stdout.trim(), '"true"', `${level}: ${p.stdout} ${p.stderr}`);
    }
  });

  it("uses the tenant FQDN from settings when set", async () => {
    const k = await t.createKey();
    ok(
      await t.call("PUT", "/platform/iam/v1/settings", rd({ tenant_fqdn: "api-acme.example.com" })),
    );
    try {
      const r = ok(await t.call("POST", EXAMPLES, rd({ id: k.id }))).reply;
      assert.equal(r.url, "https://api-acme.example.com");
      assert.ok(r.curl.includes("https://api-acme.example.com/public_api/v1/api_keys/validate"));
    } finally {
      ok(await t.call("PUT", "/platform/iam/v1/settings", rd({ tenant_fqdn: null })));
    }
  });

  it("answers 404 for an unknown key", async () => {
    assertError(EXAMPLES, await t.call("POST", EXAMPLES, rd({ id: 777_777 })), 404, "NOT_FOUND");
  });

  it("works the same over HTTP and in process", async () => {
    const k = await t.createKey();
    for (const { call } of transports(t)) {
      const r = ok(await call("POST", EXAMPLES, rd({ id: k.id }))).reply;
      assert.equal(r.id, k.id);
    }
  });
});
