/**
 * Faults between the provider and the server: `pulumi up` of 50 ApiKeys (an inline Automation
 * API program on the offline engine) with a proxy on 127.0.0.1 in between that, for a share of
 * the requests, closes the connection without an answer (before the server saw the request, or
 * after it did the work: the reply is lost), resets it (RST) after the server answered, or
 * holds the answer back for 0.3-1.5 s. The first `up` may fail; reruns (faults still on, then
 * off if need be, a few at most) must converge: every key in the stack's state exists on the
 * server and works with the value in state, every key on the server but the admin is in the
 * state, one key per resource (zero duplicates, zero orphans), no pending operation, and a
 * refreshed preview shows no change.
 *
 * KEYPLANE_FAULT_SEED replays the proxy's choices (the timing still varies).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { ApiKey } from "../../provider";
import { sdkApi, type ProviderApi } from "../../provider/api";
import { apiKeyProvider } from "../../provider/resources/apiKey";
import { KeyplaneClient, KeyplaneConnectError } from "../../sdk";
import type { TestServer } from "../helpers/server";
import { offlineEngine, type OfflineEngine } from "../../provider/engine";
import { registry } from "./registry";
import {
  Api,
  bounded,
  credHeaders,
  listAllKeys,
  NO_RATE_LIMIT,
  relDir,
  reopenCli,
  startCli,
  startHarness,
  VALIDATE,
  type CliServer,
} from "./support";

const KEYS = 50;
/** Pulumi's marker of a secret value in exported state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** mulberry32: a small seeded PRNG, so a run's fault pattern can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FaultRates {
  /** Connection closed before forwarding: the server never sees the request. */
  dropRequest: number;
  /** Forwarded and answered, then the connection closed without the answer: the reply is lost. */
  dropResponse: number;
  /** Forwarded and answered, then the connection reset (RST). */
  reset: number;
  /** The answer held back 0.3-1.5 s. */
  delay: number;
}

const FAULTS: FaultRates = { dropRequest: 0.05, dropResponse: 0.1, reset: 0.15, delay: 0.15 };
const NO_FAULTS: FaultRates = { dropRequest: 0, dropResponse: 0, reset: 0, delay: 0 };

/** An HTTP proxy on 127.0.0.1 that injects faults into a share of the exchanges. */
class FaultProxy {
  rates: FaultRates = FAULTS;
  readonly stats = { requests: 0, dropRequest: 0, dropResponse: 0, reset: 0, delay: 0, clean: 0 };
  readonly byPath = new Map<string, number>();
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly random: () => number;
  url = "";

  constructor(
    private readonly upstream: URL,
    readonly seed: number,
  ) {
    this.random = prng(seed);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.agent.destroy();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.stats.requests++;
    const x = this.random();
    const r = this.rates;
    const fault =
      x < r.dropRequest
        ? "dropRequest"
        : x < r.dropRequest + r.dropResponse
          ? "dropResponse"
          : x < r.dropRequest + r.dropResponse + r.reset
            ? "reset"
            : x < r.dropRequest + r.dropResponse + r.reset + r.delay
              ? "delay"
              : "clean";
    const delayMs = 300 + Math.floor(this.random() * 1200);
    this.stats[fault]++;
    if (fault !== "clean") {
      const key = `${fault} ${req.method} ${(req.url ?? "").split("?")[0]!.replace(/\/[0-9]+$/, "/:id")}`;
      this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
    }
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      if (fault === "dropRequest") {
        req.socket.destroy();
        return;
      }
      const up = http.request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.upstream.host },
          agent: this.agent,
        },
        (ures) => {
          const chunks: Buffer[] = [];
          ures.on("data", (c: Buffer) => chunks.push(c));
          ures.on("end", () => {
            const send = () => {
              if (res.destroyed) return;
              const headers = { ...ures.headers };
              delete headers["transfer-encoding"];
              delete headers.connection;
              delete headers["keep-alive"];
              const b = Buffer.concat(chunks);
              res.writeHead(ures.statusCode ?? 502, {
                ...headers,
                "content-length": String(b.length),
              });
              res.end(b);
            };
            if (fault === "dropResponse") req.socket.destroy();
            else if (fault === "reset") req.socket.resetAndDestroy();
            else if (fault === "delay") setTimeout(send, delayMs);
            else send();
          });
        },
      );
      up.on("error", () => {
        if (!res.headersSent && !res.destroyed)
          res
            .writeHead(502, { "content-type": "application/json" })
            .end('{"reply":{"err_code":502,"err_msg":"proxy: upstream failed","err_extra":null}}');
      });
      up.end(Buffer.concat(body));
    });
  }
}

describe("faults: verifyAfterCreate retries a lost auth/verify with fresh headers", () => {
  let t: TestServer;
  before(async () => {
    t = await startHarness("faults-verify", {
      dir: relDir("faults-verify"),
      options: { rateLimit: NO_RATE_LIMIT, validateReplies: true, schedulerMs: 0 },
    });
  });
  after(() => t?.close());

  for (const level of ["standard", "advanced"] as const) {
    it(`creates ${level === "advanced" ? "an" : "a"} ${level} key although the first two verify replies are lost`, async () => {
      const client = new KeyplaneClient({
        endpoint: t.url,
        apiKeyId: t.admin.id,
        apiKey: t.admin.key,
        retryBaseDelayMs: 5,
      });
      const real = sdkApi(client);
      const sent: Array<Record<string, string>> = [];
      const api: ProviderApi = {
        ...real,
        // The server gets each verify and answers it, but the first two answers never arrive.
        verify: async (headers) => {
          sent.push(headers);
          const res = await real.verify(headers);
          if (sent.length <= 2)
            throw new KeyplaneConnectError(
              "keyplane auth.verify: connection failed: other side closed (simulated)",
              { operation: "auth.verify" },
            );
          return res;
        },
      };
      try {
        const p = apiKeyProvider({ now: () => Date.now(), api: () => api, warn: () => undefined });
        const c = await p.check!(
          {},
          { roles: ["Viewer"], securityLevel: level, comment: `verify-retry-${level}` },
        );
        const r = await p.create(c.inputs);
        registry.minted(Number(r.id), r.outs.key, `faults verify retry ${level}`);
        assert.equal(sent.length, 3, "two lost replies, then an answer");
        if (level === "advanced")
          assert.equal(
            new Set(sent.map((h) => h["x-xdr-nonce"])).size,
            3,
            "every attempt signed afresh",
          );
        assert.ok(await real.getKey(Number(r.id)), "the key stays");
      } finally {
        await client.close();
      }
    });
  }
});

describe("faults between the provider and the server: pulumi up of 50 keys through a faulty proxy", function () {
  this.timeout(600_000);
  const dir = relDir("faults");
  let server: CliServer;
  let proxy: FaultProxy;
  let engine: OfflineEngine;
  let stack: Stack;
  let api: Api;
  const output: string[] = [];
  const runs: Array<{
    faults: boolean;
    ok: boolean;
    ms: number;
    error?: string;
    changes?: Record<string, number>;
  }> = [];

  before(async () => {
    const o = { name: "faults", db: `sqlite:${path.join(dir, "keyplane.db")}`, dir };
    registry.retainDb({
      label: "faults (cli, sqlite)",
      kind: "sqlite",
      dbUrl: o.db,
      reopen: reopenCli(o),
    });
    server = await startCli(o);
    api = new Api(server.url, 8);
    const seed = process.env.KEYPLANE_FAULT_SEED
      ? Number(process.env.KEYPLANE_FAULT_SEED)
      : Math.floor(Math.random() * 2 ** 31);
    proxy = new FaultProxy(new URL(server.url), seed);
    await proxy.listen();
    engine = await offlineEngine({
      baseDir: dir,
      passphrase: "keyplane-reliability",
      env: {
        KEYPLANE_ENDPOINT: proxy.url,
        KEYPLANE_API_KEY_ID: String(server.admin.id),
        KEYPLANE_API_KEY: server.admin.key,
        KEYPLANE_SECURITY_LEVEL: "standard",
      },
    });
    registry.dir("pulumi state and home (faults)", path.join(dir, ".keyplane"));
    registry.log("pulumi output (faults)", () => output.join(""));
    stack = await engine.inlineStack("keyplane-reliability", "faults", async () => {
      const keys = Array.from(
        { length: KEYS },
        (_, i) =>
          new ApiKey(`key-${i}`, {
            roles: ["Viewer"],
            comment: `fault-${i}`,
            securityLevel: i % 5 === 0 ? "advanced" : "standard",
          }),
      );
      return {
        ids: keys.map((k) => k.keyId),
        keys: pulumi.all(keys.map((k) => pulumi.all([k.keyId, k.key, k.securityLevel]))),
      };
    });
  });

  after(async () => {
    if (proxy) proxy.rates = NO_FAULTS;
    if (runs.length)
      console.log(
        `      runs: ${JSON.stringify(runs)}\n      proxy (seed ${proxy?.seed}): ${JSON.stringify(proxy?.stats)}`,
      );
    if (stack) {
      await stack
        .destroy({ onOutput: (s) => output.push(s) })
        .catch((e) => console.warn(`destroy failed: ${(e as Error).message.slice(0, 300)}`));
    }
    await proxy?.close();
    await api?.close();
    await server?.stop();
  });

  it("converges: reruns of up (faults on, then off if need be) end with every resource created", async () => {
    const plan = [true, true, true, true, false, false];
    for (const faults of plan) {
      proxy.rates = faults ? FAULTS : NO_FAULTS;
      const started = Date.now();
      try {
        const r = await stack.up({ onOutput: (s) => output.push(s) });
        runs.push({
          faults,
          ok: true,
          ms: Date.now() - started,
          changes: r.summary.resourceChanges as Record<string, number>,
        });
        break;
      } catch (e) {
        const msg = (e as Error).message;
        const why = [
          ...new Set(
            msg
              .split("\n")
              .filter((l) => /error:/i.test(l))
              .map((l) =>
                l
                  .trim()
                  .replace(/[0-9]{2,}/g, "N")
                  .slice(0, 200),
              ),
          ),
        ].slice(0, 5);
        runs.push({
          faults,
          ok: false,
          ms: Date.now() - started,
          error: why.join(" | ") || msg.slice(0, 300),
        });
      }
    }
    const last = runs[runs.length - 1]!;
    assert.ok(last.ok, `no up succeeded in ${runs.length} runs: ${JSON.stringify(runs)}`);
    console.log(`      ${runs.length} up run(s); faults injected: ${JSON.stringify(proxy.stats)}`);
    assert.ok(
      proxy.stats.dropResponse + proxy.stats.reset + proxy.stats.dropRequest > 0,
      "faults were injected",
    );
  });

  it("has one key per resource on the server: zero duplicates, zero orphans", async () => {
    proxy.rates = NO_FAULTS;
    const deployment = (await stack.exportStack()).deployment as {
      resources?: Array<{
        type: string;
        id?: string;
        urn: string;
        outputs?: Record<string, unknown>;
      }>;
      pending_operations?: unknown[];
    };
    // exportStack() runs `pulumi stack export --show-secrets`: secret values come back decrypted,
    // inside Pulumi's secret envelopes. Outside those envelopes nothing may hold a key (the scan
    // gets the export with the envelopes' plaintext cut out), and the export as stored
    // (`pulumi stack export`, no --show-secrets) is scanned whole.
    let secrets = 0;
    const stripped = JSON.stringify(deployment, (_k, v) => {
      if (v && typeof v === "object" && v[SECRET_SIG] === SECRET_VALUE && "plaintext" in v) {
        secrets++;
        return { [SECRET_SIG]: SECRET_VALUE, plaintext: "(cut)" };
      }
      return v;
    });
    assert.ok(
      secrets >= KEYS,
      `every key value is a secret in the state (${secrets} secret values)`,
    );
    registry.text("pulumi exportStack (faults), secrets' plaintext cut out", stripped);
    const stored = execFileSync(
      path.join(engine.binDir, "pulumi"),
      ["stack", "export", "--stack", "faults"],
      {
        cwd: stack.workspace.workDir,
        env: { ...process.env, ...engine.envVars },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    registry.text("pulumi stack export (faults), as stored", stored);
    assert.match(stored, /"ciphertext"/, "the stored export holds ciphertext");
    assert.deepEqual(
      deployment.pending_operations ?? [],
      [],
      "no pending operation left in the state",
    );
    const inState = (deployment.resources ?? []).filter((r) => r.type.endsWith(":ApiKey"));
    assert.equal(inState.length, KEYS, "every resource is in the state");
    const stateIds = inState.map((r) => Number(r.id));
    assert.equal(new Set(stateIds).size, KEYS, "distinct ids in the state");

    const onServer = (await listAllKeys(api, server.admin)).filter((k) => k.id !== server.admin.id);
    const serverIds = new Set(onServer.map((k) => k.id));
    const missing = stateIds.filter((id) => !serverIds.has(id));
    const orphans = onServer
      .filter((k) => !stateIds.includes(k.id))
      .map((k) => `${k.id} (${k.comment}, ${k.status})`);
    assert.deepEqual(missing, [], "keys in the state that are not on the server");
    assert.deepEqual(orphans, [], "keys on the server that no resource owns (orphans)");
    const comments = onServer.map((k) => k.comment).sort();
    assert.deepEqual(
      comments,
      Array.from({ length: KEYS }, (_, i) => `fault-${i}`).sort(),
      "one key per resource (no duplicate)",
    );
    for (const k of onServer) assert.equal(k.status, "active", `key ${k.id}`);
  });

  it("holds, for every resource, a key value that authenticates", async () => {
    const outs = await stack.outputs();
    assert.equal(outs.keys!.secret, true, "the key values are secret outputs");
    const keys = outs.keys!.value as Array<[number, string, "standard" | "advanced"]>;
    assert.equal(keys.length, KEYS);
    for (const [id, key] of keys) registry.minted(id, key, "faults pulumi key");
    const refused: string[] = [];
    await bounded(keys.length, 8, async (i) => {
      const [id, key, level] = keys[i]!;
      const r = await api.call("POST", VALIDATE, {
        body: { request_data: {} },
        headers: credHeaders({ id, key, level }),
      });
      if (r.status !== 200) refused.push(`${id}: ${r.status}`);
    });
    assert.deepEqual(refused, []);
  });

  it("shows no change in a refreshed preview", async () => {
    proxy.rates = NO_FAULTS;
    const r = await stack.preview({
      refresh: true,
      expectNoChanges: true,
      onOutput: (s) => output.push(s),
    });
    assert.equal(r.changeSummary.same, KEYS + 1);
  });
});
