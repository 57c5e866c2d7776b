/**
 * `auth/verify`, the hot path for downstream services: a service key holding `verify` forwards
 * its caller's headers; the reply says valid or not with a reason, the key's effective roles and
 * permissions, and (with SBAC on) whether the resource is in scope, with a dataset's row filter.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { randomAlnum } from "../../sdk/contract";
import { generateKeyValue } from "../../server/crypto/keyFormat";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import {
  HOUR,
  MINUTE,
  assertError,
  forbiddenBody,
  inProcess,
  ok,
  raw,
  rd,
  signed,
  type Caller,
} from "./support";

const VERIFY = "/public_api/v1/auth/verify";

describe("auth/verify", () => {
  let t: TestServer;
  let call: Caller;
  let service: Credential;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    call = inProcess(t);
    service = await t.createKey({ roles: ["Key Verifier"] });
  });
  after(() => t.close());

  const verify = async (body: Record<string, unknown>) =>
    ok(await call("POST", VERIFY, rd(body), { as: service })).reply;
  const headersOf = (k: Credential) => (k.level === "advanced" ? signed(k, t.clock.now()) : raw(k));

  it("refuses a caller without the verify permission (403, the reference's body)", async () => {
    const k = await t.createKey({ roles: ["Viewer"] });
    const res = await call("POST", VERIFY, rd({ headers: raw(k) }), { as: k });
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, forbiddenBody(VERIFY));
  });

  it("answers valid with the key id, level, effective roles and permissions (own roles and bindings)", async () => {
    const k = await t.createKey({
      roles: ["Investigator"],
      level: "advanced",
      expiration: t.clock.now() + 30 * 86_400_000,
    });
    ok(
      await call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(k.id), role: "Key Verifier" }),
      ),
      201,
    );
    const v = await verify({ headers: headersOf(k) });
    assert.equal(v.valid, true);
    assert.equal(v.reason, null);
    assert.equal(v.key_id, k.id);
    assert.equal(v.security_level, "advanced");
    assert.deepEqual(v.roles, ["Investigator", "Key Verifier"]);
    assert.equal(v.permissions.cases_issues, "view_edit");
    assert.equal(v.permissions.verify, "view");
    assert.equal(v.expiration, t.clock.now() + 30 * 86_400_000);
    assert.equal(v.scope_enforced, false);
    assert.equal(v.has_scope, false);
  });

  it("takes forwarded header names in any case", async () => {
    const k = await t.createKey();
    const v = await verify({ headers: { "X-XDR-AUTH-ID": String(k.id), Authorization: k.key } });
    assert.equal(v.valid, true);
  });

  describe("reasons", () => {
    const reasons: Array<{
      name: string;
      expectReason: string;
      headers: () => Promise<Record<string, string>>;
      permission?: unknown;
    }> = [
      {
        name: "an expired key",
        expectReason: "EXPIRED",
        headers: async () => {
          const k = await t.createKey({ expiration: t.clock.now() + HOUR });
          t.fake!.advance(HOUR);
          return raw(k);
        },
      },
      {
        name: "an unknown key id",
        expectReason: "NOT_FOUND",
        headers: async () => raw({ id: 888_888, key: generateKeyValue(randomBytes) }),
      },
      {
        name: "a wrong key (the same reason as an unknown id)",
        expectReason: "NOT_FOUND",
        headers: async () => raw({ id: service.id, key: generateKeyValue(randomBytes) }),
      },
      {
        name: "a deleted key",
        expectReason: "NOT_FOUND",
        headers: async () => {
          const k = await t.createKey();
          ok(
            await call(
              "POST",
              "/public_api/v1/api_keys/delete",
              rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
            ),
          );
          return raw(k);
        },
      },
      {
        // Revoking drops the secret, so the caller cannot prove the key: its state is not told.
        name: "a revoked key (the same reason as an unknown id)",
        expectReason: "NOT_FOUND",
        headers: async () => {
          const k = await t.createKey({ level: "advanced" });
          ok(
            await call(
              "POST",
              "/public_api/v1/api_keys/revoke",
              rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
            ),
          );
          return signed(k, t.clock.now());
        },
      },
      {
        name: "a replayed nonce",
        expectReason: "REPLAYED",
        headers: async () => {
          const k = await t.createKey({ level: "advanced" });
          const h = signed(k, t.clock.now(), randomAlnum(64));
          assert.equal(
            (await call("POST", "/public_api/v1/api_keys/validate", rd(), { as: null, headers: h }))
              .status,
            200,
          );
          return h;
        },
      },
      {
        name: "a stale timestamp",
        expectReason: "STALE_TIMESTAMP",
        headers: async () =>
          signed(await t.createKey({ level: "advanced" }), t.clock.now() - 6 * MINUTE),
      },
      // Unsigned, nothing is proven: "needs a signature" would tell that the id is an Advanced key.
      {
        name: "an Advanced key sent raw (the same reason as an unknown id)",
        expectReason: "NOT_FOUND",
        headers: async () => raw(await t.createKey({ level: "advanced" })),
      },
      {
        name: "no key id",
        expectReason: "MALFORMED",
        headers: async () => ({ authorization: "x" }),
      },
      {
        name: "a permission the key lacks",
        expectReason: "INSUFFICIENT_PERMISSION",
        headers: async () => raw(await t.createKey({ roles: ["Viewer"] })),
        permission: { component: "endpoints", level: "view_edit" },
      },
    ];
    for (const r of reasons) {
      it(`says ${r.expectReason} for ${r.name}`, async () => {
        const v = await verify({
          headers: await r.headers(),
          ...(r.permission ? { permission: r.permission } : {}),
        });
        assert.equal(v.valid, false);
        assert.equal(v.reason, r.expectReason);
      });
    }

    it("says valid when the key holds the permission at the level asked, or higher", async () => {
      const k = await t.createKey({ roles: ["Privileged Responder"] });
      for (const permission of [
        { component: "endpoints", level: "view_edit" },
        { component: "endpoints", level: "view" },
        { component: "endpoints" },
      ]) {
        assert.equal(
          (await verify({ headers: raw(k), permission })).valid,
          true,
          JSON.stringify(permission),
        );
      }
    });

    it("records the forwarded nonce, so the caller cannot replay it to the service's own API", async () => {
      const k = await t.createKey({ level: "advanced" });
      const h = signed(k, t.clock.now());
      assert.equal((await verify({ headers: h })).valid, true);
      assert.equal((await verify({ headers: h })).reason, "REPLAYED");
      assert.equal(
        (await call("POST", "/public_api/v1/api_keys/validate", rd(), { as: null, headers: h }))
          .status,
        401,
      );
    });
  });

  describe("scopes (SBAC)", () => {
    let scoped: Credential;
    let unscoped: Credential;
    let adminKey: Credential;
    let byDefinition: Credential;
    before(async () => {
      scoped = await t.createKey({
        roles: ["Investigator"],
        scope: {
          assets: { mode: "scope", asset_group_ids: [1, 2] },
          cases_issues: {
            mode: "scope",
            names: ["Health"],
            include_cases_issues_empty_entities: true,
          },
          endpoints: {
            endpoint_groups: { mode: "scope", names: ["eg-emea"] },
            endpoint_tags: { mode: "any" },
          },
          datasets_rows: {
            default_filter_mode: "no_scope",
            filters: [{ dataset: "xdr_data", filter: "region = 'emea'" }],
          },
        },
      });
      unscoped = await t.createKey({ roles: ["Investigator"] });
      adminKey = await t.createKey({
        roles: ["Instance Administrator"],
        scope: { assets: { mode: "no_scope" } },
      });
      ok(
        await call(
          "POST",
          "/platform/iam/v1/scope-definition",
          rd({
            name: "Datasets all",
            areas: { datasets_rows: { default_filter_mode: "see_all" } },
          }),
        ),
        201,
      );
      byDefinition = await t.createKey({
        roles: ["Viewer"],
        scope: { scope_definition_id: "Datasets all" },
      });
    });

    const resourceCases: Array<{
      name: string;
      key: () => Credential;
      resource: unknown;
      expectValid: boolean;
      expectRowFilter?: string | null;
    }> = [
      {
        name: "an asset group in scope",
        key: () => scoped,
        resource: { asset_group_ids: [2, 9] },
        expectValid: true,
      },
      {
        name: "an asset group out of scope",
        key: () => scoped,
        resource: { asset_group_ids: [9] },
        expectValid: false,
      },
      {
        name: "a case with a tag in scope",
        key: () => scoped,
        resource: { cases_issues_tags: ["Health"] },
        expectValid: true,
      },
      {
        name: "a case with other tags",
        key: () => scoped,
        resource: { cases_issues_tags: ["Finance"] },
        expectValid: false,
      },
      {
        name: "an untagged case (include-empty is on)",
        key: () => scoped,
        resource: { cases_issues_tags: [] },
        expectValid: true,
      },
      {
        name: "an endpoint in a scoped group",
        key: () => scoped,
        resource: { endpoint_groups: ["eg-emea"] },
        expectValid: true,
      },
      {
        name: "an endpoint in another group",
        key: () => scoped,
        resource: { endpoint_groups: ["eg-us"] },
        expectValid: false,
      },
      {
        name: "an endpoint with any tag (mode any)",
        key: () => scoped,
        resource: { endpoint_tags: ["whatever"] },
        expectValid: true,
      },
      {
        name: "an endpoint without tags (mode any needs one)",
        key: () => scoped,
        resource: { endpoint_tags: [] },
        expectValid: false,
      },
      {
        name: "a dataset with a row filter",
        key: () => scoped,
        resource: { dataset: "xdr_data" },
        expectValid: true,
        expectRowFilter: "region = 'emea'",
      },
      {
        name: "a dataset not listed (default no_scope)",
        key: () => scoped,
        resource: { dataset: "other" },
        expectValid: false,
      },
      {
        name: "a dataset not listed (default see_all, through a definition)",
        key: () => byDefinition,
        resource: { dataset: "other" },
        expectValid: true,
        expectRowFilter: null,
      },
      {
        name: "several areas, one out of scope",
        key: () => scoped,
        resource: { asset_group_ids: [1], endpoint_groups: ["eg-us"] },
        expectValid: false,
      },
      {
        name: "a resource without scope attributes",
        key: () => scoped,
        resource: {},
        expectValid: true,
      },
      {
        name: "a scoped resource, for a key with no scope at all",
        key: () => unscoped,
        resource: { asset_group_ids: [1] },
        expectValid: false,
      },
      {
        name: "an unscoped resource, for a key with no scope at all",
        key: () => unscoped,
        resource: {},
        expectValid: true,
      },
      {
        name: "anything, for an administrator (admin roles are not narrowed)",
        key: () => adminKey,
        resource: { asset_group_ids: [9], dataset: "other" },
        expectValid: true,
      },
    ];

    it("does not enforce scopes while sbac_enabled is false (the default)", async () => {
      for (const c of resourceCases) {
        const v = await verify({ headers: raw(c.key()), resource: c.resource });
        assert.equal(v.valid, true, c.name);
        assert.equal(v.scope_enforced, false);
        assert.equal(v.row_filter, null);
      }
    });

    describe("with sbac_enabled", () => {
      before(async () => {
        ok(await call("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: true })));
      });
      after(async () => {
        ok(await call("PUT", "/platform/iam/v1/settings", rd({ sbac_enabled: false })));
      });

      for (const c of resourceCases) {
        it(`${c.expectValid ? "allows" : "refuses (OUT_OF_SCOPE)"} ${c.name}`, async () => {
          const v = await verify({ headers: raw(c.key()), resource: c.resource });
          assert.equal(v.scope_enforced, true);
          assert.equal(v.valid, c.expectValid, JSON.stringify(v));
          assert.equal(v.reason, c.expectValid ? null : "OUT_OF_SCOPE");
          if (c.expectRowFilter !== undefined) assert.equal(v.row_filter, c.expectRowFilter);
        });
      }

      it("reports the key's scope canonically", async () => {
        const v = await verify({ headers: raw(scoped) });
        assert.equal(v.has_scope, true);
        assert.deepEqual(v.scope.assets, { mode: "scope", asset_group_ids: [1, 2] });
      });

      it("checks the permission before the scope", async () => {
        const v = await verify({
          headers: raw(scoped),
          permission: { component: "response", level: "view_edit" },
          resource: { asset_group_ids: [9] },
        });
        assert.equal(v.reason, "INSUFFICIENT_PERMISSION");
      });

      it("follows a scope changed through the API at once", async () => {
        const path = `/platform/iam/v1/scope/api-key/${unscoped.id}`;
        ok(await call("PUT", path, rd({ assets: { mode: "see_all" } })));
        assert.equal(
          (await verify({ headers: raw(unscoped), resource: { asset_group_ids: [1] } })).valid,
          true,
        );
        ok(await call("PUT", path, rd({ clear: true })));
        assert.equal(
          (await verify({ headers: raw(unscoped), resource: { asset_group_ids: [1] } })).reason,
          "OUT_OF_SCOPE",
        );
      });
    });
  });

  it("validates its body (400 naming the field)", async () => {
    assertError(
      VERIFY,
      await call("POST", VERIFY, rd({}), { as: service }),
      400,
      "INVALID_INPUT",
      "request_data.headers",
    );
  });
});
