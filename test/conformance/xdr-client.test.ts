/**
 * The published Python client `cortex-xdr-client` 2.0.0 (PyPI; installed by
 * scripts/ensure-cortex-xdr-client into a virtualenv outside the repository) against a real
 * keyplane server on an ephemeral port, with a Standard and with an Advanced key: every API-key,
 * IAM, RBAC, audit and system call it has (fixtures/xdr_client_run.py makes them). Each call must
 * give what a user of the package expects, and every reply it received must validate against
 * docs/openapi.json.
 *
 * Pending (with the reason) when no Python 3.9+ or no PyPI is available, unless
 * KEYPLANE_REQUIRE_CONFORMANCE=1.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertDocumented, runPython, xdrClientVenv } from "./support";

interface Step {
  name: string;
  ok: boolean;
  result?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- what the Python client returned, as JSON
  status?: number | null;
  body?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the reply body, as JSON
  error?: string;
}
interface Run {
  steps: Step[];
  exchanges: Array<{ method: string; url: string; status: number; body: unknown }>;
}

async function runDriver(python: string, env: Record<string, string>): Promise<Run> {
  const out = await runPython(python, "xdr_client_run.py", env);
  try {
    return JSON.parse(out) as Run;
  } catch (e) {
    throw new Error(
      `xdr_client_run.py printed no JSON (${(e as Error).message}): ${out.slice(0, 500)}`,
    );
  }
}

describe("conformance: cortex-xdr-client 2.0.0 (PyPI)", function () {
  this.timeout(600_000);
  let python: string | undefined;

  before(function () {
    const v = xdrClientVenv();
    if ("skip" in v) {
      console.log(`      (pending: ${v.skip})`);
      this.skip();
    }
    python = path.join(v.bin, "python");
  });

  for (const level of ["standard", "advanced"] as const) {
    describe(`with a ${level} key`, () => {
      let t: TestServer;
      let run: Run;
      const byName = (name: string): Step => {
        const s = run.steps.find((x) => x.name === name);
        assert.ok(s, `the driver made no step '${name}'`);
        return s;
      };
      const okStep = (name: string) => {
        const s = byName(name);
        assert.ok(s.ok, `${name} failed: ${s.status ?? ""} ${s.error ?? JSON.stringify(s.body)}`);
        return s.result;
      };
      const refused = (name: string, status: number, text: RegExp) => {
        const s = byName(name);
        assert.equal(s.ok, false, `${name} should fail`);
        assert.equal(s.status, status, `${name}: ${JSON.stringify(s.body)}`);
        assert.match(JSON.stringify(s.body), text);
      };

      before(async function () {
        if (!python) this.skip();
        t = await startTestServer();
        const k = await t.createKey({ level, roles: ["Instance Administrator"] });
        const tag = `${level}-${Date.now()}`;
        const user = `conformance-${level}@example.com`;
        assert.equal(
          (await t.call("POST", "/platform/iam/v1/user", { request_data: { user_email: user } }))
            .status,
          201,
        );
        run = await runDriver(python!, {
          KP_URL: t.url,
          KP_KEY_ID: String(k.id),
          KP_KEY: k.key,
          KP_LEVEL: level,
          KP_USER: user,
          KP_TAG: tag,
        });
      });
      after(() => t?.close());

      it("gets a reply documented in docs/openapi.json for every request it sends", () => {
        assert.ok(run.exchanges.length >= 40, `only ${run.exchanges.length} exchanges`);
        const seen = new Set<string>();
        for (const x of run.exchanges)
          seen.add(assertDocumented(x.method, x.url, x.status, x.body));
        for (const id of [
          "apiKeys.generate",
          "apiKeys.list",
          "apiKeys.delete",
          "apiKeys.get",
          "apiKeys.edit",
          "roles.list",
          "roles.permissionConfig",
          "roles.create",
          "roles.delete",
          "rbac.getRoles",
          "users.list",
          "users.get",
          "users.patch",
          "rbac.getUsers",
          "rbac.setUserRole",
          "groups.create",
          "groups.list",
          "groups.patch",
          "groups.delete",
          "rbac.getUserGroup",
          "scopes.get",
          "scopes.put",
          "audit.managementLogs",
          "health",
        ]) {
          assert.ok(seen.has(id), `no call reached ${id}`);
        }
      });

      it("authenticates every call (no 401 anywhere)", () => {
        const bad = run.exchanges.filter((x) => x.status === 401);
        assert.deepEqual(
          bad.map((x) => `${x.method} ${x.url}`),
          [],
        );
      });

      it("healthcheck, generate and the key list in the shapes the client returns", () => {
        assert.deepEqual(okStep("system.healthcheck"), { status: "available" });
        const std = okStep("api_keys.generate standard").reply;
        assert.equal(typeof std.id, "number");
        assert.equal(typeof std.key, "string");
        const all = okStep("api_keys.get_api_keys (all)").reply;
        assert.ok(
          all.TOTAL_COUNT >= 3 && all.FILTER_COUNT === all.DATA.length,
          JSON.stringify(all).slice(0, 200),
        );
        assert.ok(!JSON.stringify(all).includes(std.key), "the list never holds a key");
      });

      it("list with every filter, sort and paging", () => {
        const ids = [
          okStep("api_keys.generate standard").reply.id,
          okStep("api_keys.generate advanced").reply.id,
        ];
        const idsOf = (name: string) => okStep(name).reply.DATA.map((k: { id: number }) => k.id);
        assert.deepEqual(idsOf("api_keys.get_api_keys id in").sort(), [...ids].sort());
        assert.ok(idsOf("api_keys.get_api_keys expiration gte").includes(ids[1]));
        assert.ok(!idsOf("api_keys.get_api_keys expiration gte").includes(ids[0]));
        assert.ok(idsOf("api_keys.get_api_keys expiration lte").includes(ids[0]));
        assert.ok(!idsOf("api_keys.get_api_keys expiration lte").includes(ids[1]));
        assert.ok(idsOf("api_keys.get_api_keys roles contains").includes(ids[1]));
        assert.ok(!idsOf("api_keys.get_api_keys roles contains").includes(ids[0]));
        assert.deepEqual(idsOf("api_keys.get_api_keys filters combined"), [ids[0]]);
        assert.deepEqual(idsOf("api_keys.get_api_keys sort expiration desc"), [ids[1], ids[0]]);
        assert.deepEqual(idsOf("api_keys.get_api_keys sort expiration asc"), [ids[0], ids[1]]);
        const page = okStep("api_keys.get_api_keys page 1").reply;
        assert.deepEqual(
          page.DATA.map((k: { id: number }) => k.id),
          [ids[1]],
        );
        assert.equal(page.FILTER_COUNT, 2, "FILTER_COUNT counts every match, not the page");
      });

      it("api-key/{id} GET and PUT", () => {
        const got = okStep("iam.get_api_key_by_id").data;
        assert.deepEqual(got.roles, ["Viewer"]);
        assert.match(okStep("iam.edit_apikey").data.message, /updated successfully/);
        assert.deepEqual([...okStep("iam.get_api_key_by_id after edit").data.roles].sort(), [
          "Investigator",
          "Viewer",
        ]);
        assert.equal(
          okStep("iam.get_api_key_by_id after edit").data.comment,
          "edited by cortex-xdr-client",
        );
        refused("iam.get_api_key_by_id unknown", 404, /api_key_id does not exist/);
      });

      it("roles, permission config, create (and a taken name: 400), legacy get_roles", () => {
        assert.ok(
          okStep("iam.list_roles").data.some(
            (r: { pretty_name: string }) => r.pretty_name === "Viewer",
          ),
        );
        assert.ok(okStep("iam.list_permission_configs").data.rbac_permissions.length > 0);
        assert.match(
          okStep("iam.create_role").data.message,
          /^role_id \S+ created successfully\.$/,
        );
        refused("iam.create_role duplicate", 400, /is already utilized by another role/);
        const legacy = okStep("rbac.get_roles").reply;
        assert.equal(legacy.length, 2);
        assert.ok(legacy[0][0].permissions.includes("audit_view"));
        refused("rbac.get_roles unknown", 400, /Role 'No Such Role' was not found/);
      });

      it("users: list, get, edit, legacy get_users (strings for names, scope an object), set and remove a role", () => {
        const user = `conformance-${level}@example.com`;
        const listed = okStep("iam.list_users").data.find(
          (u: { user_email: string }) => u.user_email === user,
        );
        assert.equal(listed.user_first_name, "", 'never given: "", not null');
        assert.equal(okStep("iam.get_user_by_email").data.user_email, user);
        assert.match(okStep("iam.edit_user").data.message, /updated successfully/i);
        const legacy = okStep("rbac.get_users").reply.find(
          (u: { user_email: string }) => u.user_email === user,
        );
        assert.equal(legacy.user_first_name, "Conformance");
        assert.equal(legacy.user_last_name, "");
        assert.equal(typeof legacy.scope, "object");
        assert.ok(!Array.isArray(legacy.scope));
        assert.deepEqual(okStep("rbac.set_user_role").reply, { update_count: "1" });
        assert.deepEqual(okStep("rbac.set_user_role remove").reply, { update_count: "1" });
      });

      it("user groups: create, list, edit, legacy get_user_group (an unknown name fails), delete", () => {
        const msg = okStep("iam.create_user_group").data.message as string;
        assert.match(msg, /^user group with group id \S+ created successfully$/);
        const id = msg.split(" ")[5];
        const g = okStep("iam.list_user_groups").data.find(
          (x: { group_id: string }) => x.group_id === id,
        );
        assert.equal(g.pretty_role_name, "Viewer");
        okStep("iam.edit_user_group");
        const legacy = okStep("rbac.get_user_group").reply;
        assert.equal(legacy.length, 1);
        assert.equal(legacy[0].description, "second");
        assert.deepEqual(legacy[0].user_email, [`conformance-${level}@example.com`]);
        refused("rbac.get_user_group unknown", 400, /Group 'No Such Group' was not found/);
        okStep("iam.delete_user_group");
      });

      it("scopes: get and edit for a key and a user, null areas meaning no_scope", () => {
        assert.equal(okStep("iam.get_scope api-key").data.assets.mode, "no_scope");
        okStep("iam.edit_scope api-key");
        const after = okStep("iam.get_scope api-key after edit").data;
        assert.equal(after.assets.mode, "see_all");
        assert.deepEqual(
          after.cases_issues.tags.map((x: { tag_name: string }) => x.tag_name),
          ["Health"],
        );
        assert.equal(after.endpoints.endpoint_groups.mode, "no_scope", "null: no_scope");
        assert.equal(after.datasets_rows.default_filter_mode, "no_scope");
        okStep("iam.edit_scope user");
        const u = okStep("iam.get_scope user").data;
        assert.equal(u.endpoints.endpoint_groups.mode, "scope");
        assert.equal(u.endpoints.endpoint_tags.mode, "any");
        assert.equal(u.assets.mode, "no_scope", "an area left out: no_scope");
      });

      it("audits: management_logs with filters, sort and paging", () => {
        const first = okStep("audits.management_logs").reply;
        assert.ok(first.data.length > 0 && first.data.length <= 5);
        assert.equal(first.result_count, first.data.length);
        for (const e of first.data)
          assert.ok(["API_KEY", "ROLE"].includes(e.AUDIT_ENTITY), e.AUDIT_ENTITY);
        const ts = first.data.map((e: { AUDIT_INSERT_TIME: number }) => e.AUDIT_INSERT_TIME);
        assert.deepEqual(
          ts,
          [...ts].sort((a, b) => b - a),
          "newest first",
        );
        const second = okStep("audits.management_logs page 2").reply;
        assert.ok(second.total_count >= first.total_count);
      });

      it("delete: the keys are gone afterwards", () => {
        assert.deepEqual(okStep("api_keys.delete").reply, { update_count: 2 });
        assert.equal(okStep("api_keys.get_api_keys after delete").reply.FILTER_COUNT, 0);
        okStep("iam.delete_role");
      });
    });
  }
});

describe("conformance: the docs/openapi.json check itself", () => {
  // The suites lean on assertDocumented; it must refuse what the contract does not allow.
  const cases: Array<{ name: string; method: string; url: string; status: number; body: unknown }> =
    [
      {
        name: "validate as a JSON boolean (what keyplane sent before)",
        method: "GET",
        url: "/api_keys/validate/",
        status: 200,
        body: true,
      },
      {
        name: "a user with user_first_name null",
        method: "POST",
        url: "/public_api/v1/rbac/get_users/",
        status: 200,
        body: {
          reply: [
            {
              user_email: "a@b.c",
              user_first_name: null,
              user_last_name: "",
              role_name: null,
              last_logged_in: null,
              user_type: "CSP",
              groups: [],
              scope: [],
            },
          ],
        },
      },
      {
        name: "err_extra as an object (what keyplane sent before)",
        method: "POST",
        url: "/public_api/v1/rbac/get_roles",
        status: 400,
        body: { reply: { err_code: 400, err_msg: "x", err_extra: { code: "INVALID_INPUT" } } },
      },
      {
        name: "an undocumented status",
        method: "GET",
        url: "/public_api/v1/healthcheck",
        status: 418,
        body: {},
      },
    ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => assertDocumented(c.method, c.url, c.status, c.body),
        /docs\/openapi\.json|not documented/,
      );
    });
  }
  it("accepts the documented shapes of the same calls", () => {
    assertDocumented("GET", "/api_keys/validate/", 200, "true");
    assertDocumented("POST", "/public_api/v1/rbac/get_roles", 400, {
      reply: {
        err_code: 400,
        err_msg: "x",
        err_extra: [{ type: "INVALID_INPUT", msg: "x", request_id: "r" }],
      },
    });
  });
});
