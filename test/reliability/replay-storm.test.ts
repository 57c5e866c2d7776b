/**
 * Replay storm: a signed Advanced `generate` (the request that mints keys, so an accepted replay
 * would be visible as a second key) is replayed 10,000 times from 64-128 keep-alive connections,
 * 128 in flight:
 *  - "original first": the original is accepted, then 10,000 replays (half with a changed body,
 *    which the signature does not cover) are all refused;
 *  - "all at once": 10,000 copies of a fresh request race each other from the start: exactly one
 *    is accepted.
 * Counted by status (2xx) and by the keys on the server afterwards. Refusals are 401 or 429,
 * never anything else.
 *
 * Three set-ups: `keyplane server` with its default failure limits (after 20-30 failures, plus
 * at most the requests already past the check, the limiter answers 429 before any nonce check,
 * and may keep 127.0.0.1 out for a minute, so only "original first" runs there and the keys are
 * counted in its database); and, so that every replay reaches the nonce
 * check, in-process servers with the limiter off, on SQLite and as two replicas on PostgreSQL
 * (requests alternating between them).
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Keyring } from "../../server/crypto/keyring";
import type { Credential, TestServer } from "../helpers/server";
import { registry } from "./registry";
import {
  Api,
  bounded,
  dbQuery,
  expectStatus,
  GENERATE,
  listAllKeys,
  mint,
  NO_RATE_LIMIT,
  relDir,
  reopenCli,
  retainedPostgres,
  signed,
  startCli,
  startHarness,
  type CliServer,
} from "./support";

const REPLAYS = 10_000;
const IN_FLIGHT = 128;

interface Target {
  apis: Api[];
  /** Comments of the keys on the server, read without the API (which may refuse 127.0.0.1 by then). */
  comments?: () => Promise<Array<string | null>>;
  admin: Credential;
}

async function storm(
  target: Target,
  signer: Credential,
  tag: string,
  withRace = true,
): Promise<void> {
  const pick = (i: number) => target.apis[i % target.apis.length]!;
  const body = (comment: string) => ({
    request_data: { roles: ["Viewer"], security_level: "standard", comment },
  });
  const tally = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {});

  // Original first, then the replays.
  const h = signed(signer);
  const original = expectStatus(
    await pick(0).call("POST", GENERATE, { body: body(`storm-${tag}-a`), headers: h }),
    200,
    "the original",
  );
  registry.minted(original.body.reply.id, original.body.reply.key, `storm ${tag} original`);
  const replays = await bounded(REPLAYS, IN_FLIGHT, async (i) => {
    const r = await pick(i + 1).call("POST", GENERATE, {
      body: body(i % 2 === 0 ? `storm-${tag}-a` : `storm-${tag}-a-changed-${i}`),
      headers: h,
    });
    if (r.status === 200)
      registry.minted(r.body.reply.id, r.body.reply.key, `storm ${tag} accepted replay ${i}`);
    return r.status;
  });
  const a = tally(replays as number[]);
  assert.equal(replays.length, REPLAYS);
  assert.deepEqual(
    Object.keys(a).filter((s) => s !== "401" && s !== "429"),
    [],
    `replays answered with something other than 401/429: ${JSON.stringify(a)}`,
  );

  if (!withRace) {
    const comments = target.comments
      ? await target.comments()
      : (await listAllKeys(target.apis[0]!, target.admin)).map((k) => k.comment);
    assert.deepEqual(
      comments.filter((c) => c?.startsWith(`storm-${tag}-`)),
      [`storm-${tag}-a`],
      "one key, whatever the replays",
    );
    // The limiter stops them after 20 failures of the key id, give or take the requests in flight.
    assert.ok(
      (a[401] ?? 0) <= 20 + IN_FLIGHT,
      `at most ${20 + IN_FLIGHT} replays reach the nonce check: ${JSON.stringify(a)}`,
    );
    console.log(`      ${tag}: original first → replays ${JSON.stringify(a)}`);
    return;
  }

  // All at once.
  const h2 = signed(signer);
  const race = await bounded(REPLAYS, IN_FLIGHT, async (i) => {
    const r = await pick(i).call("POST", GENERATE, { body: body(`storm-${tag}-b`), headers: h2 });
    if (r.status === 200)
      registry.minted(r.body.reply.id, r.body.reply.key, `storm ${tag} race ${i}`);
    return r.status;
  });
  const b = tally(race as number[]);
  assert.equal(
    b[200],
    1,
    `exactly one of ${REPLAYS} identical requests is accepted: ${JSON.stringify(b)}`,
  );
  assert.deepEqual(
    Object.keys(b).filter((s) => !["200", "401", "429"].includes(s)),
    [],
    JSON.stringify(b),
  );

  const keys = (await listAllKeys(target.apis[0]!, target.admin)).filter((k) =>
    k.comment?.startsWith(`storm-${tag}-`),
  );
  assert.deepEqual(
    keys.map((k) => k.comment).sort(),
    [`storm-${tag}-a`, `storm-${tag}-b`],
    "one key per request, whatever the replays",
  );
  console.log(
    `      ${tag}: original first → replays ${JSON.stringify(a)}; all at once → ${JSON.stringify(b)}`,
  );
}

describe("replay storm: 10,000 replays of a signed Advanced generate", function () {
  this.timeout(240_000);

  describe("keyplane server with its default failure limits (SQLite)", () => {
    const dir = relDir("storm-cli");
    let s: CliServer;
    let apis: Api[] = [];
    const db = `sqlite:${path.join(dir, "keyplane.db")}`;
    before(async () => {
      const o = { name: "storm-cli", db, dir };
      registry.retainDb({
        label: "storm (cli, sqlite)",
        kind: "sqlite",
        dbUrl: o.db,
        reopen: reopenCli(o),
      });
      s = await startCli(o);
      apis = [new Api(s.url, 64)];
    });
    after(async () => {
      for (const a of apis) await a.close();
      await s?.stop();
    });

    it("accepts the original only, and the server keeps serving", async () => {
      const signer = await mint(apis[0]!, s.admin, {
        level: "advanced",
        roles: ["Instance Administrator"],
        where: "storm cli signer",
      });
      // Original first only: after it the limiter blocks 127.0.0.1 for a minute, so a race
      // right after would be all 429s (the in-process set-ups below run the race).
      const comments = async () =>
        (await dbQuery<{ comment: string | null }>(db, "SELECT comment FROM api_keys")).map(
          (r) => r.comment,
        );
      await storm({ apis, admin: s.admin, comments }, signer, "cli", false);
      const h = await apis[0]!.call("GET", "/public_api/v1/healthcheck");
      assert.equal(h.status, 200);
    });
  });

  describe("in-process server, limiter off, SQLite", () => {
    let t: TestServer;
    let apis: Api[] = [];
    before(async () => {
      t = await startHarness("storm-sqlite", {
        dir: relDir("storm-sqlite"),
        options: { rateLimit: NO_RATE_LIMIT, validateReplies: true, schedulerMs: 0 },
      });
      apis = [new Api(t.url, 64)];
    });
    after(async () => {
      for (const a of apis) await a.close();
      await t?.close();
    });

    it("refuses every replay at the nonce check", async () => {
      const signer = await mint(apis[0]!, t.admin, {
        level: "advanced",
        roles: ["Instance Administrator"],
        where: "storm sqlite signer",
      });
      await storm({ apis, admin: t.admin }, signer, "sqlite");
      // Failed authentications are audited once per source, key id and reason per minute, the
      // rest counted in `repeated`: write the counts still pending, then add them up.
      await t.running.app.services.audit.flushFailures();
      const rows = await t.running.store.driver.all<{ additional: string }>(
        "SELECT additional FROM audit_log WHERE reason = 'REPLAYED'",
      );
      const replayed = rows.reduce(
        (n, r) => n + 1 + Number((JSON.parse(r.additional) as { repeated?: number }).repeated ?? 0),
        0,
      );
      assert.ok(
        replayed >= 2 * REPLAYS - 1,
        `every replay reached the nonce check and was audited as REPLAYED (${replayed})`,
      );
      assert.ok(rows.length < 100, `aggregated into few entries (${rows.length})`);
    });
  });

  describe("two in-process replicas on PostgreSQL, limiter off, requests alternating", () => {
    const servers: TestServer[] = [];
    let apis: Api[] = [];
    before(async () => {
      const dbUrl = await retainedPostgres("storm database");
      const keyring = Keyring.generate();
      const options = { rateLimit: NO_RATE_LIMIT, validateReplies: true, schedulerMs: 0 };
      servers.push(
        await startHarness("storm-pg-a", { dir: relDir("storm-pg"), dbUrl, keyring, options }),
      );
      servers.push(
        await startHarness("storm-pg-b", { dir: relDir("storm-pg"), dbUrl, keyring, options }),
      );
      servers[1]!.admin = servers[0]!.admin;
      apis = servers.map((x) => new Api(x.url, 64));
    });
    after(async () => {
      for (const a of apis) await a.close();
      for (const x of servers) await x.close();
    });

    it("refuses every replay on either replica", async () => {
      const signer = await mint(apis[1]!, servers[0]!.admin, {
        level: "advanced",
        roles: ["Instance Administrator"],
        where: "storm pg signer",
      });
      await storm({ apis, admin: servers[0]!.admin }, signer, "pg");
    });
  });
});
