/**
 * Idempotency-Key on every create: the same key and body within 24 h get the first reply (and
 * make one object), a different body under the same key is a 409, and after 24 h the key is free.
 */
import * as assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server";

const DAY = 86_400_000;

describe("Idempotency-Key on creates", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ fakeClock: Date.UTC(2026, 10, 1) });
  });
  after(() => t.close());

  const cases: Array<{
    route: string;
    path: string;
    body: (n: string) => unknown;
    alt: (n: string) => unknown;
    count: (n: string) => Promise<number>;
  }> = [
    {
      route: "roles.create",
      path: "/platform/iam/v1/role",
      body: (n) => ({ request_data: { pretty_name: n, components: { audit: "view" } } }),
      alt: (n) => ({ request_data: { pretty_name: n, components: { audit: "view_edit" } } }),
      count: async (n) =>
        (await t.call("GET", "/platform/iam/v1/role")).body.data.filter(
          (r: { pretty_name: string }) => r.pretty_name === n,
        ).length,
    },
    {
      route: "scopeDefinitions.create",
      path: "/platform/iam/v1/scope-definition",
      body: (n) => ({ request_data: { name: n, areas: { assets: { mode: "see_all" } } } }),
      alt: (n) => ({ request_data: { name: n, areas: { assets: { mode: "no_scope" } } } }),
      count: async (n) =>
        (await t.call("GET", "/platform/iam/v1/scope-definition")).body.data.filter(
          (d: { name: string }) => d.name === n,
        ).length,
    },
    {
      route: "groups.create",
      path: "/platform/iam/v1/user-group",
      body: (n) => ({ request_data: { group_name: n } }),
      alt: (n) => ({ request_data: { group_name: n, description: "other" } }),
      count: async (n) =>
        (await t.call("GET", "/platform/iam/v1/user-group")).body.data.filter(
          (g: { group_name: string }) => g.group_name === n,
        ).length,
    },
    {
      route: "users.create",
      path: "/platform/iam/v1/user",
      body: (n) => ({ request_data: { user_email: `${n}@example.com` } }),
      alt: (n) => ({ request_data: { user_email: `${n}@example.com`, user_first_name: "Other" } }),
      count: async (n) =>
        (await t.call("GET", "/platform/iam/v1/user")).body.data.filter(
          (u: { user_email: string }) => u.user_email === `${n}@example.com`,
        ).length,
    },
  ];

  for (const c of cases) {
    it(`${c.route}: a repeat gets the first reply and makes nothing; another body is a 409`, async () => {
      const name = `idem-${c.route.split(".")[0]}`;
      const headers = { "idempotency-key": `k-${c.route}` };
      const first = await t.call("POST", c.path, c.body(name), { headers });
      assert.equal(first.status, 201, first.text);
      const again = await t.call("POST", c.path, c.body(name), { headers });
      assert.equal(again.status, 201, again.text);
      assert.equal(again.headers["idempotent-replayed"], "true");
      assert.deepEqual(again.body, first.body);
      assert.equal(await c.count(name), 1);
      const other = await t.call("POST", c.path, c.alt(name), { headers });
      assert.equal(other.status, 409);
      assert.equal(other.headers["x-keyplane-error"], "IDEMPOTENCY_CONFLICT");
      // Without the header, a repeat is an ordinary refusal: the name is taken (a 400 for roles, as in the reference).
      assert.equal(
        (await t.call("POST", c.path, c.body(name))).status,
        c.route === "roles.create" ? 400 : 409,
      );
    });
  }

  it("bindings.create: a repeat gets the same binding", async () => {
    const k = await t.createKey({ roles: ["Viewer"] });
    const body = {
      request_data: { principal_type: "api-key", principal_id: String(k.id), role: "Key Verifier" },
    };
    const headers = { "idempotency-key": "bind-once" };
    const first = await t.call("POST", "/platform/iam/v1/role-binding", body, { headers });
    const again = await t.call("POST", "/platform/iam/v1/role-binding", body, { headers });
    assert.equal(first.status, 201);
    assert.deepEqual(again.body, first.body);
  });

  it("scopes a key to its route: a generate never replays (or refuses over) a role-create reply", async () => {
    const role = await t.call(
      "POST",
      "/platform/iam/v1/role",
      { request_data: { pretty_name: "idem-scoped", components: { audit: "view" } } },
      { headers: { "idempotency-key": "shared-k" } },
    );
    assert.equal(role.status, 201, role.text);
    const generate = { request_data: { security_level: "standard", roles: ["Viewer"] } };
    // The same key, and the spelling the record of the role create has in the store: both mint a new key.
    for (const k of ["shared-k", "roles.create:shared-k"]) {
      const res = await t.call("POST", "/public_api/v1/api_keys/generate", generate, {
        headers: { "idempotency-key": k },
      });
      assert.equal(res.status, 200, `${k}: ${res.text}`);
      assert.equal(res.headers["idempotent-replayed"], undefined, k);
      assert.equal(typeof res.body.reply.key, "string", k);
      assert.equal(res.body.reply.role_id, undefined, k);
    }
    // And each route still replays its own reply.
    const again = await t.call("POST", "/public_api/v1/api_keys/generate", generate, {
      headers: { "idempotency-key": "shared-k" },
    });
    assert.equal(again.headers["idempotent-replayed"], "true");
    const roleAgain = await t.call(
      "POST",
      "/platform/iam/v1/role",
      { request_data: { pretty_name: "idem-scoped", components: { audit: "view" } } },
      { headers: { "idempotency-key": "shared-k" } },
    );
    assert.deepEqual(roleAgain.body, role.body);
  });

  it("forgets a key after 24 h, and refuses a malformed one", async () => {
    const headers = { "idempotency-key": "day-old" };
    assert.equal(
      (
        await t.call(
          "POST",
          "/platform/iam/v1/user-group",
          { request_data: { group_name: "day-old-1" } },
          { headers },
        )
      ).status,
      201,
    );
    t.fake!.advance(DAY + 1);
    const later = await t.call(
      "POST",
      "/platform/iam/v1/user-group",
      { request_data: { group_name: "day-old-2" } },
      { headers },
    );
    assert.equal(later.status, 201, later.text);
    assert.equal(later.headers["idempotent-replayed"], undefined);
    const bad = await t.call(
      "POST",
      "/platform/iam/v1/user-group",
      { request_data: { group_name: "x" } },
      { headers: { "idempotency-key": "é" } },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.body.data.err_msg, /Idempotency-Key/);
  });
});
