/**
 * Unused keys: the `last_used` filter of get_api_keys, `keyplane keys list --unused-for`, and the
 * "API Key Unused" notice (tenant setting `unused_key_notice_days`, off by default), with the
 * fake clock; and the expiration notices telling the real time left.
 */
import * as assert from "node:assert/strict";
import { timeLeft } from "../../server/scheduler";
import { keyplaneCli } from "../helpers/run";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { credentialEnv } from "../helpers/stacks";
import { DAY, inProcess, ok, rd, type Caller } from "./support";

const T0 = Date.parse("2026-06-01T00:00:00Z");
const NOTICES = "/platform/notifications/v1/notifications";

describe("unused keys", () => {
  let t: TestServer;
  let call: Caller;
  let used: Credential;
  let idle: Credential;
  let fresh: Credential;
  const tick = () => t.running.app.services.scheduler.tick();
  const ids = async (filters: unknown[]) =>
    (
      ok(await call("POST", "/public_api/v1/api_keys/get_api_keys", rd({ filters }))).reply
        .DATA as Array<{ id: number }>
    ).map((k) => k.id);

  before(async () => {
    t = await startTestServer({ fakeClock: T0 });
    call = inProcess(t);
    used = await t.createKey({ comment: "used" });
    idle = await t.createKey({ comment: "idle" });
    t.fake!.set(T0 + 35 * DAY);
    fresh = await t.createKey({ comment: "fresh" });
    await t.running.store.touchLastUsed([[used.id, T0 + 34 * DAY]]);
    t.fake!.set(T0 + 40 * DAY);
  });
  after(() => t.close());

  it("filters keys unused since a time (never-used keys included), made before it, and used since it", async () => {
    const since = T0 + 10 * DAY;
    const unused = await ids([{ field: "last_used", operator: "lte", value: since }]);
    assert.ok(unused.includes(idle.id) && unused.includes(fresh.id), "never used");
    assert.ok(!unused.includes(used.id), "used on day 34");
    // What --unused-for asks: also made before then (made on day 35, fresh is not unused for 30 days).
    const idleFor30 = await ids([
      { field: "last_used", operator: "lte", value: since },
      { field: "creation_time", operator: "lte", value: since },
    ]);
    assert.ok(
      idleFor30.includes(idle.id) && !idleFor30.includes(fresh.id),
      JSON.stringify(idleFor30),
    );
    const recent = await ids([{ field: "last_used", operator: "gte", value: since }]);
    assert.ok(
      recent.includes(used.id) && !recent.includes(idle.id) && !recent.includes(fresh.id),
      JSON.stringify(recent),
    );
    const bad = await call(
      "POST",
      "/public_api/v1/api_keys/get_api_keys",
      rd({ filters: [{ field: "last_used", operator: "in", value: 1 }] }),
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /operator for `last_used` must be `gte` or `lte`/);
  });

  it("posts no API Key Unused notice while the setting is off (the default)", async () => {
    assert.equal(
      ok(await call("GET", "/platform/iam/v1/settings")).data.unused_key_notice_days,
      null,
    );
    assert.deepEqual(
      (await tick()).filter((n) => n.lead === "unused"),
      [],
    );
  });

  it("posts one API Key Unused notice per idle stretch, saying how long", async () => {
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ unused_key_notice_days: 30 })));
    const created = (await tick()).filter((n) => n.lead === "unused");
    const byKey = new Map(created.map((n) => [n.keyId, n]));
    assert.ok(
      byKey.has(idle.id) && !byKey.has(used.id) && !byKey.has(fresh.id),
      JSON.stringify(created.map((n) => n.keyId)),
    );
    assert.match(
      byKey.get(idle.id)!.message,
      new RegExp(
        `API key ${idle.id} has not been used for 40 days \\(never used since it was made at ${new Date(T0).toISOString()}\\)`,
      ),
    );
    assert.deepEqual(
      (await tick()).filter((n) => n.lead === "unused"),
      [],
      "once per stretch",
    );
    const listed = ok(await call("GET", `${NOTICES}?key_id=${idle.id}`)).data as Array<{
      type: string;
      title: string;
      lead: string;
    }>;
    assert.deepEqual(
      listed.map((n) => [n.type, n.title, n.lead]),
      [["API Key Unused", "API Key Unused", "unused"]],
    );
    // Used again, then idle for another 30 days: a new notice.
    await t.running.store.touchLastUsed([[idle.id, T0 + 41 * DAY]]);
    t.fake!.set(T0 + 72 * DAY);
    const again = (await tick()).filter((n) => n.lead === "unused" && n.keyId === idle.id);
    assert.equal(again.length, 1);
    assert.match(again[0]!.message, /has not been used for 31 days \(last used at /);
  });

  it("keyplane keys list --unused-for lists the idle keys", async () => {
    // The CLI's clock is the real one: a server whose clock starts 45 days ago makes two keys
    // then, and one of them is used "now"; a third is made now.
    const real = await startTestServer({ fakeClock: Date.now() - 45 * DAY });
    try {
      const old = await real.createKey({ comment: "old" });
      const now = await real.createKey({ comment: "used now" });
      real.fake!.set(Date.now());
      const unusedNew = await real.createKey({ comment: "never used, made now" });
      await real.running.store.touchLastUsed([[now.id, Date.now()]]);
      const r = await keyplaneCli(
        ["keys", "list", "--unused-for", "30d", "--json"],
        credentialEnv(real.url, real.admin),
      );
      assert.equal(r.code, 0, r.stderr);
      const listed = (JSON.parse(r.stdout) as Array<{ id: number }>).map((k) => k.id);
      assert.ok(
        listed.includes(old.id) && !listed.includes(now.id) && !listed.includes(unusedNew.id),
        JSON.stringify(listed),
      );
      const bad = await keyplaneCli(
        ["keys", "list", "--unused-for", "soon"],
        credentialEnv(real.url, real.admin),
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--unused-for: 'soon' is not a duration/);
    } finally {
      await real.close();
    }
  });

  it("says the time left in at most two units", () => {
    const rows: Array<[number, string]> = [
      [3 * DAY, "3 days"],
      [DAY, "1 day"],
      [7 * DAY - 60_000, "6 days 23 hours"],
      [5 * 3_600_000 + 10 * 60_000, "5 hours 10 minutes"],
      [2 * DAY + 5 * 60_000, "2 days"],
      [30_000, "less than a minute"],
    ];
    for (const [ms, text] of rows) assert.equal(timeLeft(ms), text, String(ms));
  });
});
