/**
 * The transport's timeouts, the caller's AbortSignal (during an attempt and between attempts),
 * and connection errors.
 */
import * as assert from "node:assert/strict";
import {
  KeyplaneAbortError,
  KeyplaneClient,
  KeyplaneConnectError,
  KeyplaneTimeoutError,
} from "../../sdk";
import { startTestServer, type TestServer } from "../helpers/server";
import {
  assertNoSecrets,
  clientFor,
  closedPort,
  faultyAgent,
  LIST,
  passThroughMock,
  rejection,
  silentServer,
} from "./support";

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
});
