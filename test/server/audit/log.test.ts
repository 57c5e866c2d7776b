/**
 * The management audit log: every management action (and every refused authentication and
 * permission check) is recorded with actor, target and result; `audits/management_logs` filters
 * (email, type, sub_type, result `in`; timestamp `gte`/`lte`), pages, sorts and answers with the
 * reference's AUDIT_* field names.
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../../sdk/contract";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import { assertError, auditEntries, inProcess, ok, raw, rd, type Caller } from "../support";
import { managementActions } from "./actions";

const LOGS = "/public_api/v1/audits/management_logs";
const T0 = Date.UTC(2026, 3, 1);

/** POST routes that only read (or check a key): they change nothing, so there is nothing to record. */
const READ_ONLY_POSTS = new Set([
  "apiKeys.list",
  "apiKeys.examples",
  "apiKeys.validate",
  "apiKeys.validateBarePost",
  "auth.verify",
  "rbac.getRoles",
  "rbac.getUsers",
  "rbac.getUserGroup",
  "audit.managementLogs",
]);

const AUDIT_FIELDS = [
  "AUDIT_ID",
  "AUDIT_OWNER_NAME",
  "AUDIT_OWNER_EMAIL",
  "AUDIT_ASSET_JSON",
  "AUDIT_ASSET_NAMES",
  "AUDIT_HOSTNAME",
  "AUDIT_RESULT",
  "AUDIT_REASON",
  "AUDIT_DESCRIPTION",
  "AUDIT_ENTITY",
  "AUDIT_ENTITY_SUBTYPE",
  "AUDIT_SESSION_ID",
  "AUDIT_CASE_ID",
  "AUDIT_INSERT_TIME",
  "AUDIT_SEVERITY",
  "AUDIT_LINK",
  "AUDIT_SOURCE_IP",
  "AUDIT_USER_AGENT",
  "AUDIT_USER_ROLES",
  "AUDIT_ADDITIONAL_INFORMATION",
  "AUDIT_OBJECT_ID",
];

describe("management audit log", () => {
  let t: TestServer;
  let call: Caller;
  let other: Credential;

  before(async () => {
    t = await startTestServer({ fakeClock: T0 });
    call = inProcess(t);
  });
  after(() => t.close());

  const actions = managementActions(() => t);

  it("has a row for every route that changes something", () => {
    const covered = new Set(actions.map((a) => a.route.split(" ")[0]));
    const changing = (ROUTES as readonly RouteDef[])
      .filter((r) => r.method !== "GET" && !READ_ONLY_POSTS.has(r.id))
      .map((r) => r.id);
    assert.deepEqual(
      changing.filter((id) => !covered.has(id)),
      [],
    );
  });

  describe("records every management action, once, with actor, target and result", () => {
    for (const a of actions) {
      it(`${a.route} → ${a.entity}/${a.subtype}`, async () => {
        t.fake!.advance(60_000);
        const since = t.clock.now();
        const res = (await a.run()) as { status?: number } | undefined;
        if (res && typeof res === "object" && "status" in res)
          assert.ok(res.status! < 300, JSON.stringify(res));
        const entries = await auditEntries(call, [
          { field: "type", operator: "in", value: [a.entity] },
          { field: "sub_type", operator: "in", value: [a.subtype] },
          { field: "timestamp", operator: "gte", value: since },
        ]);
        assert.equal(entries.length, 1, JSON.stringify(entries));
        const e = entries[0];
        assert.equal(e.AUDIT_RESULT, "SUCCESS");
        assert.equal(e.AUDIT_OWNER_NAME, `Public API - ${t.admin.id}`);
        assert.deepEqual(e.AUDIT_USER_ROLES, ["Instance Administrator"]);
        assert.equal(e.AUDIT_OBJECT_ID, a.objectId());
        assert.ok(e.AUDIT_DESCRIPTION.length > 0);
        assert.ok(e.AUDIT_INSERT_TIME >= since);
        assert.ok(e.AUDIT_SOURCE_IP);
        assert.equal(typeof e.AUDIT_ADDITIONAL_INFORMATION.request_id, "string");
      });
    }
  });

  describe("records refusals with result FAIL", () => {
    it("a refused authentication: the claimed key id and the reason, never the key", async () => {
      t.fake!.advance(60_000);
      const since = t.clock.now();
      const wrong = "kp" + "A".repeat(126);
      assert.equal(
        (
          await call("POST", "/public_api/v1/api_keys/validate", rd(), {
            as: null,
            headers: raw({ id: 4242, key: wrong }),
          })
        ).status,
        401,
      );
      const [e] = await auditEntries(call, [
        { field: "result", operator: "in", value: ["FAIL"] },
        { field: "type", operator: "in", value: ["AUTH"] },
        { field: "timestamp", operator: "gte", value: since },
      ]);
      assert.equal(e.AUDIT_OBJECT_ID, "4242");
      assert.equal(e.AUDIT_REASON, "NOT_FOUND");
      assert.equal(e.AUDIT_SEVERITY, "SEV_030_MEDIUM");
      assert.ok(!JSON.stringify(e).includes(wrong));
    });

    it("a refused permission check: who, which route", async () => {
      other = await t.createKey({ roles: ["Viewer"] });
      t.fake!.advance(60_000);
      const since = t.clock.now();
      assertError(LOGS, await call("POST", LOGS, rd({}), { as: other }), 403, "FORBIDDEN");
      const [e] = await auditEntries(call, [
        { field: "result", operator: "in", value: ["FAIL"] },
        { field: "timestamp", operator: "gte", value: since },
      ]);
      assert.equal(e.AUDIT_ENTITY, "PERMISSIONS");
      assert.equal(e.AUDIT_OWNER_NAME, `Public API - ${other.id}`);
      assert.deepEqual(e.AUDIT_USER_ROLES, ["Viewer"]);
      assert.equal(e.AUDIT_ADDITIONAL_INFORMATION.route, "audit.managementLogs");
    });

    it("does not record a refused change as a success", async () => {
      t.fake!.advance(60_000);
      const since = t.clock.now();
      assertError(
        "/platform/iam",
        await call("DELETE", "/platform/iam/v1/role/viewer"),
        403,
        "READ_ONLY",
      );
      assert.deepEqual(
        await auditEntries(call, [
          { field: "result", operator: "in", value: ["SUCCESS"] },
          { field: "timestamp", operator: "gte", value: since },
        ]),
        [],
      );
    });
  });

  describe("management_logs", () => {
    it("answers total_count, result_count and data with every AUDIT_* field", async () => {
      const res = ok(await call("POST", LOGS, rd({}))).reply;
      assert.deepEqual(Object.keys(res).sort(), ["data", "result_count", "total_count"]);
      assert.equal(res.result_count, res.data.length);
      assert.ok(res.total_count >= actions.length);
      for (const e of res.data) assert.deepEqual(Object.keys(e).sort(), [...AUDIT_FIELDS].sort());
    });

    const filterCases: Array<{
      name: string;
      filters: () => unknown[];
      check: (e: any) => boolean;
      atLeast: number;
    }> = [
      {
        name: "type in",
        filters: () => [{ field: "type", operator: "in", value: ["ROLE", "USER_GROUP"] }],
        check: (e) => ["ROLE", "USER_GROUP"].includes(e.AUDIT_ENTITY),
        atLeast: 6,
      },
      {
        name: "sub_type in",
        filters: () => [{ field: "sub_type", operator: "in", value: ["delete"] }],
        check: (e) => e.AUDIT_ENTITY_SUBTYPE === "delete",
        atLeast: 6,
      },
      {
        name: "result in",
        filters: () => [{ field: "result", operator: "in", value: ["FAIL"] }],
        check: (e) => e.AUDIT_RESULT === "FAIL",
        atLeast: 2,
      },
      {
        name: "email in (a key's display name stands in for its email)",
        filters: () => [{ field: "email", operator: "in", value: [`Public API - ${other.id}`] }],
        check: (e) => e.AUDIT_OWNER_NAME === `Public API - ${other.id}`,
        atLeast: 1,
      },
      {
        name: "type in (a single string)",
        filters: () => [{ field: "type", operator: "in", value: "SCOPE" }],
        check: (e) => e.AUDIT_ENTITY === "SCOPE",
        atLeast: 5,
      },
      {
        name: "an empty list matches nothing",
        filters: () => [{ field: "type", operator: "in", value: [] }],
        check: () => false,
        atLeast: 0,
      },
    ];
    for (const c of filterCases) {
      it(`filters by ${c.name}`, async () => {
        const res = ok(await call("POST", LOGS, rd({ filters: c.filters() }))).reply;
        assert.ok(res.data.length >= c.atLeast, `${res.data.length} < ${c.atLeast}`);
        assert.equal(res.total_count, res.data.length);
        for (const e of res.data) assert.ok(c.check(e), JSON.stringify(e));
      });
    }

    it("filters by timestamp gte and lte together", async () => {
      const all = ok(await call("POST", LOGS, rd({ sort: { field: "timestamp", keyword: "asc" } })))
        .reply.data;
      const from = all[3].AUDIT_INSERT_TIME;
      const to = all[8].AUDIT_INSERT_TIME;
      const res = ok(
        await call(
          "POST",
          LOGS,
          rd({
            filters: [
              { field: "timestamp", operator: "gte", value: from },
              { field: "timestamp", operator: "lte", value: to },
            ],
          }),
        ),
      ).reply;
      assert.ok(res.data.length > 0);
      for (const e of res.data) assert.ok(e.AUDIT_INSERT_TIME >= from && e.AUDIT_INSERT_TIME <= to);
      assert.equal(
        res.total_count,
        all.filter((e: any) => e.AUDIT_INSERT_TIME >= from && e.AUDIT_INSERT_TIME <= to).length,
      );
    });

    it("sorts newest first by default, and by timestamp, type or result either way", async () => {
      const dflt = ok(await call("POST", LOGS, rd({}))).reply.data.map(
        (e: any) => e.AUDIT_INSERT_TIME,
      );
      assert.deepEqual(
        dflt,
        [...dflt].sort((a, b) => b - a),
      );
      for (const [field, key] of [
        ["timestamp", "AUDIT_INSERT_TIME"],
        ["type", "AUDIT_ENTITY"],
        ["result", "AUDIT_RESULT"],
        ["sub-type", "AUDIT_ENTITY_SUBTYPE"],
      ] as const) {
        for (const keyword of ["asc", "desc"]) {
          const vals = ok(
            await call("POST", LOGS, rd({ sort: { field, keyword } })),
          ).reply.data.map((e: any) => e[key]);
          const sorted = [...vals].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          assert.deepEqual(
            vals,
            keyword === "asc" ? sorted : sorted.reverse(),
            `${field} ${keyword}`,
          );
        }
      }
    });

    it("pages with search_from and search_to, at most 100 per page", async () => {
      const all = ok(
        await call("POST", LOGS, rd({ sort: { field: "timestamp", keyword: "asc" } })),
      ).reply;
      const page = ok(
        await call(
          "POST",
          LOGS,
          rd({ sort: { field: "timestamp", keyword: "asc" }, search_from: 2, search_to: 5 }),
        ),
      ).reply;
      assert.equal(page.result_count, 3);
      assert.equal(page.total_count, all.total_count);
      assert.deepEqual(
        page.data.map((e: any) => e.AUDIT_ID),
        all.data.slice(2, 5).map((e: any) => e.AUDIT_ID),
      );
      // Fill the log past a page and ask for more than 100.
      for (let i = 0; i < 100; i++)
        await call("GET", "/platform/iam/v1/settings", undefined, { as: other });
      const big = ok(await call("POST", LOGS, rd({ search_from: 0, search_to: 500 }))).reply;
      assert.equal(big.result_count, 100);
      assert.ok(big.total_count > 100);
    });
  });
});
