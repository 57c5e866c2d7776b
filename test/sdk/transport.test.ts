/**
 * The transport against the real server with faults injected in front of it: retries (429 with
 * Retry-After, 502/503/504, transport errors), which calls are never retried, close(), and the
 * request headers. (Lost generate replies: idempotentRetry.test.ts; timeouts, aborts and
 * connection errors: timeouts.test.ts.)
 */
import * as assert from "node:assert/strict";
import { errors } from "undici";
import {
  contract,
  InvalidArgumentError,
  KeyplaneApiError,
  KeyplaneClient,
  KeyplaneConnectError,
  RateLimitError,
  RETRY_POLICY,
} from "../../sdk";
import { startTestServer, type TestServer } from "../helpers/server";
import { clientFor, faultyAgent, GENERATE, LIST, passThroughMock, rejection } from "./support";

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
