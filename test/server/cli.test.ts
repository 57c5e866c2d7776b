/**
 * `keyplane server` as a child process: it prints where it listens, bootstraps the first key into
 * a 0600 file that it never overwrites and never prints, serves with that key, stops cleanly on
 * SIGTERM, and refuses bad usage with exit code 2.
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { authHeaders } from "../../sdk/contract";
import { Keyring } from "../../server/crypto/keyring";
import { repoRoot, scratchDir } from "../helpers/paths";
import { freshPostgresDatabase } from "../helpers/postgres";
import { pollUntil } from "./support";

const MAIN = path.join(repoRoot, "dist", "cli", "main.js");

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, KEYPLANE_KEYRING: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the "listening" line and returns the URL. */
async function listening(p: Proc, withinMs = 20_000): Promise<string> {
  const start = Date.now();
  for (;;) {
    const m = /keyplane listening on (http:\/\/\S+)/.exec(p.stdout());
    if (m) return m[1]!;
    if (p.child.exitCode !== null)
      throw new Error(`server exited with ${p.child.exitCode}: ${p.stderr()}`);
    if (Date.now() - start > withinMs)
      throw new Error(`server did not start: ${p.stdout()} ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stop(p: Proc): Promise<number | null> {
  p.child.kill("SIGTERM");
  return p.exited;
}

describe("keyplane server (CLI)", function () {
  this.timeout(60_000);
  let dir: string;
  let args: string[];
  let boot: string;
  const procs: Proc[] = [];
  before(() => {
    dir = scratchDir("cli");
    boot = path.join(dir, "secrets", "bootstrap.json");
    args = [
      "server",
      "--port",
      "0",
      "--db",
      `sqlite:${path.join(dir, "kp.db")}`,
      "--bootstrap-file",
      boot,
      "--master-key-file",
      path.join(dir, "secrets", "master.key"),
      "--log-level",
      "info",
    ];
  });
  after(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  });

  let first: { id: number; key: string };

  it("starts on an ephemeral port, prints where it listens, and bootstraps an admin key into a 0600 file", async () => {
    const p = run(args);
    procs.push(p);
    const url = await listening(p);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(url, "http://127.0.0.1:0");
    const st = fs.statSync(boot);
    assert.equal(st.mode & 0o777, 0o600, `bootstrap file mode ${(st.mode & 0o777).toString(8)}`);
    const b = JSON.parse(fs.readFileSync(boot, "utf8"));
    assert.deepEqual(Object.keys(b).sort(), ["api_key", "api_key_id", "security_level"]);
    assert.equal(b.security_level, "standard");
    first = { id: b.api_key_id, key: b.api_key };
    assert.equal(
      fs.statSync(path.join(dir, "secrets", "master.key")).mode & 0o777,
      0o600,
      "the generated keyring is private",
    );

    // The key works, and holds Instance Administrator.
    const res = await fetch(`${url}/public_api/v1/api_keys/get_api_keys`, {
      method: "POST",
      headers: {
        "x-xdr-auth-id": String(b.api_key_id),
        authorization: b.api_key,
        "content-type": "application/json",
      },
      body: JSON.stringify({ request_data: {} }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { reply: { DATA: Array<{ roles: string[] }> } };
    assert.deepEqual(body.reply.DATA[0]!.roles, ["Instance Administrator"]);
    // The database holds key hashes and ciphertext: private, WAL files included.
    for (const f of ["kp.db", "kp.db-wal", "kp.db-shm"]) {
      const file = path.join(dir, f);
      if (fs.existsSync(file)) assert.equal(fs.statSync(file).mode & 0o777, 0o600, `${f} mode`);
    }
    const health = await fetch(`${url}/public_api/v1/healthcheck`);
    assert.deepEqual(await health.json(), { status: "available" });

    assert.equal(await stop(p), 0, `exit code on SIGTERM; stderr: ${p.stderr()}`);
    for (const s of [p.stdout(), p.stderr()])
      assert.ok(!s.includes(b.api_key), "the key never reaches stdout or stderr");
    assert.match(p.stderr(), /bootstrap key \d+ written to/);
    assert.match(p.stderr(), /"msg":"request"/, "it logged the requests (and still not the key)");
  });

  it("does not overwrite the bootstrap file on a second start on the same database, and the key still works", async () => {
    const before = fs.readFileSync(boot, "utf8");
    const mtime = fs.statSync(boot).mtimeMs;
    const p = run(args);
    procs.push(p);
    const url = await listening(p);
    assert.equal(fs.readFileSync(boot, "utf8"), before);
    assert.equal(fs.statSync(boot).mtimeMs, mtime);
    assert.ok(!/bootstrap key/.test(p.stderr()));
    const res = await fetch(`${url}/public_api/v1/api_keys/validate`, {
      method: "POST",
      headers: { "x-xdr-auth-id": String(first.id), authorization: first.key },
    });
    assert.equal(await res.text(), '"true"');
    assert.equal(await stop(p), 0);
  });

  it("stops with exit code 0 on SIGINT too", async () => {
    const p = run(args);
    procs.push(p);
    await listening(p);
    p.child.kill("SIGINT");
    assert.equal(await p.exited, 0);
  });

  it("writes the request log and loses none of it on SIGTERM", async () => {
    const p = run(args);
    procs.push(p);
    const url = await listening(p);
    const n = 300;
    const tag = `flush-${Date.now()}`;
    const replies = await Promise.all(
      Array.from({ length: n }, () =>
        fetch(`${url}/public_api/v1/healthcheck`, { headers: { "x-request-id": tag } }).then(
          (r) => r.status,
        ),
      ),
    );
    assert.deepEqual([...new Set(replies)], [200]);
    // Signalled the moment the last reply is in: whatever is still queued must be flushed on the way out.
    assert.equal(await stop(p), 0, p.stderr());
    const lines = p
      .stderr()
      .split("\n")
      .filter((l) => l.includes('"msg":"request"') && l.includes(`"reqId":"${tag}"`));
    assert.equal(lines.length, n, "one request line per request");
    for (const l of lines) JSON.parse(l);
  });

  it("refuses a bootstrap file left from another database instead of overwriting it (exit 1)", async () => {
    const other = [...args];
    other[other.indexOf("--db") + 1] = `sqlite:${path.join(dir, "other.db")}`;
    const p = run(other);
    procs.push(p);
    assert.equal(await p.exited, 1);
    assert.match(p.stderr(), /never overwritten/);
    assert.equal(JSON.parse(fs.readFileSync(boot, "utf8")).api_key, first.key);
  });

  const usage: Array<{ name: string; args: string[]; expectCode: number; expectErr: RegExp }> = [
    {
      name: "--port abc",
      args: ["server", "--port", "abc"],
      expectCode: 2,
      expectErr: /--port: 'abc' is not a port number/,
    },
    {
      name: "--port 70000",
      args: ["server", "--port", "70000"],
      expectCode: 2,
      expectErr: /--port/,
    },
    {
      name: "an unknown flag",
      args: ["server", "--colour", "blue"],
      expectCode: 2,
      expectErr: /colour/,
    },
    {
      name: "--log-level loud",
      args: ["server", "--log-level", "loud"],
      expectCode: 2,
      expectErr: /--log-level/,
    },
    {
      name: "--max-failures-per-address 0",
      args: ["server", "--max-failures-per-address", "0"],
      expectCode: 2,
      expectErr: /--max-failures-per-address: '0' is not a whole number/,
    },
    {
      name: "--max-failures-per-key many",
      args: ["server", "--max-failures-per-key", "many"],
      expectCode: 2,
      expectErr: /--max-failures-per-key: 'many'/,
    },
    {
      name: "an unknown command",
      args: ["serve"],
      expectCode: 2,
      expectErr: /unknown command 'serve'/,
    },
  ];
  for (const u of usage) {
    it(`treats ${u.name} as a usage error (exit ${u.expectCode})`, async () => {
      const p = run(u.args);
      assert.equal(await p.exited, u.expectCode);
      assert.match(p.stderr(), u.expectErr);
      assert.equal(p.stdout(), "");
    });
  }

  it("prints its usage with --help (exit 0)", async () => {
    const p = run(["server", "--help"]);
    assert.equal(await p.exited, 0);
    assert.match(p.stdout(), /usage: keyplane server/);
  });
});

describe("two keyplane server processes on one PostgreSQL database", function () {
  this.timeout(60_000);
  let pg: { url: string; drop: () => Promise<void> };
  const procs: Proc[] = [];
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await pg?.drop();
  });

  it("behave as one service: one bootstrap, shared nonces, revocations honoured across within 1 s", async () => {
    pg = await freshPostgresDatabase();
    const dir = scratchDir("cli-pg");
    // Replicas share the keyring (here through the environment, as a deployment would).
    const env = { KEYPLANE_KEYRING: Keyring.generate().serialize() };
    const start = (n: number) =>
      run(
        [
          "server",
          "--port",
          "0",
          "--db",
          pg.url,
          "--bootstrap-file",
          path.join(dir, `boot-${n}.json`),
          "--log-level",
          "warn",
        ],
        env,
      );
    const p1 = start(1);
    procs.push(p1);
    const url1 = await listening(p1);
    const p2 = start(2);
    procs.push(p2);
    const url2 = await listening(p2);
    assert.ok(
      !fs.existsSync(path.join(dir, "boot-2.json")),
      "the second replica does not bootstrap",
    );
    const b = JSON.parse(fs.readFileSync(path.join(dir, "boot-1.json"), "utf8"));
    const admin = { apiKeyId: b.api_key_id, apiKey: b.api_key };
    const post = async (url: string, p: string, body: unknown, headers: Record<string, string>) => {
      const res = await fetch(url + p, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    const gen = await post(
      url1,
      "/public_api/v1/api_keys/generate",
      { request_data: { roles: ["Viewer"], security_level: "advanced" } },
      authHeaders(admin),
    );
    assert.equal(gen.status, 200);
    const key = {
      apiKeyId: gen.body.reply.id,
      apiKey: gen.body.reply.key,
      securityLevel: "advanced" as const,
    };
    const h = authHeaders(key);
    assert.equal((await post(url1, "/public_api/v1/api_keys/validate", {}, h)).status, 200);
    assert.equal(
      (await post(url2, "/public_api/v1/api_keys/validate", {}, h)).status,
      401,
      "the nonce was used on the other process",
    );
    assert.equal(
      (await post(url2, "/public_api/v1/api_keys/validate", {}, authHeaders(key))).status,
      200,
    );

    assert.equal(
      (
        await post(
          url1,
          "/public_api/v1/api_keys/revoke",
          { request_data: { filters: [{ field: "id", operator: "in", value: [key.apiKeyId] }] } },
          authHeaders(admin),
        )
      ).status,
      200,
    );
    const ms = await pollUntil(
      async () =>
        (await post(url2, "/public_api/v1/api_keys/validate", {}, authHeaders(key))).status === 401,
      1000,
      20,
    );
    assert.ok(ms < 1000);

    assert.equal(await stop(p1), 0);
    assert.equal(await stop(p2), 0);
  });
});
