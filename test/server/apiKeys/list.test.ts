/**
 * API keys: get_api_keys (every filter, paging, sort, counts).
 */
import * as assert from "node:assert/strict";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import { DAY, idIn, inProcess, LIST, ok, rd, REVOKE, type Caller } from "../support";

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
