/**
 * Scopes: named scope definitions (CRUD) and the entity scopes of users, user groups and API
 * keys in the reference's shapes (write names and ids, read objects), modes validated per area,
 * and entities pointing at a definition.
 */
import * as assert from "node:assert/strict";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { assertError, inProcess, ok, rd, type Caller } from "./support";

/** The reference's PUT example (cortex-api.md §5.3). */
const REFERENCE_WRITE = {
  endpoints: {
    endpoint_groups: { names: ["test-eg-1"], mode: "scope" },
    endpoint_tags: { names: [], mode: "any" },
  },
  cases_issues: {
    mode: "scope",
    include_cases_issues_empty_entities: true,
    names: ["Health", "IT"],
  },
  assets: { mode: "scope", asset_group_ids: [1, 2, 3] },
  datasets_rows: {
    filters: [{ dataset: "d1", filter: "_collector_name = x" }],
    default_filter_mode: "no_scope",
  },
};

/** What GET answers for it: objects instead of names and ids. */
const REFERENCE_READ = {
  assets: {
    mode: "scope",
    asset_groups: [1, 2, 3].map((id) => ({ asset_group_id: id, asset_group_name: null })),
  },
  cases_issues: {
    mode: "scope",
    tags: [
      { tag_id: "DOM:Health", tag_name: "Health" },
      { tag_id: "DOM:IT", tag_name: "IT" },
    ],
    include_cases_issues_empty_entities: true,
  },
  endpoints: {
    endpoint_groups: { mode: "scope", tags: [{ tag_id: "EG:test-eg-1", tag_name: "test-eg-1" }] },
    endpoint_tags: { mode: "any", tags: [] },
  },
  datasets_rows: {
    default_filter_mode: "no_scope",
    filters: [{ dataset: "d1", filter: "_collector_name = x" }],
  },
};

const NO_SCOPE_READ = {
  assets: { mode: "no_scope", asset_groups: [] },
  cases_issues: { mode: "no_scope", tags: [], include_cases_issues_empty_entities: false },
  endpoints: {
    endpoint_groups: { mode: "no_scope", tags: [] },
    endpoint_tags: { mode: "no_scope", tags: [] },
  },
  datasets_rows: { default_filter_mode: "no_scope", filters: [] },
};

const areasOf = (d: Record<string, unknown>) => ({
  assets: d.assets,
  cases_issues: d.cases_issues,
  endpoints: d.endpoints,
  datasets_rows: d.datasets_rows,
});

describe("scopes", () => {
  let t: TestServer;
  let call: Caller;
  let key: Credential;
  let groupId: string;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    call = inProcess(t);
    key = await t.createKey();
    ok(await call("POST", "/platform/iam/v1/user", rd({ user_email: "sue@example.com" })), 201);
    groupId = ok(
      await call("POST", "/platform/iam/v1/user-group", rd({ group_name: "Scoped" })),
      201,
    ).data.group_id;
  });
  after(() => t.close());

  describe("named scope definitions", () => {
    let id: string;

    it("creates one (201) and reads it back canonical, in the read shape", async () => {
      const res = ok(
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({ name: "EMEA", description: "Europe", areas: REFERENCE_WRITE }),
        ),
        201,
      );
      id = res.data.scope_id;
      assert.match(id, /^scope-/);
      assert.equal(res.data.message, `scope definition ${id} created successfully`);
      const d = ok(await call("GET", `/platform/iam/v1/scope-definition/${id}`)).data;
      assert.equal(d.name, "EMEA");
      assert.equal(d.description, "Europe");
      assert.deepEqual(d.areas, REFERENCE_READ);
      assert.equal(d.created_ts, t.clock.now());
      assert.equal(d.updated_ts, null);
    });

    it("fills areas left out with no_scope, and sorts and deduplicates lists", async () => {
      const res = ok(
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({
            name: "Partial",
            areas: { cases_issues: { mode: "scope", names: ["b", "a", "b "] } },
          }),
        ),
        201,
      );
      const d = ok(
        await call("GET", `/platform/iam/v1/scope-definition/${res.data.scope_id}`),
      ).data;
      assert.deepEqual(d.areas, {
        ...NO_SCOPE_READ,
        cases_issues: {
          mode: "scope",
          tags: [
            { tag_id: "DOM:a", tag_name: "a" },
            { tag_id: "DOM:b", tag_name: "b" },
          ],
          include_cases_issues_empty_entities: false,
        },
      });
    });

    it("finds a definition by id or by name in any case", async () => {
      assert.equal(
        ok(await call("GET", "/platform/iam/v1/scope-definition/emea")).data.scope_id,
        id,
      );
    });

    it("refuses a name in use (409)", async () => {
      assertError(
        "/platform/iam",
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({ name: "Emea", areas: { assets: { mode: "see_all" } } }),
        ),
        409,
        "CONFLICT",
      );
      assertError(
        "/platform/iam",
        await call("PUT", `/platform/iam/v1/scope-definition/${id}`, rd({ name: "partial" })),
        409,
        "CONFLICT",
      );
    });

    it("lists definitions with a total and paging", async () => {
      const all = ok(await call("GET", "/platform/iam/v1/scope-definition"));
      assert.deepEqual(
        all.data.map((d: { name: string }) => d.name),
        ["EMEA", "Partial"],
      );
      assert.equal(all.metadata.total_count, 2);
      const page = ok(
        await call("GET", "/platform/iam/v1/scope-definition?search_from=1&search_to=2"),
      );
      assert.deepEqual(
        page.data.map((d: { name: string }) => d.name),
        ["Partial"],
      );
    });

    it("updates name, description and areas, and every entity pointing at it follows", async () => {
      ok(
        await call(
          "PUT",
          `/platform/iam/v1/scope/api-key/${key.id}`,
          rd({ scope_definition_id: id }),
        ),
      );
      t.fake!.advance(1000);
      const d = ok(
        await call(
          "PUT",
          `/platform/iam/v1/scope-definition/${id}`,
          rd({ name: "EMEA-2", description: null, areas: { assets: { mode: "see_all" } } }),
        ),
      ).data;
      assert.equal(d.name, "EMEA-2");
      assert.equal(d.description, null);
      assert.equal(d.updated_ts, t.clock.now());
      const s = ok(await call("GET", `/platform/iam/v1/scope/api-key/${key.id}`)).data;
      assert.equal(s.scope_definition_id, id);
      assert.equal(s.scope_definition_name, "EMEA-2");
      assert.deepEqual(areasOf(s), {
        ...NO_SCOPE_READ,
        assets: { mode: "see_all", asset_groups: [] },
      });
    });

    it("refuses to delete a definition in use (409 IN_USE, naming the users), then deletes it", async () => {
      assertError(
        "/platform/iam",
        await call("DELETE", `/platform/iam/v1/scope-definition/${id}`),
        409,
        "IN_USE",
        `api-key ${key.id}`,
      );
      ok(await call("PUT", `/platform/iam/v1/scope/api-key/${key.id}`, rd({ clear: true })));
      ok(await call("DELETE", `/platform/iam/v1/scope-definition/${id}`));
      assertError(
        "/platform/iam",
        await call("GET", `/platform/iam/v1/scope-definition/${id}`),
        404,
        "NOT_FOUND",
      );
      assertError(
        "/platform/iam",
        await call("DELETE", `/platform/iam/v1/scope-definition/${id}`),
        404,
        "NOT_FOUND",
      );
      assertError(
        "/platform/iam",
        await call("PUT", `/platform/iam/v1/scope-definition/${id}`, rd({ name: "x" })),
        404,
        "NOT_FOUND",
      );
    });
  });

  describe("entity scopes", () => {
    const entities = () => [
      { type: "user", id: "sue@example.com", shown: "user sue@example.com" },
      { type: "user-group", id: groupId, shown: `user-group ${groupId}` },
      { type: "api-key", id: String(key.id), shown: `api-key ${key.id}` },
    ];

    it("reads no scope at all as every area no_scope, with has_scope false", async () => {
      for (const e of entities()) {
        const s = ok(
          await call("GET", `/platform/iam/v1/scope/${e.type}/${encodeURIComponent(e.id)}`),
        ).data;
        assert.deepEqual(areasOf(s), NO_SCOPE_READ, e.type);
        assert.equal(s.has_scope, false);
        assert.equal(s.scope_definition_id, null);
      }
    });

    it("writes the reference's PUT example (names and ids) and reads back the reference's objects, for users, groups and keys", async () => {
      for (const e of entities()) {
        const path = `/platform/iam/v1/scope/${e.type}/${encodeURIComponent(e.id)}`;
        assert.deepEqual(ok(await call("PUT", path, rd(REFERENCE_WRITE))), {
          data: { message: `Scope updated for ${e.shown} successfully` },
        });
        const s = ok(await call("GET", path)).data;
        assert.deepEqual(areasOf(s), REFERENCE_READ, e.type);
        assert.equal(s.has_scope, true);
        assert.equal(s.scope_definition_id, null);
      }
    });

    it("accepts `any` for endpoint groups and endpoint tags, and no other area", async () => {
      const path = `/platform/iam/v1/scope/api-key/${key.id}`;
      ok(
        await call(
          "PUT",
          path,
          rd({ endpoints: { endpoint_groups: { mode: "any" }, endpoint_tags: { mode: "any" } } }),
        ),
      );
      const s = ok(await call("GET", path)).data;
      assert.equal(s.endpoints.endpoint_groups.mode, "any");
      assert.equal(s.endpoints.endpoint_tags.mode, "any");
      assert.equal(s.assets.mode, "no_scope", "an area left out of a PUT is no_scope");
      for (const bad of [
        { assets: { mode: "any" } },
        { cases_issues: { mode: "any" } },
        { datasets_rows: { default_filter_mode: "any" } },
      ]) {
        assertError(
          path,
          await call("PUT", path, rd(bad)),
          400,
          "INVALID_INPUT",
          "is not valid for",
        );
      }
    });

    it("points an entity at a named definition, and refuses an unknown one", async () => {
      const def = ok(
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({ name: "Assets 7", areas: { assets: { mode: "scope", asset_group_ids: [7] } } }),
        ),
        201,
      ).data.scope_id;
      const path = `/platform/iam/v1/scope/user-group/${groupId}`;
      ok(await call("PUT", path, rd({ scope_definition_id: "assets 7" })));
      const s = ok(await call("GET", path)).data;
      assert.equal(s.scope_definition_id, def);
      assert.equal(s.scope_definition_name, "Assets 7");
      assert.deepEqual(s.assets, {
        mode: "scope",
        asset_groups: [{ asset_group_id: 7, asset_group_name: null }],
      });
      assertError(
        path,
        await call("PUT", path, rd({ scope_definition_id: "nope" })),
        400,
        "UNKNOWN_SCOPE",
        "does not exist",
      );
      // Inline areas replace the pointer.
      ok(await call("PUT", path, rd({ assets: { mode: "see_all" } })));
      assert.equal(ok(await call("GET", path)).data.scope_definition_id, null);
    });

    it("gives a key its scope at generate, inline or as a definition", async () => {
      const inline = await t.createKey({
        scope: { endpoints: { endpoint_groups: { mode: "scope", names: ["eg-1"] } } },
      });
      const s1 = ok(await call("GET", `/platform/iam/v1/scope/api-key/${inline.id}`)).data;
      assert.deepEqual(s1.endpoints.endpoint_groups, {
        mode: "scope",
        tags: [{ tag_id: "EG:eg-1", tag_name: "eg-1" }],
      });
      const byDef = await t.createKey({ scope: { scope_definition_id: "Assets 7" } });
      const k = ok(await call("GET", `/platform/iam/v1/api-key/${byDef.id}`)).data;
      assert.equal(k.has_scope, true);
      assert.match(k.scope_definition_id, /^scope-/);
    });

    it("clears a scope", async () => {
      const path = `/platform/iam/v1/scope/user/sue@example.com`;
      ok(await call("PUT", path, rd({ clear: true })));
      const s = ok(await call("GET", path)).data;
      assert.equal(s.has_scope, false);
      assertError(
        path,
        await call("PUT", path, rd({ clear: true, assets: { mode: "see_all" } })),
        400,
        "INVALID_INPUT",
        "request_data.clear",
      );
    });

    it("answers 404 for an entity that does not exist", async () => {
      for (const path of [
        "/platform/iam/v1/scope/user/ghost@example.com",
        "/platform/iam/v1/scope/user-group/grp-nope",
        "/platform/iam/v1/scope/api-key/424242",
        "/platform/iam/v1/scope/api-key/abc",
      ]) {
        assertError(path, await call("GET", path), 404, "NOT_FOUND");
        assertError(
          path,
          await call("PUT", path, rd({ assets: { mode: "see_all" } })),
          404,
          "NOT_FOUND",
        );
      }
    });

    it("finds a user's scope by email in any case", async () => {
      ok(
        await call(
          "PUT",
          "/platform/iam/v1/scope/user/SUE@example.com",
          rd({ assets: { mode: "see_all" } }),
        ),
      );
      assert.equal(
        ok(await call("GET", "/platform/iam/v1/scope/user/sue@EXAMPLE.com")).data.assets.mode,
        "see_all",
      );
    });
  });
});
