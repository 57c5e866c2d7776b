/**
 * Two `keyplane server` processes on one PostgreSQL database and one keyring file, with the
 * requests alternating between them:
 *  - an Advanced request accepted by one replica is refused by the other (the nonce table is
 *    the database's), and the same request sent to both at once is accepted exactly once;
 *  - a key revoked through either replica fails on both within 1 s (measured from the revoke
 *    reply, polling every 20 ms);
 *  - each API Key Expiration notice is created, and POSTed to the webhook, exactly once, while
 *    both schedulers tick every 150 ms on the real clock (KEYPLANE_SCHEDULER_MS), including
 *    across a hand-over: one replica stops (SIGTERM gives its lease up), the other takes over,
 *    the first comes back.
 *
 * The replicas count failed authentications together (per key id, and per client address over
 * all replicas): every request here comes from 127.0.0.1 and the refusals this file provokes add
 * up to more than the default 30 a minute, so the replicas run with
 * --max-failures-per-address 1000 (the per-key-id limit stays at its default: a key per round).
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Credential } from "../helpers/server";
import { registry } from "./registry";
import {
  Api,
  expectStatus,
  mint,
  pollUntil,
  relDir,
  reopenCli,
  retainedPostgres,
  signed,
  sleep,
  startCli,
  VALIDATE,
  type CliServer,
} from "./support";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SCHEDULER_MS = 150;

describe("two replicas on one PostgreSQL database", function () {
  this.timeout(120_000);
  const dir = relDir("replicas");
  // The test's webhook receiver listens on loopback, which servers refuse unless allowed.
  const env = {
    KEYPLANE_SCHEDULER_MS: String(SCHEDULER_MS),
    KEYPLANE_MAX_FAILURES_PER_ADDRESS: "1000",
    KEYPLANE_ALLOW_PRIVATE_WEBHOOKS: "1",
  };
  let dbUrl: string;
  const servers: CliServer[] = [];
  const apis: Api[] = [];
  let admin: Credential;
  let turn = 0;
  /** The next replica, alternating. */
  const next = () => apis[turn++ % 2]!;

  before(async () => {
    dbUrl = await retainedPostgres("replicas database");
    registry.retainDb({
      label: "replicas (postgres)",
      kind: "postgres",
      dbUrl,
      reopen: reopenCli({ name: "replicas", db: dbUrl, dir }),
    });
    // Sequential starts: the first one migrates and bootstraps, the second finds the admin there.
    servers.push(await startCli({ name: "replica-a", db: dbUrl, dir, env }));
    servers.push(await startCli({ name: "replica-b", db: dbUrl, dir, env }));
    admin = servers[0]!.admin;
    assert.deepEqual(servers[1]!.admin, admin);
    assert.doesNotMatch(
      servers[1]!.output().toString(),
      /bootstrap key/,
      "only the first replica bootstraps",
    );
    for (const s of servers) apis.push(new Api(s.url, 16));
  });

  after(async () => {
    for (const a of apis) await a.close();
    for (const s of servers) await s.stop();
  });

  describe("nonces", () => {
    it("refuses on one replica an Advanced request already accepted by the other", async () => {
      for (let i = 0; i < 8; i++) {
        // A key per round: the per-key failure limit never hides the answer.
        const k = await mint(next(), admin, { level: "advanced", where: `replicas nonce ${i}` });
        const h = signed(k);
        const [first, other] = i % 2 === 0 ? [apis[0]!, apis[1]!] : [apis[1]!, apis[0]!];
        expectStatus(
          await first.call("POST", VALIDATE, { body: { request_data: {} }, headers: h }),
          200,
          `round ${i}: original`,
        );
        const replay = await other.call("POST", VALIDATE, {
          body: { request_data: {} },
          headers: h,
        });
        assert.equal(
          replay.status,
          401,
          `round ${i}: the replay on the other replica must be refused, got ${replay.status} ${replay.text}`,
        );
        // A fresh signature with the same key still works there: only the nonce was refused.
        expectStatus(
          await other.call("POST", VALIDATE, { body: { request_data: {} }, headers: signed(k) }),
          200,
          `round ${i}: fresh nonce`,
        );
      }
    });

    it("accepts the same Advanced request exactly once when both replicas get it at once", async () => {
      for (let i = 0; i < 4; i++) {
        const k = await mint(next(), admin, { level: "advanced", where: `replicas race ${i}` });
        const h = signed(k);
        const rs = await Promise.all(
          [0, 1, 0, 1].map((j) =>
            apis[j]!.call("POST", VALIDATE, { body: { request_data: {} }, headers: h }),
          ),
        );
        assert.deepEqual(rs.map((r) => r.status).sort(), [200, 401, 401, 401], `round ${i}`);
      }
    });
  });

  describe("revocation", () => {
    const timings: number[] = [];
    after(() => {
      if (timings.length)
        console.log(
          `      revoked keys failed on both replicas after ${timings.join(", ")} ms (max ${Math.max(...timings)})`,
        );
    });

    for (let i = 0; i < 6; i++) {
      const level = i % 2 === 0 ? "standard" : "advanced";
      it(`fails on both replicas within 1 s ${level === "advanced" ? "an" : "a"} ${level} key revoked through replica ${i % 2 === 0 ? "a" : "b"}`, async () => {
        const k = await mint(next(), admin, { level, where: `replicas revoke ${i}` });
        // Warm both replicas' caches with the key.
        for (const api of [...apis, ...apis])
          expectStatus(
            await api.call("POST", VALIDATE, { body: { request_data: {} }, as: k }),
            200,
            "before the revoke",
          );
        const revoker = apis[i % 2]!;
        expectStatus(
          await revoker.post(
            "/public_api/v1/api_keys/revoke",
            { filters: [{ field: "id", operator: "in", value: [k.id] }] },
            admin,
          ),
          200,
          "revoke",
        );
        const elapsed = await Promise.all(
          apis.map((api) =>
            pollUntil(
              async () =>
                (await api.call("POST", VALIDATE, { body: { request_data: {} }, as: k })).status ===
                401,
              3000,
              20,
            ),
          ),
        );
        timings.push(...elapsed);
        for (const [j, ms] of elapsed.entries())
          assert.ok(
            ms < 1000,
            `replica ${j === 0 ? "a" : "b"} still accepted the revoked key after ${ms} ms`,
          );
      });
    }
  });

  describe("expiry notifications", () => {
    let hook: http.Server;
    const posts: Array<{ id: number; key_id: number; lead: string }> = [];
    const expected = new Map<number, "1d" | "7d" | null>();

    before(async () => {
      hook = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          try {
            posts.push(JSON.parse(body));
          } catch {
            posts.push({ id: -1, key_id: -1, lead: body.slice(0, 50) });
          }
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notices`;
      expectStatus(
        await next().call("PUT", "/platform/iam/v1/settings", {
          body: { request_data: { notification_webhook: url } },
          as: admin,
        }),
        200,
        "set the webhook",
      );
      // Both replicas must see it before the keys exist (settings travel through the revision poll).
      for (const api of apis) {
        await pollUntil(
          async () =>
            (await api.call("GET", "/platform/iam/v1/settings", { as: admin })).body?.data
              ?.notification_webhook === url,
          3000,
        );
      }
    });
    after(async () => {
      await new Promise<void>((r) => hook.close(() => r()));
    });

    /** Creates keys alternating replicas: expiring in 12 h (one-day notice), 3 days (one-week notice), 10 days and never (none). */
    async function makeKeys(
      tag: string,
      n: { day: number; week: number; none: number },
    ): Promise<void> {
      const now = Date.now();
      const plan: Array<{ exp: number | undefined; lead: "1d" | "7d" | null }> = [
        ...Array.from({ length: n.day }, (_, i) => ({
          exp: now + 12 * HOUR + i * 60_000,
          lead: "1d" as const,
        })),
        ...Array.from({ length: n.week }, (_, i) => ({
          exp: now + 3 * DAY + i * 60_000,
          lead: "7d" as const,
        })),
        ...Array.from({ length: n.none }, (_, i) => ({
          exp: i % 2 === 0 ? now + 10 * DAY : undefined,
          lead: null,
        })),
      ];
      for (const [i, p] of plan.entries()) {
        const k = await mint(next(), admin, {
          expiration: p.exp,
          comment: `notice-${tag}-${i}`,
          where: `replicas notice ${tag} ${i}`,
        });
        expected.set(k.id, p.lead);
        // Spread over a few scheduler ticks so creation races the schedulers.
        if (i % 4 === 3) await sleep(SCHEDULER_MS);
      }
    }

    async function noticesOf(
      keyId: number,
    ): Promise<Array<{ id: number; lead: string; key_id: number; webhook_status: string }>> {
      const r = expectStatus(
        await next().call(
          "GET",
          `/platform/notifications/v1/notifications?key_id=${keyId}&search_to=100`,
          { as: admin },
        ),
        200,
        "list notifications",
      );
      return r.body.data;
    }

    async function assertExactlyOnce(what: string): Promise<void> {
      const due = [...expected].filter(([, lead]) => lead !== null);
      // Until every notice exists and was delivered …
      await pollUntil(
        async () => {
          const delivered = new Set(posts.map((p) => p.key_id));
          return due.every(([id]) => delivered.has(id));
        },
        20_000,
        100,
      );
      // … then let both schedulers tick another 20 times.
      await sleep(20 * SCHEDULER_MS);
      const problems: string[] = [];
      for (const [id, lead] of expected) {
        const ns = await noticesOf(id);
        const want = lead === null ? [] : [lead];
        if (JSON.stringify(ns.map((n) => n.lead)) !== JSON.stringify(want))
          problems.push(`key ${id}: notices [${ns.map((n) => n.lead)}], expected [${want}]`);
        const hooks = posts.filter((p) => p.key_id === id);
        if (hooks.length !== want.length)
          problems.push(`key ${id}: ${hooks.length} webhook POSTs, expected ${want.length}`);
        for (const n of ns)
          if (n.webhook_status !== "delivered")
            problems.push(`notice ${n.id}: webhook ${n.webhook_status}`);
      }
      const ids = posts.map((p) => p.id);
      if (new Set(ids).size !== ids.length)
        problems.push(`a notice was POSTed twice: ${ids.join(",")}`);
      assert.deepEqual(problems, [], what);
    }

    it("creates and delivers each notice exactly once while both schedulers tick", async () => {
      await makeKeys("both", { day: 8, week: 8, none: 4 });
      await assertExactlyOnce("two replicas ticking");
    });

    it("still exactly once across a hand-over: one replica stops, the other takes over, the first comes back", async () => {
      const a = servers[0]!;
      await a.stop();
      assert.equal(a.proc.exitCode, 0, "a graceful stop");
      await apis[0]!.close();
      apis[0] = apis[1]!; // Only b serves meanwhile.
      await makeKeys("handover", { day: 3, week: 3, none: 0 });
      await assertExactlyOnce("b alone");
      const back = await startCli({ name: "replica-a-again", db: dbUrl, dir, env });
      servers[0] = back;
      apis[0] = new Api(back.url, 16);
      await makeKeys("back", { day: 2, week: 2, none: 1 });
      await assertExactlyOnce("a back");
    });
  });
});
