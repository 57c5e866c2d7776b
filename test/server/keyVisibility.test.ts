/**
 * Key lists narrowed by the caller's scope (server/authz/keyVisibility.ts), over HTTP on SQLite
 * and PostgreSQL: with SBAC on, a key that is not an administrator sees only the keys whose scope
 * lies within its own (inline or through a definition), the keys without a scope, and itself.
 * Paging and both counts are of those keys only; filters combine with the narrowing; the key by
 * id, its examples, its scope and its expiration notices answer as for a key that does not exist.
 * With SBAC off, and for an administrator, nothing is narrowed.
 */
import * as assert from "node:assert/strict";
import { DB_KINDS, startTestServer, type Credential, type TestServer } from "../helpers/server";
import { DAY, customRole, ok, rd, type Caller } from "./support";

const LIST = "/public_api/v1/api_keys/get_api_keys";
const NOTICES = "/platform/notifications/v1/notifications";
const T0 = Date.UTC(2026, 6, 1, 9, 0, 0);
const eg = (mode: string, names?: string[]) => ({
  endpoints: { endpoint_groups: { mode, ...(names ? { names } : {}) } },
});
const MINE = eg("scope", ["eu-1", "eu-2"]);

for (const db of DB_KINDS) {
  describe(`key lists narrowed by the caller's scope (${db})`, () => {
    let t: TestServer;
    let call: Caller;
    /** Keys by name; `in*` lie within MINE, `out*` do not, `plain` and `team` have no scope. */
    const k: Record<string, Credential> = {};
    let narrowDefId: string;
    const ids = (...names: string[]) => names.map((n) => k[n]!.id).sort((a, b) => a - b);
    const list = async (as: Credential | undefined, body: Record<string, unknown> = {}) =>
      ok(await call("POST", LIST, rd(body), as ? { as } : {})).reply;
    const listIds = async (as: Credential | undefined, body: Record<string, unknown> = {}) =>
      (await list(as, { search_to: 100, ...body })).DATA.map((r: { id: number }) => r.id).sort(
        (a: number, b: number) => a - b,
      );
    const sbac = async (on: boolean) =>
      ok(await call("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: on })));

    before(async () => {
      t = await startTestServer({ db, fakeClock: T0 });
      call = t.call;
      await customRole(call, "Key Reader", {
        public_api: "view",
        notifications: "view_edit",
        access_management: "view",
      });
      narrowDefId = ok(
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({ name: "narrow", areas: eg("scope", ["eu-2"]) }),
        ),
        201,
      ).data.scope_id;
      ok(
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({ name: "wide", areas: eg("see_all") }),
        ),
        201,
      );
      const key = (scope: unknown, comment: string, expiration: number | null = null) =>
        t.createKey({ roles: ["Key Reader"], scope, comment, expiration });
      k.me = await key(MINE, "me");
      k.plain = await t.createKey({ roles: ["Key Reader"], comment: "plain" });
      k.in1 = await key(eg("scope", ["eu-1"]), "team", T0 + 3 * DAY);
      k.in2 = await key(MINE, "team");
      k.in3 = await key({ scope_definition_id: "narrow" }, "other");
      k.out1 = await key(eg("see_all"), "team", T0 + 3 * DAY);
      k.out2 = await key(eg("scope", ["eu-3"]), "team");
      k.out3 = await key({ scope_definition_id: "wide" }, "other");
      k.team = await t.createKey({ roles: ["Viewer"], comment: "team" });
      k.admin = t.admin;
      await sbac(true);
    });
    after(() => t.close());

    const VISIBLE = ["admin", "me", "plain", "in1", "in2", "in3", "team"];

    it("lists only the keys within the caller's scope, the unscoped ones and itself", async () => {
      assert.deepEqual(await listIds(k.me), ids(...VISIBLE));
      const r = await list(k.me, { search_to: 100 });
      assert.equal(r.TOTAL_COUNT, VISIBLE.length, "the total does not count hidden keys");
      assert.equal(r.FILTER_COUNT, VISIBLE.length);
    });

    it("pages in the database: every page is full and the counts are the visible keys'", async () => {
      const seen: number[] = [];
      for (let from = 0; from < 9; from += 3) {
        const r = await list(k.me, {
          search_from: from,
          search_to: from + 3,
          sort: { field: "id", keyword: "asc" },
        });
        assert.equal(r.DATA.length, Math.min(3, VISIBLE.length - from), `page from ${from}`);
        assert.equal(r.TOTAL_COUNT, VISIBLE.length, `total on the page from ${from}`);
        assert.equal(r.FILTER_COUNT, VISIBLE.length, `filter count on the page from ${from}`);
        seen.push(...r.DATA.map((x: { id: number }) => x.id));
      }
      assert.deepEqual(seen, ids(...VISIBLE));
    });

    it("combines filters with the narrowing, in both the page and the counts", async () => {
      const team = { filters: [{ field: "comment", operator: "contains", value: "team" }] };
      assert.deepEqual(await listIds(k.me, team), ids("in1", "in2", "team"));
      // A full first page makes the store count, with the count shape of both conditions.
      const r = await list(k.me, { ...team, search_to: 2 });
      assert.equal(r.DATA.length, 2);
      assert.equal(r.FILTER_COUNT, 3);
      assert.equal(r.TOTAL_COUNT, VISIBLE.length);
      const byId = { filters: [{ field: "id", operator: "in", value: ids("in1", "out1") }] };
      assert.deepEqual(await listIds(k.me, byId), ids("in1"));
      const expiring = {
        filters: [{ field: "expiration", operator: "lte", value: T0 + 7 * DAY }],
      };
      assert.deepEqual(await listIds(k.me, expiring), ids("in1"));
    });

    it("answers for an out-of-scope key by id as for a key that does not exist", async () => {
      const missing = await call("GET", "/platform/iam/v1/api-key/999999", undefined, {
        as: k.me,
      });
      assert.equal(missing.status, 404);
      const reads = (id: number) =>
        [
          ["GET", `/platform/iam/v1/api-key/${id}`, undefined],
          ["POST", "/public_api/v1/api_keys/examples", rd({ id })],
          ["GET", `/platform/iam/v1/scope/api-key/${id}`, undefined],
        ] as const;
      for (const name of ["out1", "out2", "out3"]) {
        for (const [method, path, body] of reads(k[name]!.id)) {
          const res = await call(method, path, body, { as: k.me });
          assert.equal(res.status, 404, `${method} ${path} as the scoped key: ${res.text}`);
          assert.equal(res.headers["x-keyplane-error"], missing.headers["x-keyplane-error"]);
          assert.ok(!res.text.includes("eu-3") && !res.text.includes("see_all"), res.text);
        }
      }
      for (const name of ["in1", "in3", "plain", "me"])
        for (const [method, path, body] of reads(k[name]!.id))
          ok(await call(method, path, body, { as: k.me }));
    });

    it("shows the expiration notices of visible keys only", async () => {
      await t.running.app.services.scheduler.tick();
      const notices = async (as?: Credential) =>
        ok(await call("GET", `${NOTICES}?search_to=100`, undefined, as ? { as } : {}));
      const all = await notices();
      assert.deepEqual(
        all.data.map((n: { key_id: number }) => n.key_id).sort(),
        ids("in1", "out1"),
      );
      const mine = await notices(k.me);
      assert.deepEqual(
        mine.data.map((n: { key_id: number }) => n.key_id),
        ids("in1"),
      );
      assert.equal(
        mine.metadata.total_count,
        1,
        "the count does not reveal the hidden key's notice",
      );
      const hidden = all.data.find((n: { key_id: number }) => n.key_id === k.out1!.id);
      const patch = await call("PATCH", `${NOTICES}/${hidden.id}`, rd({ read: true }), {
        as: k.me,
      });
      assert.equal(patch.status, 404, patch.text);
      assert.equal(
        (await notices()).data.find((n: { id: number }) => n.id === hidden.id).read,
        false,
        "the hidden notice was not changed",
      );
    });

    it("lets a caller without a scope see only the keys whose scope gives nothing more", async () => {
      assert.deepEqual(await listIds(k.plain), ids("admin", "plain", "team"));
      assert.equal((await list(k.plain)).TOTAL_COUNT, 3);
    });

    it("narrows nothing for an administrator", async () => {
      const all = Object.keys(k);
      assert.deepEqual(await listIds(undefined), ids(...all));
      assert.equal((await list(undefined)).TOTAL_COUNT, all.length);
    });

    it("follows scope changes at once: a new key, a definition widened", async () => {
      k.in4 = await t.createKey({ roles: ["Viewer"], scope: eg("scope", ["eu-2"]) });
      assert.ok((await listIds(k.me)).includes(k.in4.id), "a new key within the scope shows");
      ok(
        await call(
          "PUT",
          `/platform/iam/v1/scope-definition/${narrowDefId}`,
          rd({ areas: eg("see_all") }),
        ),
      );
      assert.ok(!(await listIds(k.me)).includes(k.in3!.id), "a key whose definition widened hides");
      assert.equal((await list(k.me)).TOTAL_COUNT, VISIBLE.length);
    });

    it("narrows nothing with SBAC off", async () => {
      await sbac(false);
      try {
        const all = Object.keys(k);
        assert.deepEqual(await listIds(k.me), ids(...all));
        assert.equal((await list(k.me)).TOTAL_COUNT, all.length);
        ok(await call("GET", `/platform/iam/v1/api-key/${k.out1!.id}`, undefined, { as: k.me }));
      } finally {
        await sbac(true);
      }
    });
  });
}
