/**
 * The scope ceiling (SBAC on): a scoped key may never give a key, a user or a scope definition a
 * scope wider than its own, and `scopeExceeds`, the comparison behind it, names the areas that
 * are wider. Each attempt is a 403 PRIVILEGE_ESCALATION, and nothing changes.
 */
import * as assert from "node:assert/strict";
import { canonicalScope, type CanonicalScope, type ScopeAreasWrite } from "../../../sdk/contract";
import { scopeExceeds } from "../../../server/authz/scope";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import { assertError, customRole, inProcess, ok, rd, type Caller } from "../support";

describe("scope ceiling (SBAC on)", () => {
  let t: TestServer;
  let admin: Caller;
  let scoped: Credential;
  let unscoped: Credential;
  let wideDefId: string;
  let narrowDefId: string;
  const email = "scoped-target@example.com";
  // The attacker's own scope: two endpoint groups, asset group 1, one dataset filtered, tags a and b.
  const mine = {
    endpoints: {
      endpoint_groups: { mode: "scope", names: ["eu-1", "eu-2"] },
      endpoint_tags: { mode: "any" },
    },
    assets: { mode: "scope", asset_group_ids: [1] },
    cases_issues: { mode: "scope", names: ["a", "b"] },
    datasets_rows: {
      default_filter_mode: "no_scope",
      filters: [{ dataset: "xdr_data", filter: "region = 'eu'" }],
    },
  };

  before(async () => {
    t = await startTestServer();
    admin = inProcess(t);
    await customRole(admin, "Access Manager", {
      public_api: "view_edit",
      access_management: "view_edit",
      dashboards: "view",
    });
    ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
    scoped = await t.createKey({ roles: ["Access Manager"], scope: mine });
    unscoped = await t.createKey({ roles: ["Access Manager"] });
    ok(await admin("POST", "/platform/iam/v1/user", rd({ user_email: email })), 201);
    wideDefId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/scope-definition",
        rd({ name: "wide", areas: { endpoints: { endpoint_groups: { mode: "see_all" } } } }),
      ),
      201,
    ).data.scope_id;
    narrowDefId = ok(
      await admin(
        "POST",
        "/platform/iam/v1/scope-definition",
        rd({
          name: "narrow",
          areas: { endpoints: { endpoint_groups: { mode: "scope", names: ["eu-1"] } } },
        }),
      ),
      201,
    ).data.scope_id;
  });
  after(() => t.close());

  const gen = (scope: unknown) => ({
    method: "POST",
    path: "/public_api/v1/api_keys/generate",
    input: { roles: ["Access Manager"], security_level: "standard", scope },
  });
  const attempts: Array<{
    name: string;
    as: () => Credential;
    method: string;
    path: () => string;
    input: () => unknown;
    mentions: string;
  }> = [
    {
      name: "generate a key that sees every endpoint group",
      as: () => scoped,
      ...wrap(gen({ ...mine, endpoints: { endpoint_groups: { mode: "see_all" } } })),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with one more endpoint group",
      as: () => scoped,
      ...wrap(
        gen({
          ...mine,
          endpoints: { endpoint_groups: { mode: "scope", names: ["eu-1", "us-1"] } },
        }),
      ),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with another asset group",
      as: () => scoped,
      ...wrap(gen({ assets: { mode: "scope", asset_group_ids: [1, 2] } })),
      mentions: "assets",
    },
    {
      name: "generate a key that also sees untagged cases",
      as: () => scoped,
      ...wrap(
        gen({
          cases_issues: { mode: "scope", names: ["a"], include_cases_issues_empty_entities: true },
        }),
      ),
      mentions: "cases_issues",
    },
    {
      name: "generate a key with 'any' where it has a list",
      as: () => scoped,
      ...wrap(gen({ endpoints: { endpoint_groups: { mode: "any" } } })),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with another row filter",
      as: () => scoped,
      ...wrap(
        gen({
          datasets_rows: {
            default_filter_mode: "no_scope",
            filters: [{ dataset: "xdr_data", filter: "true" }],
          },
        }),
      ),
      mentions: "datasets_rows",
    },
    {
      name: "generate a key that sees every other dataset",
      as: () => scoped,
      ...wrap(gen({ datasets_rows: { default_filter_mode: "see_all" } })),
      mentions: "datasets_rows",
    },
    {
      name: "generate a key with a wider scope definition",
      as: () => scoped,
      ...wrap(gen({ scope_definition_id: "wide" })),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "generate a key with any scope at all, holding none",
      as: () => unscoped,
      ...wrap(gen({ scope_definition_id: "narrow" })),
      mentions: "it has none",
    },
    {
      name: "widen another key's scope",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/api-key/${unscoped.id}`,
      input: () => ({ assets: { mode: "see_all" } }),
      mentions: "assets",
    },
    {
      name: "widen its own scope",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/api-key/${scoped.id}`,
      input: () => ({ ...mine, assets: { mode: "see_all" } }),
      mentions: "assets",
    },
    {
      name: "point a user at a wider scope definition",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope/user/${email}`,
      input: () => ({ scope_definition_id: wideDefId }),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "widen a scope definition that keys use",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope-definition/${narrowDefId}`,
      input: () => ({ areas: { endpoints: { endpoint_groups: { mode: "see_all" } } } }),
      mentions: "endpoints.endpoint_groups",
    },
    {
      name: "edit (only the description of) a scope definition wider than its own",
      as: () => scoped,
      method: "PUT",
      path: () => `/platform/iam/v1/scope-definition/${wideDefId}`,
      input: () => ({ description: "mine now" }),
      mentions: "endpoints.endpoint_groups",
    },
  ];
  function wrap(a: { method: string; path: string; input: unknown }) {
    return { method: a.method, path: () => a.path, input: () => a.input };
  }

  for (const a of attempts) {
    it(`refuses to ${a.name} (403 PRIVILEGE_ESCALATION)`, async () => {
      const path = a.path();
      assertError(
        path,
        await admin(a.method, path, rd(a.input()), { as: a.as() }),
        403,
        "PRIVILEGE_ESCALATION",
        "wider scope than your key's scope",
        a.mentions,
      );
    });
  }

  it("changed nothing in those attempts", async () => {
    assert.equal(
      ok(await admin("POST", "/public_api/v1/api_keys/get_api_keys", rd({}))).reply.TOTAL_COUNT,
      3,
      "no key was generated",
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/api-key/${unscoped.id}`)).data.has_scope,
      false,
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/api-key/${scoped.id}`)).data.assets.mode,
      "scope",
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/user/${email}`)).data.has_scope,
      false,
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope-definition/${narrowDefId}`)).data.areas
        .endpoints.endpoint_groups.mode,
      "scope",
    );
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope-definition/${wideDefId}`)).data.description,
      null,
    );
  });

  it("lets it give its own scope, a narrower one, or none, and lets administrators give any", async () => {
    ok(
      await admin("POST", "/public_api/v1/api_keys/generate", rd(gen(mine).input), { as: scoped }),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd(
          gen({
            endpoints: {
              endpoint_groups: { mode: "scope", names: ["eu-2"] },
              endpoint_tags: { mode: "scope", names: ["prod"] },
            },
            cases_issues: { mode: "scope", names: ["b"] },
          }).input,
        ),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd(gen({ scope_definition_id: "narrow" }).input),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "POST",
        "/public_api/v1/api_keys/generate",
        rd({ roles: ["Access Manager"], security_level: "standard" }),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "PUT",
        `/platform/iam/v1/scope/user/${email}`,
        rd({
          datasets_rows: {
            default_filter_mode: "no_scope",
            filters: [{ dataset: "xdr_data", filter: "region = 'eu'" }],
          },
        }),
        { as: scoped },
      ),
    );
    ok(
      await admin("PUT", `/platform/iam/v1/scope/user/${email}`, rd({ clear: true }), {
        as: scoped,
      }),
    );
    ok(
      await admin(
        "PUT",
        `/platform/iam/v1/scope-definition/${narrowDefId}`,
        rd({ description: "eu-1 only" }),
        { as: scoped },
      ),
    );
    ok(
      await admin(
        "PUT",
        `/platform/iam/v1/scope/api-key/${unscoped.id}`,
        rd({ scope_definition_id: wideDefId }),
      ),
    );
  });

  it("checks scopes while SBAC is off too, and lets only administrators switch SBAC", async () => {
    // A key with settings edit could otherwise switch SBAC off, widen its scope, switch it on.
    await customRole(admin, "Settings Manager", {
      public_api: "view_edit",
      access_management: "view_edit",
      server_settings: "view_edit",
    });
    const settingsKey = await t.createKey({ roles: ["Settings Manager"], scope: mine });
    const refuseSwitch = async (on: boolean) =>
      assertError(
        "/platform/iam",
        await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: on }), {
          as: settingsKey,
        }),
        403,
        "PRIVILEGE_ESCALATION",
        "sbac_enabled",
        "administrator role",
      );
    await refuseSwitch(false);
    // Other settings stay within its reach; sending the current value is no switch.
    ok(
      await admin(
        "PUT",
        "/platform/iam/v1/settings",
        rd({ sbac_enabled: true, replay_window_ms: 300_000 }),
        { as: settingsKey },
      ),
    );
    ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: false })));
    try {
      await refuseSwitch(true);
      const widen = await admin(
        "PUT",
        `/platform/iam/v1/scope/api-key/${settingsKey.id}`,
        rd({ ...mine, endpoints: { endpoint_groups: { mode: "see_all" } } }),
        { as: settingsKey },
      );
      assertError(
        "/platform/iam",
        widen,
        403,
        "PRIVILEGE_ESCALATION",
        "wider scope than your key's scope",
        "endpoints.endpoint_groups",
      );
      assertError(
        "/public_api",
        await admin(
          "POST",
          "/public_api/v1/api_keys/generate",
          rd(gen({ scope_definition_id: "wide" }).input),
          { as: scoped },
        ),
        403,
        "PRIVILEGE_ESCALATION",
        "wider scope",
      );
      // Administrators still prepare scopes while SBAC is off.
      ok(
        await admin(
          "POST",
          "/public_api/v1/api_keys/generate",
          rd(gen({ scope_definition_id: "wide" }).input),
        ),
      );
    } finally {
      ok(await admin("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
    }
    assert.equal(
      ok(await admin("GET", `/platform/iam/v1/scope/api-key/${settingsKey.id}`)).data.endpoints
        .endpoint_groups.mode,
      "scope",
    );
  });
});

describe("scopeExceeds", () => {
  const s = (w: Record<string, unknown>) => canonicalScope(w as ScopeAreasWrite);
  const eg = (mode: string, names?: string[]) =>
    s({ endpoints: { endpoint_groups: { mode, ...(names ? { names } : {}) } } });
  const ci = (names: string[], empty: boolean) =>
    s({ cases_issues: { mode: "scope", names, include_cases_issues_empty_entities: empty } });
  const ds = (mode: string, filters: Array<[string, string]>) =>
    s({
      datasets_rows: {
        default_filter_mode: mode,
        filters: filters.map(([dataset, filter]) => ({ dataset, filter })),
      },
    });
  const cases: Array<[string, CanonicalScope, CanonicalScope, string[]]> = [
    ["nothing within nothing", s({}), s({}), []],
    ["no_scope within anything", eg("no_scope"), eg("scope", ["x"]), []],
    ["see_all within see_all", eg("see_all"), eg("see_all"), []],
    ["see_all over a list", eg("see_all"), eg("scope", ["x"]), ["endpoints.endpoint_groups"]],
    ["see_all over any", eg("see_all"), eg("any"), ["endpoints.endpoint_groups"]],
    ["any within any", eg("any"), eg("any"), []],
    ["any over a list", eg("any"), eg("scope", ["x"]), ["endpoints.endpoint_groups"]],
    ["a list within any", eg("scope", ["x", "y"]), eg("any"), []],
    ["a subset within a list", eg("scope", ["x"]), eg("scope", ["x", "y"]), []],
    [
      "a name more than the list",
      eg("scope", ["x", "z"]),
      eg("scope", ["x", "y"]),
      ["endpoints.endpoint_groups"],
    ],
    ["a list over nothing", eg("scope", ["x"]), s({}), ["endpoints.endpoint_groups"]],
    ["untagged within untagged", ci(["a"], true), ci(["a", "b"], true), []],
    ["untagged over tagged only", ci(["a"], true), ci(["a", "b"], false), ["cases_issues"]],
    ["same filter within", ds("no_scope", [["d", "f"]]), ds("no_scope", [["d", "f"]]), []],
    ["a filter within all rows", ds("no_scope", [["d", "f"]]), ds("see_all", []), []],
    [
      "another filter over a filter",
      ds("no_scope", [["d", "g"]]),
      ds("no_scope", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "all rows over a filter",
      ds("see_all", [["d", "f"]]),
      ds("no_scope", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "every dataset over the filtered one only",
      ds("see_all", []),
      ds("no_scope", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "a filtered dataset over all-but-filtered",
      ds("see_all", []),
      ds("see_all", [["d", "f"]]),
      ["datasets_rows"],
    ],
    [
      "several areas at once",
      s({ assets: { mode: "see_all" }, endpoints: { endpoint_tags: { mode: "any" } } }),
      s({}),
      ["assets", "endpoints.endpoint_tags"],
    ],
  ];
  for (const [name, g, c, want] of cases) {
    it(name, () => assert.deepEqual(scopeExceeds(g, c), want));
  }
});
