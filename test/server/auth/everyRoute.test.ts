/**
 * Authentication and the permission gate on every route: the same refused-credential cases
 * against every authenticated route of the route table (in process and over HTTP), and the
 * reference's 403 body with its audit entry.
 */
import * as assert from "node:assert/strict";
import { randomAlnum } from "../../../sdk/contract";
import { generateKeyValue } from "../../../server/crypto/keyFormat";
import { randomBytes } from "node:crypto";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import {
  anyBody,
  auditEntries,
  AUTH_ROUTES,
  concretePath,
  customRole,
  forbiddenBody,
  HOUR,
  ok,
  PERMISSION_ROUTES,
  raw,
  rd,
  signed,
  transports,
  unauthorizedBody,
  VALIDATE,
} from "../support";

describe("authentication on every route", function () {
  let t: TestServer;
  const creds: Record<string, { headers: () => Record<string, string> | null }> = {};

  before(async () => {
    t = await startTestServer({ fakeClock: true });
    for (const level of ["standard", "advanced"] as const) {
      const expiring = await t.createKey({
        level,
        expiration: t.clock.now() + HOUR,
        roles: ["Instance Administrator"],
      });
      const deleted = await t.createKey({ level, roles: ["Instance Administrator"] });
      const revoked = await t.createKey({ level, roles: ["Instance Administrator"] });
      ok(
        await t.call(
          "POST",
          "/public_api/v1/api_keys/delete",
          rd({ filters: [{ field: "id", operator: "in", value: [deleted.id] }] }),
        ),
      );
      ok(
        await t.call(
          "POST",
          "/public_api/v1/api_keys/revoke",
          rd({ filters: [{ field: "id", operator: "in", value: [revoked.id] }] }),
        ),
      );
      const real = await t.createKey({ level, roles: ["Instance Administrator"] });
      const wrong: Credential = { ...real, key: generateKeyValue(randomBytes) };
      const sign = (c: Credential) => () =>
        level === "standard" ? raw(c) : signed(c, t.clock.now());
      creds[`${level}: wrong key`] = { headers: sign(wrong) };
      if (level === "standard") {
        // The XSOAR integration's "prevent only" headers: the raw key beside a nonce and a timestamp.
        creds["standard: wrong key with stray nonce headers"] = {
          headers: () => ({
            ...raw(wrong),
            "x-xdr-nonce": randomAlnum(64),
            "x-xdr-timestamp": String(t.clock.now()),
          }),
        };
      }
      creds[`${level}: expired key`] = { headers: sign(expiring) };
      creds[`${level}: deleted key`] = { headers: sign(deleted) };
      creds[`${level}: revoked key`] = { headers: sign(revoked) };
      creds[`${level}: unknown key id`] = { headers: sign({ ...real, id: 999_999 }) };
    }
    creds["missing credential"] = { headers: () => null };
    creds["key id without key"] = { headers: () => ({ "x-xdr-auth-id": String(t.admin.id) }) };
    creds["key without key id"] = { headers: () => ({ authorization: t.admin.key }) };
    // Every key above that had an expiration now stands past it.
    t.fake!.advance(HOUR);
  });
  after(() => t.close());

  it("covers every authenticated route of the route table", () => {
    assert.ok(AUTH_ROUTES.length >= 40, `only ${AUTH_ROUTES.length} authenticated routes?`);
  });

  for (const transport of ["in process", "over HTTP"]) {
    describe(transport, () => {
      for (const r of AUTH_ROUTES) {
        it(`${r.method} ${r.path} refuses a missing, wrong, expired, deleted or revoked credential with the reference's 401`, async () => {
          const call = transports(t).find((x) => x.name === transport)!.call;
          const path = concretePath(r);
          for (const [name, c] of Object.entries(creds)) {
            const h = c.headers();
            const res = await call(r.method, path, anyBody(r), { as: null, headers: h ?? {} });
            assert.equal(res.status, 401, `${name}: ${res.status} ${res.text}`);
            assert.deepEqual(res.body, unauthorizedBody(path), `${name}: body`);
            assert.equal(res.headers["x-keyplane-error"], "UNAUTHORIZED");
          }
        });
      }
    });
  }
});

describe("the permission gate", () => {
  let t: TestServer;
  let weak: Credential;
  before(async () => {
    t = await startTestServer();
    await customRole(t.call, "Dashboards Only", { dashboards: "view" });
    weak = await t.createKey({ roles: ["Dashboards Only"] });
  });
  after(() => t.close());

  for (const transport of ["in process", "over HTTP"]) {
    it(`${transport}: a key without the component permission gets the reference's 403 body on every guarded route`, async () => {
      const call = transports(t).find((x) => x.name === transport)!.call;
      for (const r of PERMISSION_ROUTES) {
        const path = concretePath(r);
        const res = await call(r.method, path, anyBody(r), { as: weak });
        assert.equal(res.status, 403, `${r.id}: ${res.status} ${res.text}`);
        assert.deepEqual(res.body, forbiddenBody(path), r.id);
        assert.equal(
          res.headers["x-keyplane-required-permission"],
          `${r.permission!.component}:${r.permission!.level}`,
        );
      }
    });
  }

  it("keeps the exact reference text of the public_api 403 body", async () => {
    const res = await t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd({}), { as: weak });
    assert.equal(
      res.text,
      '{"reply":{"err_code":403,"err_msg":"Forbidden. Access was denied to this resource.","err_extra":"Insufficient permissions for api key"}}',
    );
  });

  it("records every refused permission check in the audit log with result FAIL", async () => {
    const entries = await auditEntries(
      t.call,
      [
        { field: "result", operator: "in", value: ["FAIL"] },
        { field: "type", operator: "in", value: ["PERMISSIONS"] },
      ],
      { search_to: 100 },
    );
    const routes = new Set(entries.map((e) => e.AUDIT_ADDITIONAL_INFORMATION.route));
    for (const r of PERMISSION_ROUTES)
      assert.ok(routes.has(r.id), `no FAIL audit entry for ${r.id}`);
    const e = entries[0];
    assert.equal(e.AUDIT_RESULT, "FAIL");
    assert.equal(e.AUDIT_OWNER_NAME, `Public API - ${weak.id}`);
    assert.equal(e.AUDIT_REASON, "INSUFFICIENT_PERMISSION");
  });

  it("lets a key call validate whatever its roles", async () => {
    assert.equal(ok(await t.call("POST", VALIDATE, rd(), { as: weak })), "true");
  });

  it("lets a view-level key read but not change", async () => {
    const viewer = await t.createKey({ roles: ["Investigator"] });
    await customRole(t.call, "Key Reader", { public_api: "view" });
    const reader = await t.createKey({ roles: ["Key Reader"] });
    ok(await t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd({}), { as: reader }));
    ok(await t.call("GET", `/platform/iam/v1/api-key/${viewer.id}`, undefined, { as: reader }));
    const res = await t.call(
      "POST",
      "/public_api/v1/api_keys/delete",
      rd({ filters: [{ field: "id", operator: "in", value: [viewer.id] }] }),
      { as: reader },
    );
    assert.deepEqual(res.body, forbiddenBody("/public_api"));
  });
});
