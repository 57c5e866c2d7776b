/**
 * The transport against the real server with faults injected in front of it: retries (429 with
 * Retry-After, 502/503/504, transport errors), which calls are never retried, generate retried only
 * under an idempotency key (a lost reply yields exactly one key, on SQLite and PostgreSQL),
 * timeouts, AbortSignal, connection errors, close(), and the request headers.
 */
import * as assert from "node:assert/strict";
import { errors } from "undici";
import {
  ConflictError,
  contract,
  InvalidArgumentError,
  KeyplaneAbortError,
  KeyplaneApiError,
  KeyplaneClient,
  KeyplaneConnectError,
  KeyplaneTimeoutError,
  RateLimitError,
  RETRY_POLICY,
} from "../../sdk";
import { DB_KINDS, startTestServer, type TestServer } from "../helpers/server";
import {
  assertNoSecrets,
  clientFor,
  closedPort,
  faultyAgent,
  keyCount,
  passThroughMock,
  rejection,
  silentServer,
} from "./support";

const GENERATE = "/public_api/v1/api_keys/generate";
const LIST = "/public_api/v1/api_keys/get_api_keys";

describe("sdk transport", function () {
  this.timeout(60_000);
  let srv: TestServer;
  let admin: KeyplaneClient;

  before(async () => {
    srv = await startTestServer();
    admin = clientFor(srv);
  });
  after(async () => {
    await admin?.close();
    await srv?.close();
  });

  describe("retries", () => {
    it("honours Retry-After on a 429, then succeeds", async () => {
      const mock = passThroughMock();
      mock
        .get(srv.url)
        .intercept({ path: "/platform/iam/v1/settings", method: "GET" })
        .reply(
          429,
          {
            data: {
              err_msg: "slow down",
              metadata: { err_code: 429, err_extra: { code: "RATE_LIMITED" } },
            },
          },
          { headers: { "retry-after": "1" } },
        );
      const c = clientFor(srv, srv.admin, { dispatcher: mock });
      try {
        const t0 = Date.now();
        const s = await c.settings.get();
        assert.equal(typeof s.sbac_enabled, "boolean");
        assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms, Retry-After said 1 s`);
      } finally {
        await c.close();
        await mock.close();
      }
    });

    for (const status of [502, 503, 504]) {
      it(`retries a ${status} on a read, then succeeds`, async () => {
        const mock = passThroughMock();
        mock
          .get(srv.url)
          .intercept({ path: LIST, method: "POST" })
          .reply(status, "upstream trouble")
          .times(2);
        const c = clientFor(srv, srv.admin, { dispatcher: mock });
        try {
          const page = await c.apiKeys.list();
          assert.ok(page.totalCount >= 1);
        } finally {
          await c.close();
          await mock.close();
        }
      });
    }

    it("retries a transport error on a read, then succeeds", async () => {
      const mock = passThroughMock();
      mock
        .get(srv.url)
        .intercept({ path: `/platform/iam/v1/api-key/${srv.admin.id}`, method: "GET" })
        .replyWithError(new errors.SocketError("other side closed"));
      const c = clientFor(srv, srv.admin, { dispatcher: mock });
      try {
        assert.equal((await c.apiKeys.get(srv.admin.id)).id, srv.admin.id);
      } finally {
        await c.close();
        await mock.close();
      }
    });

    it("gives up after `retries` retries, and `retries: 0` makes one attempt", async () => {
      for (const [retries, attempts] of [
        [3, 4],
        [0, 1],
        [1, 2],
      ] as const) {
        const mock = passThroughMock();
        mock
          .get(srv.url)
          .intercept({ path: LIST, method: "POST" })
          .reply(503, {
            reply: { err_code: 503, err_msg: "busy", err_extra: { code: "UNAVAILABLE" } },
          })
          .times(attempts);
        const c = clientFor(srv, srv.admin, { dispatcher: mock, retries });
        try {
          const e = await rejection(() => c.apiKeys.list());
          assert.ok(e instanceof KeyplaneApiError);
          assert.equal(e.status, 503);
          assert.equal(e.code, "UNAVAILABLE");
          assert.equal(e.attempts, attempts);
          // The next call gets through: exactly `attempts` interceptors were consumed.
          assert.ok((await c.apiKeys.list()).totalCount >= 1);
        } finally {
          await c.close();
          await mock.close();
        }
      }
    });

    it("lets one call override the client's retries", async () => {
      const mock = passThroughMock();
      mock.get(srv.url).intercept({ path: LIST, method: "POST" }).reply(503, "busy");
      const c = clientFor(srv, srv.admin, { dispatcher: mock, retries: 3 });
      try {
        const e = await rejection(() => c.apiKeys.list({}, { retries: 0 }));
        assert.equal((e as KeyplaneApiError).attempts, 1);
      } finally {
        await c.close();
        await mock.close();
      }
    });

    it("does not wait for a Retry-After beyond maxRetryAfterMs", async () => {
      const mock = passThroughMock();
      mock
        .get(srv.url)
        .intercept({ path: LIST, method: "POST" })
        .reply(429, "later", { headers: { "retry-after": "120" } });
      const c = clientFor(srv, srv.admin, { dispatcher: mock });
      try {
        const e = await rejection(() => c.apiKeys.list());
        assert.ok(e instanceof RateLimitError);
        assert.equal(e.retryAfterMs, 120_000);
        assert.equal(e.attempts, 1);
      } finally {
        await c.close();
        await mock.close();
      }
    });

    const neverRetried: Array<{
      name: string;
      path: string;
      method: "POST";
      call: (c: KeyplaneClient) => Promise<unknown>;
    }> = [
      {
        name: "auth.verify",
        path: "/public_api/v1/auth/verify",
        method: "POST",
        call: (c) => c.auth.verify({ headers: {} }),
      },
      {
        name: "generate with idempotencyKey: null",
        path: GENERATE,
        method: "POST",
        call: (c) =>
          c.apiKeys.generate({
            roles: ["Viewer"],
            securityLevel: "standard",
            idempotencyKey: null,
          }),
      },
    ];
    for (const n of neverRetried) {
      it(`never retries ${n.name} (a 503 surfaces at once)`, async () => {
        const mock = passThroughMock();
        mock.get(srv.url).intercept({ path: n.path, method: n.method }).reply(503, "busy");
        const c = clientFor(srv, srv.admin, { dispatcher: mock });
        try {
          const e = await rejection(() => n.call(c));
          assert.ok(e instanceof KeyplaneApiError, `${e.name}: ${e.message}`);
          assert.equal(e.status, 503);
          assert.equal(e.attempts, 1);
        } finally {
          await c.close();
          await mock.close();
        }
      });
    }

    it("classifies every route of the contract", () => {
      for (const r of contract.ROUTES)
        assert.ok(["repeatable", "never", "idempotencyKey"].includes(RETRY_POLICY[r.id]), r.id);
      assert.equal(RETRY_POLICY["apiKeys.generate"], "idempotencyKey");
      assert.equal(RETRY_POLICY["auth.verify"], "never");
    });

    it("retries a delete whose reply was lost; the repeat reports 0 (the first one deleted it)", async () => {
      const k = await admin.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" });
      const f = faultyAgent((r, n) => r.path.endsWith("/api_keys/delete") && n === 1);
      const c = clientFor(srv, srv.admin, { dispatcher: f.dispatcher });
      try {
        assert.equal(await c.apiKeys.delete(k.id), 0);
        assert.equal(f.seen.length, 2);
        assert.equal(
          (await admin.apiKeys.list({ filters: [{ field: "id", value: [k.id] }] })).filterCount,
          0,
        );
      } finally {
        await c.close();
        await f.close();
      }
    });
  });

  for (const db of DB_KINDS) {
    describe(`generate whose reply is lost (${db})`, () => {
      let s: TestServer;
      let a: KeyplaneClient;
      before(async () => {
        s = await startTestServer({ db });
        a = clientFor(s);
      });
      after(async () => {
        await a?.close();
        await s?.close();
      });

      for (const level of ["standard", "advanced"] as const) {
        it(`is retried under the automatic idempotency key and yields exactly one key (${level} caller)`, async () => {
          const cred =
            level === "standard"
              ? s.admin
              : await s.createKey({ roles: ["Security Admin"], level: "advanced" });
          const before = await keyCount(a);
          const f = faultyAgent(
            (r) => r.path === GENERATE && f.seen.filter((x) => x.path === GENERATE).length === 1,
          );
          const c = clientFor(s, cred, { dispatcher: f.dispatcher });
          try {
            const g = await c.apiKeys.generate({
              roles: ["Viewer"],
              securityLevel: "standard",
              comment: `lost reply ${level}`,
            });
            assert.equal(g.replayed, true, "the server answered the retry from the first request");
            assert.equal(await keyCount(a), before + 1, "exactly one key was minted");
            const sent = f.seen.filter((r) => r.path === GENERATE);
            assert.equal(sent.length, 2);
            assert.equal(sent[0]!.headers["idempotency-key"], g.idempotencyKey);
            assert.equal(sent[1]!.headers["idempotency-key"], g.idempotencyKey);
            if (level === "advanced") {
              assert.notEqual(
                sent[0]!.headers["x-xdr-nonce"],
                sent[1]!.headers["x-xdr-nonce"],
                "each attempt is signed afresh",
              );
              assert.notEqual(sent[0]!.headers.authorization, sent[1]!.headers.authorization);
            }
            const own = new KeyplaneClient({ endpoint: s.url, apiKeyId: g.id, apiKey: g.key });
            assert.equal(await own.apiKeys.validate(), true, "the replayed key is the one minted");
            await own.close();
          } finally {
            await c.close();
            await f.close();
          }
        });
      }

      const creates: Array<{
        name: string;
        path: string;
        make: (c: KeyplaneClient, n: string) => Promise<unknown>;
        count: (c: KeyplaneClient, n: string) => Promise<number>;
      }> = [
        {
          name: "roles.create",
          path: "/platform/iam/v1/role",
          make: (c, n) => c.roles.create({ name: n, components: { audit: "view" } }),
          count: async (c, n) =>
            (await c.roles.list()).items.filter((r) => r.pretty_name === n).length,
        },
        {
          name: "scopeDefinitions.create",
          path: "/platform/iam/v1/scope-definition",
          make: (c, n) =>
            c.scopes.createDefinition({ name: n, areas: { assets: { mode: "see_all" } } }),
          count: async (c, n) =>
            (await c.scopes.listDefinitions()).items.filter((d) => d.name === n).length,
        },
        {
          name: "groups.create",
          path: "/platform/iam/v1/user-group",
          make: (c, n) => c.groups.create({ name: n }),
          count: async (c, n) =>
            (await c.groups.list()).items.filter((g) => g.group_name === n).length,
        },
        {
          name: "users.create",
          path: "/platform/iam/v1/user",
          make: (c, n) =>
            c.users.create({ email: `${n.toLowerCase().replace(/\W/g, "")}@example.com` }),
          count: async (c, n) =>
            (await c.users.list()).items.filter(
              (u) => u.user_email === `${n.toLowerCase().replace(/\W/g, "")}@example.com`,
            ).length,
        },
      ];
      for (const cr of creates) {
        it(`retries ${cr.name} whose reply was lost under its automatic idempotency key: one object, the first reply`, async () => {
          const name = `lost ${cr.name} ${db}`;
          const f = faultyAgent(
            (r) =>
              r.path === cr.path &&
              r.method === "POST" &&
              f.seen.filter((x) => x.path === cr.path && x.method === "POST").length === 1,
          );
          const c = clientFor(s, s.admin, { dispatcher: f.dispatcher });
          try {
            await cr.make(c, name);
            const sent = f.seen.filter((r) => r.path === cr.path && r.method === "POST");
            assert.equal(sent.length, 2, "retried once");
            assert.ok(
              sent[0]!.headers["idempotency-key"] &&
                sent[0]!.headers["idempotency-key"] === sent[1]!.headers["idempotency-key"],
            );
            assert.equal(await cr.count(a, name), 1, "exactly one was made");
          } finally {
            await c.close();
            await f.close();
          }
        });
      }

      it("keeps a caller's idempotency key across the retry", async () => {
        const before = await keyCount(a);
        const f = faultyAgent(
          (r) => r.path === GENERATE && f.seen.filter((x) => x.path === GENERATE).length === 1,
        );
        const c = clientFor(s, s.admin, { dispatcher: f.dispatcher });
        try {
          const g = await c.apiKeys.generate({
            roles: ["Viewer"],
            securityLevel: "standard",
            idempotencyKey: `mine-${db}`,
          });
          assert.equal(g.idempotencyKey, `mine-${db}`);
          assert.deepEqual(
            f.seen.filter((r) => r.path === GENERATE).map((r) => r.headers["idempotency-key"]),
            [`mine-${db}`, `mine-${db}`],
          );
          assert.equal(await keyCount(a), before + 1);
          const e = await rejection(() =>
            c.apiKeys.generate({
              roles: ["Investigator"],
              securityLevel: "standard",
              idempotencyKey: `mine-${db}`,
            }),
          );
          assert.ok(e instanceof ConflictError);
        } finally {
          await c.close();
          await f.close();
        }
      });

      it("is not retried without an idempotency key: the caller sees the error, the server kept one key", async () => {
        const before = await keyCount(a);
        const f = faultyAgent((r) => r.path === GENERATE);
        const c = clientFor(s, s.admin, { dispatcher: f.dispatcher });
        try {
          const e = await rejection(() =>
            c.apiKeys.generate({
              roles: ["Viewer"],
              securityLevel: "standard",
              idempotencyKey: null,
            }),
          );
          assert.ok(e instanceof KeyplaneConnectError, `${e.name}: ${e.message}`);
          assert.equal(e.code, "CONNECT");
          assert.equal(e.attempts, 1);
          assert.equal(f.seen.filter((r) => r.path === GENERATE).length, 1);
          assert.equal(f.seen[0]!.headers["idempotency-key"], undefined);
          assert.equal(await keyCount(a), before + 1);
        } finally {
          await c.close();
          await f.close();
        }
      });
    });
  }

  describe("timeouts, aborts, connection errors", () => {
    let silent: { url: string; close(): Promise<void> };
    before(async () => {
      silent = await silentServer();
    });
    after(async () => {
      await silent?.close();
    });

    const silentClient = (o: { timeoutMs?: number; retries?: number } = {}) =>
      new KeyplaneClient({
        endpoint: silent.url,
        apiKeyId: 7,
        apiKey: "S".repeat(64),
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 10,
        ...o,
      });

    it("times out an attempt after timeoutMs with KeyplaneTimeoutError", async () => {
      const c = silentClient({ timeoutMs: 150, retries: 0 });
      try {
        const t0 = Date.now();
        const e = await rejection(() => c.apiKeys.list());
        assert.ok(e instanceof KeyplaneTimeoutError, `${e.name}: ${e.message}`);
        assert.equal(e.name, "KeyplaneTimeoutError");
        assert.equal(e.code, "TIMEOUT");
        assert.equal(e.timeoutMs, 150);
        assert.ok(Date.now() - t0 >= 140 && Date.now() - t0 < 2_000);
        assertNoSecrets(e, ["S".repeat(64)]);
      } finally {
        await c.close();
      }
    });

    it("retries a timed-out read, and a call's own timeoutMs wins over the client's", async () => {
      const c = silentClient({ timeoutMs: 10_000, retries: 2 });
      try {
        const t0 = Date.now();
        const e = await rejection(() => c.roles.list({}, { timeoutMs: 100 }));
        assert.ok(e instanceof KeyplaneTimeoutError);
        assert.equal(e.attempts, 3);
        assert.ok(Date.now() - t0 >= 300 && Date.now() - t0 < 5_000);
      } finally {
        await c.close();
      }
    });

    it("aborts a running call with the caller's AbortSignal, without retrying", async () => {
      const c = silentClient({ timeoutMs: 0 });
      try {
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 100);
        const t0 = Date.now();
        const e = await rejection(() => c.apiKeys.list({}, { signal: ac.signal }));
        assert.ok(e instanceof KeyplaneAbortError, `${e.name}: ${e.message}`);
        assert.equal(e.code, "ABORTED");
        assert.equal(e.attempts, 1);
        assert.ok(Date.now() - t0 < 2_000);
      } finally {
        await c.close();
      }
    });

    it("sends nothing when the signal is already aborted", async () => {
      const f = faultyAgent();
      const c = clientFor(srv, srv.admin, { dispatcher: f.dispatcher });
      try {
        const e = await rejection(() => c.apiKeys.list({}, { signal: AbortSignal.abort() }));
        assert.ok(e instanceof KeyplaneAbortError);
        assert.equal(f.seen.length, 0);
      } finally {
        await c.close();
        await f.close();
      }
    });

    it("aborts the wait between attempts", async () => {
      const mock = passThroughMock();
      mock
        .get(srv.url)
        .intercept({ path: LIST, method: "POST" })
        .reply(429, "later", { headers: { "retry-after": "30" } });
      const c = clientFor(srv, srv.admin, { dispatcher: mock });
      try {
        const t0 = Date.now();
        const e = await rejection(() => c.apiKeys.list({}, { signal: AbortSignal.timeout(150) }));
        assert.ok(e instanceof KeyplaneAbortError, `${e.name}: ${e.message}`);
        assert.ok(Date.now() - t0 < 5_000);
      } finally {
        await c.close();
        await mock.close();
      }
    });

    it("reports a refused connection as KeyplaneConnectError, after retrying a read", async () => {
      const port = await closedPort();
      const c = new KeyplaneClient({
        endpoint: `http://127.0.0.1:${port}`,
        apiKeyId: 3,
        apiKey: "C".repeat(64),
        retries: 2,
        retryBaseDelayMs: 5,
      });
      try {
        const e = await rejection(() => c.settings.get());
        assert.ok(e instanceof KeyplaneConnectError, `${e.name}: ${e.message}`);
        assert.equal(e.code, "CONNECT");
        assert.equal(e.systemCode, "ECONNREFUSED");
        assert.equal(e.attempts, 3);
        assertNoSecrets(e, ["C".repeat(64)]);
      } finally {
        await c.close();
      }
    });
  });

  describe("the client and its dispatcher", () => {
    it("sends the User-Agent, a request id per attempt, JSON bodies, and Standard auth", async () => {
      const f = faultyAgent((r, n) => n === 1);
      const c = clientFor(srv, srv.admin, { dispatcher: f.dispatcher, userAgent: "sdk-test/1.0" });
      try {
        await c.apiKeys.list();
        const [first, second] = f.seen;
        assert.match(first!.headers["user-agent"]!, /^sdk-test\/1\.0 keyplane-sdk\/\S+ node\/\S+$/);
        assert.match(first!.headers["x-request-id"]!, /^[0-9a-f-]{36}$/);
        assert.equal(second!.headers["x-request-id"], `${first!.headers["x-request-id"]}.2`);
        assert.equal(first!.headers["content-type"], "application/json");
        assert.equal(first!.headers["x-xdr-auth-id"], String(srv.admin.id));
        assert.equal(first!.headers.authorization, srv.admin.key);
        assert.equal(first!.headers["x-xdr-nonce"], undefined);
      } finally {
        await c.close();
        await f.close();
      }
    });

    it("keeps a path prefix of the endpoint and ignores a trailing slash", async () => {
      const c = clientFor(srv, srv.admin, { endpoint: `${srv.url}/` });
      try {
        assert.equal(c.endpoint, srv.url);
        assert.equal((await c.health()).status, "available");
      } finally {
        await c.close();
      }
      const prefixed = clientFor(srv, srv.admin, { endpoint: `${srv.url}/nested/`, retries: 0 });
      try {
        const e = await rejection(() => prefixed.health());
        assert.equal((e as KeyplaneApiError).requestPath, "/nested/public_api/v1/healthcheck");
      } finally {
        await prefixed.close();
      }
    });

    it("fails calls after close(), and leaves a caller's dispatcher open", async () => {
      const own = clientFor(srv);
      await own.close();
      await own.close();
      const e = await rejection(() => own.apiKeys.list());
      assert.ok(e instanceof KeyplaneConnectError);
      assert.match(e.message, /closed/);

      const mock = passThroughMock();
      const borrowed = clientFor(srv, srv.admin, { dispatcher: mock });
      await borrowed.close();
      const again = clientFor(srv, srv.admin, { dispatcher: mock });
      try {
        assert.ok(
          (await again.apiKeys.list()).totalCount >= 1,
          "the MockAgent still works after the first client closed",
        );
      } finally {
        await again.close();
        await mock.close();
      }
    });

    it("refuses bad options, without echoing the key", () => {
      const base = { endpoint: srv.url, apiKeyId: 1, apiKey: "K".repeat(64) };
      const bad: Array<[string, object]> = [
        ["endpoint", { endpoint: "ftp://x" }],
        ["endpoint", { endpoint: "not a url" }],
        ["apiKeyId", { apiKeyId: 0 }],
        ["apiKeyId", { apiKeyId: "abc" }],
        ["apiKey", { apiKey: "" }],
        ["securityLevel", { securityLevel: "strong" }],
        ["retries", { retries: -1 }],
        ["timeoutMs", { timeoutMs: Number.NaN }],
      ];
      for (const [arg, o] of bad) {
        assert.throws(
          () => new KeyplaneClient({ ...base, ...o } as never),
          (e: unknown) =>
            e instanceof InvalidArgumentError &&
            e.argument === arg &&
            !String(e).includes("K".repeat(64)),
          arg,
        );
      }
      const ok = new KeyplaneClient({
        ...base,
        apiKeyId: "12",
        securityLevel: "ADVANCED" as never,
      });
      assert.equal(ok.apiKeyId, 12);
      assert.equal(ok.securityLevel, "advanced");
      void ok.close();
    });
  });
});
