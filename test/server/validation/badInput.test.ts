/**
 * Bad input, table-driven, for every route with a request body (and the query strings of the
 * lists): each refusal is a 400 in the route's family envelope whose err_msg names the field
 * and the reason, with the field also listed in err_extra (one `{type, msg, field, loc}` item per field).
 * The cases are tabled by area beside this file.
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../../sdk/contract";
import { startTestServer, type TestServer } from "../../helpers/server";
import { assertError, extraFields, inProcess, ok, rd, type Caller } from "../support";
import { IAM_CASES } from "./iam";
import { KEY_CHANGE_CASES } from "./keyChanges";
import { KEY_CASES } from "./keys";
import { LIST_CASES } from "./lists";
import { PLATFORM_CASES } from "./platform";
import { SCOPE_CASES } from "./scopes";
import { fixtures, idFilters, many, type Case } from "./support";

const CASES: Case[] = [
  ...KEY_CASES,
  ...KEY_CHANGE_CASES,
  ...IAM_CASES,
  ...SCOPE_CASES,
  ...PLATFORM_CASES,
  ...LIST_CASES,
];

describe("bad input, every route with a body", () => {
  let t: TestServer;
  let call: Caller;
  before(async () => {
    t = await startTestServer();
    call = inProcess(t);
    fixtures.keyId = (await t.createKey()).id;
    fixtures.roleId = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "Validation Role", components: { audit: "view" } }),
      ),
      201,
    ).data.role_id;
    fixtures.email = "valid@example.com";
    ok(await call("POST", "/platform/iam/v1/user", rd({ user_email: fixtures.email })), 201);
    fixtures.groupId = ok(
      await call("POST", "/platform/iam/v1/user-group", rd({ group_name: "Validation Group" })),
      201,
    ).data.group_id;
    fixtures.scopeId = ok(
      await call(
        "POST",
        "/platform/iam/v1/scope-definition",
        rd({ name: "existing scope", areas: { assets: { mode: "see_all" } } }),
      ),
      201,
    ).data.scope_id;
  });
  after(() => t.close());

  const routes = new Map((ROUTES as readonly RouteDef[]).map((r) => [r.id, r]));

  it("has cases for every route that takes a request body", () => {
    const covered = new Set(CASES.map((c) => c.route));
    const missing = (ROUTES as readonly RouteDef[])
      .filter((r) => r.request && !covered.has(r.id) && r.id !== "apiKeys.validate")
      .map((r) => r.id);
    // revoke shares delete's schema; get_users takes no body.
    assert.deepEqual(missing, []);
  });

  for (const c of CASES) {
    it(`${c.route}: refuses ${c.name} (${c.expectStatus} ${c.expectCode})`, async () => {
      const r = routes.get(c.route as never)!;
      assert.ok(r, `no route ${c.route}`);
      let path = r.path.replace(/:([A-Za-z_]+)/g, (_, n: string) =>
        encodeURIComponent(c.params?.()[n] ?? "x"),
      );
      if (c.query) path += `?${c.query}`;
      const body =
        c.body ?? (c.query ? undefined : rd(typeof c.input === "function" ? c.input() : c.input));
      const res = await call(r.method, path, body);
      const e = assertError(r.path, res, c.expectStatus, c.expectCode);
      assert.ok(e.msg.includes(c.expectField), `err_msg must name ${c.expectField}: ${e.msg}`);
      // A 400 starts with the field's exact path: `request_data.roles.1: unknown role 'Wizard'`.
      if (c.expectStatus === 400)
        assert.ok(
          e.msg.startsWith(`${c.expectField}: `),
          `err_msg must start with '${c.expectField}: ': ${e.msg}`,
        );
      assert.ok(
        e.msg.includes(c.expectReason),
        `err_msg must give the reason (${c.expectReason}): ${e.msg}`,
      );
      if (c.expectStatus === 400 && c.expectField.includes(".")) {
        const fields = extraFields(e.extra);
        assert.ok(
          fields.some(
            (f) =>
              f.path === c.expectField ||
              f.path.startsWith(`${c.expectField}.`) ||
              c.expectField.startsWith(f.path),
          ),
          `err_extra.fields must list ${c.expectField}: ${JSON.stringify(fields)}`,
        );
      }
    });
  }

  describe("bodies that are not requests", () => {
    const cases: Array<{
      name: string;
      path: string;
      payload: string;
      contentType?: string;
      expectStatus: number;
      expectCode: string;
      expectMsg: string;
    }> = [
      {
        name: "invalid JSON",
        path: "/public_api/v1/api_keys/generate",
        payload: '{"request_data": ',
        expectStatus: 400,
        expectCode: "INVALID_JSON",
        expectMsg: "not valid JSON",
      },
      {
        name: "invalid JSON on a platform route",
        path: "/platform/iam/v1/role",
        payload: "{oops",
        expectStatus: 400,
        expectCode: "INVALID_JSON",
        expectMsg: "not valid JSON",
      },
      {
        name: "a JSON array",
        path: "/public_api/v1/api_keys/generate",
        payload: "[]",
        expectStatus: 400,
        expectCode: "INVALID_INPUT",
        expectMsg: "request_data",
      },
      {
        name: "a JSON string",
        path: "/public_api/v1/api_keys/get_api_keys",
        payload: '"hello"',
        expectStatus: 400,
        expectCode: "INVALID_INPUT",
        expectMsg: "request_data",
      },
      {
        name: "JSON nested 100 levels deep",
        path: "/public_api/v1/api_keys/get_api_keys",
        payload: `{"request_data":${"[".repeat(100)}${"]".repeat(100)}}`,
        expectStatus: 400,
        expectCode: "INVALID_INPUT",
        expectMsg: "deeper than 64",
      },
      {
        name: "JSON sent as text/plain that is not JSON",
        path: "/public_api/v1/api_keys/get_api_keys",
        payload: "hello",
        contentType: "text/plain",
        expectStatus: 400,
        expectCode: "INVALID_JSON",
        expectMsg: "not valid JSON",
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} (${c.expectStatus} ${c.expectCode})`, async () => {
        const res = await call("POST", c.path, c.payload, {
          headers: c.contentType ? { "content-type": c.contentType } : {},
        });
        assertError(c.path, res, c.expectStatus, c.expectCode, c.expectMsg);
      });
    }

    it("serves the largest lists the contract allows, on the database's parameter limits", async () => {
      const list = await call(
        "POST",
        "/public_api/v1/api_keys/get_api_keys",
        rd({ filters: idFilters(2, 5000) }),
      );
      ok(list);
      const revoke = await call(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({
          filters: idFilters(1, 10_000).map((f) => ({
            ...f,
            value: f.value.map((v) => v + 1_000_000),
          })),
        }),
      );
      assert.deepEqual(ok(revoke).reply, { update_count: 0 });
      ok(
        await call(
          "POST",
          "/public_api/v1/rbac/set_user_role",
          rd({ user_emails: many(10_000, (i) => `u${i}@example.com`), role_name: "Viewer" }),
        ),
      );
      ok(
        await call(
          "POST",
          "/public_api/v1/audits/management_logs",
          rd({ filters: [{ field: "email", operator: "in", value: many(1000, (i) => `e${i}`) }] }),
        ),
      );
    });

    it("accepts an empty body as {} where every field is optional", async () => {
      ok(await call("POST", "/public_api/v1/api_keys/get_api_keys", ""));
    });

    it("refuses a body larger than the limit with 413", async () => {
      const res = await call(
        "POST",
        "/public_api/v1/api_keys/get_api_keys",
        JSON.stringify({ request_data: { pad: "x".repeat(1_100_000) } }),
      );
      assertError("/public_api", res, 413, "PAYLOAD_TOO_LARGE");
    });

    it("answers 404 and 405 in the family envelope", async () => {
      assertError(
        "/public_api",
        await call("POST", "/public_api/v1/api_keys/nothing", rd()),
        404,
        "NOT_FOUND",
        "no such endpoint",
      );
      assertError(
        "/platform/iam",
        await call("DELETE", "/platform/iam/v1/settings"),
        405,
        "METHOD_NOT_ALLOWED",
      );
    });
  });
});
