/**
 * API keys: generate (roles by name and id, the key shown once, Idempotency-Key), get_api_keys
 * (every filter, paging, sort, counts), delete, revoke, get and edit one key, examples (run with
 * python3 against the server), validate. Route tests run in process; the examples and a smoke
 * pass run over HTTP.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { DAY, HOUR, assertError, inProcess, ok, rd, transports, type Caller } from "./support";

const GENERATE = "/public_api/v1/api_keys/generate";
const LIST = "/public_api/v1/api_keys/get_api_keys";
const DELETE = "/public_api/v1/api_keys/delete";
const REVOKE = "/public_api/v1/api_keys/revoke";
const EXAMPLES = "/public_api/v1/api_keys/examples";
const VALIDATE = "/public_api/v1/api_keys/validate";
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

const idIn = (...ids: number[]) => ({ filters: [{ field: "id", operator: "in", value: ids }] });

describe("api keys: generate", () => {
  let t: TestServer;
  let call: Caller;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    call = inProcess(t);
  });
  after(() => t.close());

  for (const c of [
    { name: "by display name", roles: ["Viewer"], expect: ["Viewer"] },
    {
      name: "by display name in another case",
      roles: ["security admin"],
      expect: ["Security Admin"],
    },
    { name: "by role id", roles: ["privileged_responder"], expect: ["Privileged Responder"] },
    {
      name: "mixing names and ids, deduplicated",
      roles: ["investigator", "Viewer", "Investigator"],
      expect: ["Investigator", "Viewer"],
    },
  ]) {
    it(`takes roles ${c.name}`, async () => {
      const res = ok(
        await call("POST", GENERATE, rd({ roles: c.roles, security_level: "standard" })),
      ).reply;
      const k = ok(await call("GET", `/platform/iam/v1/api-key/${res.id}`)).data;
      assert.deepEqual([...k.roles].sort(), c.expect);
    });
  }

  for (const level of ["standard", "advanced", "ADVANCED"]) {
    it(`mints a ${level} key of at least 64 alphanumeric characters, returned once`, async () => {
      const r = ok(
        await call(
          "POST",
          GENERATE,
          rd({ roles: ["Viewer"], security_level: level, comment: "ci" }),
        ),
      ).reply;
      assert.equal(typeof r.id, "number");
      assert.match(r.key, /^[A-Za-z0-9]{64,}$/);
      const listed = ok(await call("POST", LIST, rd(idIn(r.id)))).reply.DATA[0];
      assert.equal(listed.security_level, level.toLowerCase());
      assert.ok(!JSON.stringify(listed).includes(r.key), "list never shows the key");
      assert.ok(
        !JSON.stringify(ok(await call("GET", `/platform/iam/v1/api-key/${r.id}`))).includes(r.key),
        "get never shows the key",
      );
    });
  }

  it("mints different keys every time", async () => {
    const a = await t.createKey();
    const b = await t.createKey();
    assert.notEqual(a.key, b.key);
    assert.notEqual(a.id, b.id);
  });

  it("records created_by, creation_time and a null expiration by default", async () => {
    const r = ok(
      await call("POST", GENERATE, rd({ roles: ["Viewer"], security_level: "standard" })),
    ).reply;
    const k = ok(await call("GET", `/platform/iam/v1/api-key/${r.id}`)).data;
    assert.equal(k.created_by, `Public API - ${t.admin.id}`);
    assert.equal(k.creation_time, t.clock.now());
    assert.equal(k.expiration, null);
    assert.equal(k.status, "active");
  });

  it("refuses a past expiration with a 400 naming the field", async () => {
    const res = await call(
      "POST",
      GENERATE,
      rd({ roles: ["Viewer"], security_level: "standard", expiration: t.clock.now() - 1 }),
    );
    assertError(
      GENERATE,
      res,
      400,
      "PAST_EXPIRATION",
      "request_data.expiration",
      "not in the future",
    );
    const now = await call(
      "POST",
      GENERATE,
      rd({ roles: ["Viewer"], security_level: "standard", expiration: t.clock.now() }),
    );
    assertError(GENERATE, now, 400, "PAST_EXPIRATION");
  });

  describe("Idempotency-Key", () => {
    const body = rd({ roles: ["Viewer"], security_level: "standard", comment: "idem" });

    it("answers the same header and body within 24 h with the same reply", async () => {
      const h = { "idempotency-key": "deploy-42" };
      const first = await call("POST", GENERATE, body, { headers: h });
      const firstReply = ok(first).reply;
      t.fake!.advance(23 * HOUR);
      const again = await call("POST", GENERATE, body, { headers: h });
      assert.deepEqual(ok(again).reply, firstReply);
      assert.equal(again.headers["idempotent-replayed"], "true");
      const count = ok(
        await call(
          "POST",
          LIST,
          rd({ filters: [{ field: "comment", operator: "contains", value: "idem" }] }),
        ),
      ).reply.FILTER_COUNT;
      assert.equal(count, 1, "no second key was minted");
    });

    it("treats the same body spelled in another key order as the same request", async () => {
      const h = { "idempotency-key": "order-1" };
      const a = ok(
        await call(
          "POST",
          GENERATE,
          rd({ security_level: "standard", roles: ["Viewer"], comment: "order" }),
          { headers: h },
        ),
      ).reply;
      const b = ok(
        await call(
          "POST",
          GENERATE,
          rd({ comment: "order", roles: ["Viewer"], security_level: "standard" }),
          { headers: h },
        ),
      ).reply;
      assert.deepEqual(a, b);
    });

    it("refuses the same header with a different body: 409", async () => {
      const h = { "idempotency-key": "deploy-43" };
      ok(await call("POST", GENERATE, body, { headers: h }));
      const res = await call(
        "POST",
        GENERATE,
        rd({ roles: ["Viewer"], security_level: "advanced", comment: "idem" }),
        { headers: h },
      );
      assertError(GENERATE, res, 409, "IDEMPOTENCY_CONFLICT", "Idempotency-Key");
    });

    it("mints a new key when the first use is older than 24 h", async () => {
      const h = { "idempotency-key": "deploy-44" };
      const first = ok(await call("POST", GENERATE, body, { headers: h })).reply;
      t.fake!.advance(DAY + 1);
      const second = await call("POST", GENERATE, body, { headers: h });
      assert.notEqual(ok(second).reply.id, first.id);
      assert.equal(second.headers["idempotent-replayed"], undefined);
      // And the new one is what the header now answers.
      assert.deepEqual(
        ok(await call("POST", GENERATE, body, { headers: h })).reply,
        ok(second).reply,
      );
    });

    it("keeps each caller's Idempotency-Keys apart", async () => {
      const other = await t.createKey({ roles: ["Security Admin"] });
      const h = { "idempotency-key": "shared-name" };
      const mine = ok(await call("POST", GENERATE, body, { headers: h })).reply;
      const theirs = ok(await call("POST", GENERATE, body, { headers: h, as: other })).reply;
      assert.notEqual(mine.id, theirs.id);
    });

    it("answers concurrent twins with one key", async () => {
      const h = { "idempotency-key": "twins" };
      const [a, b] = await Promise.all([
        call("POST", GENERATE, body, { headers: h }),
        call("POST", GENERATE, body, { headers: h }),
      ]);
      assert.deepEqual(ok(a).reply, ok(b).reply);
    });

    it("refuses a malformed Idempotency-Key", async () => {
      const res = await call("POST", GENERATE, body, {
        headers: { "idempotency-key": "x".repeat(300) },
      });
      assertError(GENERATE, res, 400, "INVALID_INPUT", "Idempotency-Key");
    });
  });
});

describe("api keys: get_api_keys", () => {
  let t: TestServer;
  let call: Caller;
  const k: Record<string, Credential> = {};
  let t0: number;
  before(async () => {
    t = await startTestServer({ fakeClock: Date.UTC(2026, 2, 1) });
    call = inProcess(t);
    t0 = t.clock.now();
    await call(
      "POST",
      "/platform/iam/v1/role",
      rd({ pretty_name: "Zeta Role", components: { dashboards: "view" } }),
    );
    k.a = await t.createKey({
      roles: ["Viewer"],
      comment: "alpha build",
      expiration: t0 + 10 * DAY,
    });
    t.fake!.advance(1000);
    k.b = await t.createKey({
      roles: ["Investigator"],
      level: "advanced",
      comment: "Beta deploy",
      expiration: t0 + 20 * DAY,
    });
    t.fake!.advance(1000);
    k.c = await t.createKey({ roles: ["Viewer", "Investigator"], comment: "gamma 100%_done" });
    t.fake!.advance(1000);
    k.d = await t.createKey({
      roles: ["Zeta Role"],
      level: "advanced",
      comment: null as unknown as string,
      expiration: t0 + 5 * DAY,
    });
    t.fake!.advance(1000);
    k.e = await t.createKey({ roles: ["Viewer"], comment: "to revoke" });
    ok(await call("POST", REVOKE, rd(idIn(k.e.id))));
    const sec = await t.createKey({ roles: ["Security Admin"] });
    k.f = await t.createKey({
      roles: ["Viewer"],
      comment: "made by another key",
      as: sec,
      expiration: t0 + 6 * DAY,
    });
    k.sec = sec;
  });
  after(() => t.close());

  const ids = async (request_data: unknown) =>
    (ok(await call("POST", LIST, rd(request_data))).reply.DATA as Array<{ id: number }>).map(
      (x) => x.id,
    );
  const mine = (...names: string[]) => names.map((n) => k[n]!.id);

  const filterCases: Array<{
    name: string;
    filters: (c: { t0: number }) => unknown[];
    expect: string[];
  }> = [
    { name: "id in", filters: () => [{ field: "id", operator: "in", value: [] }], expect: [] },
    {
      name: "expiration gte",
      filters: ({ t0 }) => [{ field: "expiration", operator: "gte", value: t0 + 10 * DAY }],
      expect: ["a", "b", "c", "e", "sec"],
    },
    {
      name: "expiration lte",
      filters: ({ t0 }) => [{ field: "expiration", operator: "lte", value: t0 + 6 * DAY }],
      expect: ["d", "f"],
    },
    {
      name: "expiration between",
      filters: ({ t0 }) => [
        { field: "expiration", operator: "gte", value: t0 + 6 * DAY },
        { field: "expiration", operator: "lte", value: t0 + 10 * DAY },
      ],
      expect: ["a", "f"],
    },
    {
      name: "roles contains (display name)",
      filters: () => [{ field: "roles", operator: "contains", value: ["Investigator"] }],
      expect: ["b", "c"],
    },
    {
      name: "roles contains (role id, a single string)",
      filters: () => [{ field: "roles", operator: "contains", value: "zeta_role" }],
      expect: ["d"],
    },
    {
      name: "security_level",
      filters: () => [{ field: "security_level", operator: "in", value: ["advanced"] }],
      expect: ["b", "d"],
    },
    {
      name: "comment contains (case-insensitive)",
      filters: () => [{ field: "comment", operator: "contains", value: "BETA" }],
      expect: ["b"],
    },
    {
      name: "comment contains with LIKE wildcards taken literally",
      filters: () => [{ field: "comment", operator: "contains", value: "100%_" }],
      expect: ["c"],
    },
    {
      name: "comment contains '%' matches only a literal percent",
      filters: () => [{ field: "comment", operator: "contains", value: "%" }],
      expect: ["c"],
    },
    {
      name: "status revoked",
      filters: () => [{ field: "status", operator: "in", value: ["revoked"] }],
      expect: ["e"],
    },
  ];
  for (const c of filterCases) {
    it(`filters by ${c.name}`, async () => {
      const got = await ids({ filters: c.filters({ t0 }) });
      const want = c.expect.map((n) => k[n]!.id);
      // The bootstrap key (no expiration, Instance Administrator) shows up under some filters.
      assert.deepEqual(
        got.filter((i) => i !== t.admin.id),
        want.sort((x, y) => x - y),
        c.name,
      );
    });
  }

  it("filters by id in", async () => {
    assert.deepEqual(
      await ids({ filters: [{ field: "id", operator: "in", value: [k.c!.id, k.a!.id, 999] }] }),
      mine("a", "c"),
    );
  });

  it("filters by created_by", async () => {
    assert.deepEqual(
      await ids({
        filters: [{ field: "created_by", operator: "in", value: [`Public API - ${k.sec!.id}`] }],
      }),
      mine("f"),
    );
  });

  it("filters by status active and expired (derived from the clock)", async () => {
    const saved = t.clock.now();
    t.fake!.set(t0 + 7 * DAY);
    try {
      assert.deepEqual(
        await ids({ filters: [{ field: "status", operator: "eq", value: "expired" }] }),
        mine("d", "f"),
      );
      const active = await ids({
        filters: [{ field: "status", operator: "in", value: ["active"] }],
      });
      assert.deepEqual(active, [t.admin.id, ...mine("a", "b", "c", "sec")]);
      const listed = ok(await call("POST", LIST, rd(idIn(k.d!.id)))).reply.DATA[0];
      assert.equal(listed.status, "expired");
    } finally {
      t.fake!.set(saved);
    }
  });

  it("ANDs several filters", async () => {
    const got = await ids({
      filters: [
        { field: "roles", operator: "contains", value: ["Viewer"] },
        { field: "comment", operator: "contains", value: "a" },
        { field: "security_level", operator: "eq", value: "standard" },
      ],
    });
    assert.deepEqual(got, mine("a", "c", "f"));
  });

  it("answers DATA, FILTER_COUNT and TOTAL_COUNT, and pages with search_from/search_to", async () => {
    const all = ok(await call("POST", LIST, rd({}))).reply;
    assert.deepEqual(Object.keys(all).sort(), ["DATA", "FILTER_COUNT", "TOTAL_COUNT"]);
    assert.equal(all.TOTAL_COUNT, 8);
    assert.equal(all.FILTER_COUNT, 8);
    const page = ok(await call("POST", LIST, rd({ search_from: 2, search_to: 5 }))).reply;
    assert.equal(page.DATA.length, 3);
    assert.deepEqual(
      page.DATA.map((x: { id: number }) => x.id),
      all.DATA.slice(2, 5).map((x: { id: number }) => x.id),
    );
    assert.equal(page.FILTER_COUNT, 8);
    const filtered = ok(
      await call(
        "POST",
        LIST,
        rd({
          search_from: 0,
          search_to: 1,
          filters: [{ field: "security_level", operator: "in", value: ["advanced"] }],
        }),
      ),
    ).reply;
    assert.equal(filtered.DATA.length, 1);
    assert.equal(filtered.FILTER_COUNT, 2);
    assert.equal(filtered.TOTAL_COUNT, 8);
    const past = ok(await call("POST", LIST, rd({ search_from: 100 }))).reply;
    assert.equal(past.DATA.length, 0);
  });

  const sortCases: Array<{ field: string; keyword: string; key: (x: any) => unknown }> = [
    { field: "id", keyword: "desc", key: (x) => x.id },
    { field: "creation_time", keyword: "asc", key: (x) => x.creation_time },
    { field: "creation_time", keyword: "DESC", key: (x) => x.creation_time },
    { field: "expiration", keyword: "asc", key: (x) => x.expiration },
    { field: "expiration", keyword: "desc", key: (x) => x.expiration },
    { field: "comment", keyword: "asc", key: (x) => (x.comment ?? "").toLowerCase() },
    { field: "security_level", keyword: "desc", key: (x) => x.security_level },
  ];
  for (const s of sortCases) {
    it(`sorts by ${s.field} ${s.keyword}`, async () => {
      const data = ok(
        await call("POST", LIST, rd({ sort: { field: s.field, keyword: s.keyword } })),
      ).reply.DATA as any[];
      const desc = s.keyword.toLowerCase() === "desc";
      const vals = data.map(s.key);
      // Keys without a value (null expiration) sort last ascending and first descending.
      for (let i = 1; i < vals.length; i++) {
        const a = vals[i - 1];
        const b = vals[i];
        if (a === null || b === null) {
          assert.ok(
            desc ? a === null : b === null,
            `nulls out of place at ${i}: ${JSON.stringify(vals)}`,
          );
          continue;
        }
        assert.ok(
          desc ? (a as number) >= (b as number) : (a as number) <= (b as number),
          `${s.field} ${s.keyword} out of order at ${i}: ${JSON.stringify(vals)}`,
        );
      }
    });
  }

  it("sorts and pages together in the database (page 2 of a descending sort)", async () => {
    const all = ok(
      await call("POST", LIST, rd({ sort: { field: "id", keyword: "desc" } })),
    ).reply.DATA.map((x: any) => x.id);
    const page = ok(
      await call(
        "POST",
        LIST,
        rd({ sort: { field: "id", keyword: "desc" }, search_from: 3, search_to: 6 }),
      ),
    ).reply.DATA.map((x: any) => x.id);
    assert.deepEqual(page, all.slice(3, 6));
  });

  it("lists the reference's fields plus last_used and status, never a secret", async () => {
    const d = ok(await call("POST", LIST, rd(idIn(k.b!.id)))).reply.DATA[0];
    for (const f of [
      "id",
      "creation_time",
      "created_by",
      "user_name",
      "roles",
      "security_level",
      "comment",
      "expiration",
      "last_used",
      "status",
    ]) {
      assert.ok(f in d, `missing ${f}`);
    }
    const text = JSON.stringify(ok(await call("POST", LIST, rd({}))));
    for (const c of Object.values(k))
      assert.ok(!text.includes(c.key), "a key value appeared in a list reply");
    assert.ok(!/secret|hash|pepper|_enc/i.test(Object.keys(d).join(",")));
  });
});

describe("api keys: delete, revoke, get, edit", () => {
  let t: TestServer;
  let call: Caller;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    call = inProcess(t);
  });
  after(() => t.close());

  it("deletes by id and answers update_count with how many existed", async () => {
    const a = await t.createKey();
    const b = await t.createKey();
    const res = ok(await call("POST", DELETE, rd(idIn(a.id, b.id, 999_999, a.id)))).reply;
    assert.deepEqual(res, { update_count: 2 });
    assert.deepEqual(ok(await call("POST", DELETE, rd(idIn(a.id)))).reply, { update_count: 0 });
    assertError(
      "/platform/iam",
      await call("GET", `/platform/iam/v1/api-key/${a.id}`),
      404,
      "NOT_FOUND",
      `id=${a.id}`,
    );
    // Its role bindings went with it.
    const bindings = ok(
      await call(
        "GET",
        `/platform/iam/v1/role-binding?principal_type=api-key&principal_id=${a.id}`,
      ),
    ).data;
    assert.deepEqual(bindings, []);
  });

  it("revokes by id: the key stays listed as revoked and a second revoke counts 0", async () => {
    const a = await t.createKey();
    assert.deepEqual(ok(await call("POST", REVOKE, rd(idIn(a.id)))).reply, { update_count: 1 });
    assert.deepEqual(ok(await call("POST", REVOKE, rd(idIn(a.id)))).reply, { update_count: 0 });
    assert.equal(ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data.status, "revoked");
    assert.equal((await call("POST", VALIDATE, rd(), { as: a })).status, 401);
  });

  it("gets one key in the platform envelope with role display names", async () => {
    const a = await t.createKey({
      roles: ["investigator"],
      comment: "one",
      expiration: t.clock.now() + DAY,
    });
    const d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.equal(d.id, a.id);
    assert.deepEqual(d.roles, ["Investigator"]);
    assert.equal(d.comment, "one");
    assert.equal(d.expiration, t.clock.now() + DAY);
    assert.equal(d.security_level, "standard");
  });

  it("answers 404 in the platform envelope for a missing key and 400 for a bad id", async () => {
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/api-key/424242"),
      404,
      "NOT_FOUND",
      "api_key_id does not exist",
    );
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/api-key/abc"),
      400,
      "INVALID_INPUT",
      "api_key_id",
    );
    assertError(
      "/platform/iam",
      await call("PUT", "/platform/iam/v1/api-key/424242", rd({ comment: "x" })),
      404,
      "NOT_FOUND",
    );
  });

  it("edits roles, comment and expiration with PUT", async () => {
    const a = await t.createKey({ roles: ["Viewer"], comment: "before" });
    const exp = t.clock.now() + 3 * DAY;
    const res = ok(
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${a.id}`,
        rd({
          roles: ["investigator", "Privileged Responder"],
          comment: "after",
          expiration: exp,
          security_level: "standard",
        }),
      ),
    );
    assert.deepEqual(res, { data: { message: "API key updated successfully" } });
    const d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.deepEqual(d.roles, ["Investigator", "Privileged Responder"]);
    assert.equal(d.comment, "after");
    assert.equal(d.expiration, exp);
    // The new roles are effective at once.
    const v = ok(
      await call(
        "POST",
        "/public_api/v1/auth/verify",
        rd({
          headers: { "x-xdr-auth-id": String(a.id), authorization: a.key },
          permission: { component: "response", level: "view_edit" },
        }),
      ),
    );
    assert.equal(v.reply.valid, true);
  });

  it("clears a comment and an expiration with null, and leaves what is not sent", async () => {
    const a = await t.createKey({
      roles: ["Viewer"],
      comment: "c",
      expiration: t.clock.now() + DAY,
    });
    ok(await call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ comment: null })));
    let d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.equal(d.comment, null);
    assert.equal(d.expiration, t.clock.now() + DAY);
    ok(await call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ expiration: null })));
    d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.equal(d.expiration, null);
    assert.deepEqual(d.roles, ["Viewer"]);
  });

  it("cannot change security_level", async () => {
    const a = await t.createKey({ level: "standard" });
    const res = await call(
      "PUT",
      `/platform/iam/v1/api-key/${a.id}`,
      rd({ roles: ["Viewer"], security_level: "advanced" }),
    );
    assertError(
      "/platform/iam",
      res,
      400,
      "INVALID_INPUT",
      "request_data.security_level",
      "cannot change",
    );
    assert.equal(
      ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data.security_level,
      "standard",
    );
  });

  it("refuses a past expiration on edit", async () => {
    const a = await t.createKey();
    assertError(
      "/platform/iam",
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${a.id}`,
        rd({ expiration: t.clock.now() - 1000 }),
      ),
      400,
      "PAST_EXPIRATION",
      "request_data.expiration",
    );
  });

  it("extends an expired key's life by editing its expiration", async () => {
    const a = await t.createKey({ expiration: t.clock.now() + HOUR });
    t.fake!.advance(HOUR);
    assert.equal((await call("POST", VALIDATE, rd(), { as: a })).status, 401);
    ok(
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${a.id}`,
        rd({ expiration: t.clock.now() + DAY }),
      ),
    );
    assert.equal((await call("POST", VALIDATE, rd(), { as: a })).status, 200);
  });

  it("refuses to edit a revoked key (409)", async () => {
    const a = await t.createKey();
    ok(await call("POST", REVOKE, rd(idIn(a.id))));
    assertError(
      "/platform/iam",
      await call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ comment: "x" })),
      409,
      "CONFLICT",
      "revoked",
    );
  });

  it("validate answers true for a working key of either level", async () => {
    for (const level of ["standard", "advanced"] as const) {
      const a = await t.createKey({ level });
      const res = await call("POST", VALIDATE, rd(), { as: a });
      assert.equal(res.text, '"true"');
      assert.equal(
        (await call("POST", `${VALIDATE}/`, undefined, { as: a })).text,
        '"true"',
        "trailing slash, no body (the Go SDK's form)",
      );
    }
  });
});

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
