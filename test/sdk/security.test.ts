/**
 * Both security levels, and credential hygiene: an Advanced client signs every attempt (fresh
 * 64-character nonce, millisecond timestamp) and works across the call groups, also after a retry;
 * the key never shows in the client's enumerable properties, `JSON.stringify` or `util.inspect`.
 */
import * as assert from "node:assert/strict";
import * as util from "node:util";
import { contract, KeyplaneClient } from "../../sdk";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { assertNoSecrets, clientFor, faultyAgent, passThroughMock, rejection } from "./support";

describe("sdk security levels and credential hygiene", function () {
  this.timeout(60_000);
  let srv: TestServer;
  let adv: Credential;

  before(async () => {
    srv = await startTestServer();
    adv = await srv.createKey({ roles: ["Instance Administrator"], level: "advanced" });
  });
  after(async () => {
    await srv?.close();
  });

  it("an Advanced client signs each request with a fresh nonce and a millisecond timestamp", async () => {
    const f = faultyAgent();
    const c = clientFor(srv, adv, { dispatcher: f.dispatcher });
    try {
      const t0 = Date.now();
      assert.equal(await c.apiKeys.validate(), true);
      await c.settings.get();
      await c.roles.list();
      const mine = await c.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "advanced",
        comment: "made by an advanced key",
      });
      assert.equal((await c.apiKeys.get(mine.id)).created_by, `Public API - ${adv.id}`);
      await c.scopes.listDefinitions();
      await c.audit.list({ searchTo: 1 });

      const nonces = new Set<string>();
      for (const r of f.seen) {
        const h = r.headers;
        assert.equal(h["x-xdr-auth-id"], String(adv.id));
        assert.match(h["x-xdr-nonce"]!, /^[A-Za-z0-9]{64}$/);
        assert.match(h["x-xdr-timestamp"]!, /^\d{13}$/);
        const ts = Number(h["x-xdr-timestamp"]);
        assert.ok(ts >= t0 - 5 && ts <= Date.now() + 5, "the timestamp is now, in ms");
        assert.equal(
          h.authorization,
          contract.advancedSignature(adv.key, h["x-xdr-nonce"]!, h["x-xdr-timestamp"]!),
        );
        assert.notEqual(h.authorization, adv.key, "the key itself never travels");
        nonces.add(h["x-xdr-nonce"]!);
      }
      assert.equal(nonces.size, f.seen.length, "no nonce is used twice");
    } finally {
      await c.close();
      await f.close();
    }
  });

  it("an Advanced client re-signs a retried attempt (a 503, then a lost reply) and succeeds", async () => {
    // The lost reply reached the server, which consumed its nonce: only a fresh one gets through.
    const f = faultyAgent((r, n) => n === 1);
    const c = clientFor(srv, adv, { dispatcher: f.dispatcher });
    try {
      const page = await c.apiKeys.list();
      assert.ok(page.totalCount >= 2);
      assert.equal(f.seen.length, 2);
      assert.notEqual(f.seen[0]!.headers["x-xdr-nonce"], f.seen[1]!.headers["x-xdr-nonce"]);
    } finally {
      await c.close();
      await f.close();
    }

    const mock = passThroughMock();
    mock
      .get(srv.url)
      .intercept({ path: "/platform/iam/v1/settings", method: "GET" })
      .reply(503, "busy");
    const m = clientFor(srv, adv, { dispatcher: mock });
    try {
      assert.equal(typeof (await m.settings.get()).replay_window_ms, "number");
    } finally {
      await m.close();
      await mock.close();
    }
  });

  it("a Standard client sends the key as Authorization, with no nonce", async () => {
    const std = await srv.createKey({ roles: ["Security Admin"] });
    const f = faultyAgent();
    const c = clientFor(srv, std, { dispatcher: f.dispatcher });
    try {
      assert.equal(c.securityLevel, "standard");
      assert.equal(await c.apiKeys.validate(), true);
      assert.equal(f.seen[0]!.headers.authorization, std.key);
      assert.equal(f.seen[0]!.headers["x-xdr-nonce"], undefined);
      assert.equal(f.seen[0]!.headers["x-xdr-timestamp"], undefined);
    } finally {
      await c.close();
      await f.close();
    }
  });

  it("securityLevel defaults to standard: an Advanced key used that way is refused", async () => {
    const c = new KeyplaneClient({
      endpoint: srv.url,
      apiKeyId: adv.id,
      apiKey: adv.key,
      retries: 0,
    });
    try {
      assert.equal(c.securityLevel, "standard");
      const e = await rejection(() => c.apiKeys.validate());
      assert.equal((e as { status?: number }).status, 401);
      assertNoSecrets(e, [adv.key]);
    } finally {
      await c.close();
    }
  });

  for (const level of ["standard", "advanced"] as const) {
    it(`never shows the key of a client at level ${level} in its properties, JSON or inspection`, async () => {
      const cred = level === "advanced" ? adv : srv.admin;
      const c = clientFor(srv, cred);
      try {
        await c.apiKeys.validate();
        const renderings = [
          JSON.stringify(c),
          util.inspect(c, { depth: 20, showHidden: true, getters: true }),
          util.inspect(c.apiKeys, { depth: 20, showHidden: true }),
          util.inspect(Object.getOwnPropertyDescriptors(c), { depth: 20, showHidden: true }),
          JSON.stringify(Object.keys(c)),
          String(c),
          `${JSON.stringify({ ...c })}`,
        ];
        const forIn: string[] = [];
        for (const k in c)
          forIn.push(
            util.inspect((c as unknown as Record<string, unknown>)[k], {
              depth: 20,
              showHidden: true,
            }),
          );
        renderings.push(...forIn);
        for (const r of renderings)
          assert.ok(!r.includes(cred.key), `the key shows in: ${r.slice(0, 120)}`);
        assert.deepEqual(JSON.parse(JSON.stringify(c)), {
          endpoint: srv.url,
          apiKeyId: cred.id,
          securityLevel: level,
        });
        assert.ok(!Object.values(c).some((v) => v === cred.key));
      } finally {
        await c.close();
      }
    });
  }
});
