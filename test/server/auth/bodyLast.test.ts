/**
 * Credentials before the body: a caller without a valid key or the route's permission is refused
 * from the headers, before its body is read; handlers get a principal without key material.
 */
import * as assert from "node:assert/strict";
import { randomAlnum } from "../../../sdk/contract";
import { generateKeyValue } from "../../../server/crypto/keyFormat";
import { randomBytes } from "node:crypto";
import { startTestServer, type TestServer } from "../../helpers/server";
import { assertError, signed } from "../support";

describe("credentials before the body", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  // 2 MB: over the 1 MB limit, so a server that read the body first would answer 413.
  const big = JSON.stringify({
    request_data: {
      security_level: "standard",
      roles: ["Viewer"],
      comment: "x".repeat(2 * 1024 * 1024),
    },
  });

  it("refuses a caller without a valid key (401) before reading, parsing or sizing its body", async () => {
    for (const body of [big, "{not json"]) {
      const res = await t.call("POST", "/public_api/v1/api_keys/generate", body, { as: null });
      assertError("/public_api", res, 401, "UNAUTHORIZED");
      const wrong = await t.call("POST", "/platform/iam/v1/role", body, {
        as: { ...t.admin, key: generateKeyValue(randomBytes) },
      });
      assertError("/platform/iam", wrong, 401, "UNAUTHORIZED");
    }
  });

  it("refuses a key without the route's permission (403) before reading its body", async () => {
    const viewer = await t.createKey({ roles: ["Viewer"] });
    const res = await t.call("POST", "/public_api/v1/api_keys/generate", big, { as: viewer });
    assertError("/public_api", res, 403, "FORBIDDEN");
  });

  it("still sizes and parses the body of an authorized caller", async () => {
    assertError(
      "/public_api",
      await t.call("POST", "/public_api/v1/api_keys/generate", big),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    assertError(
      "/public_api",
      await t.call("POST", "/public_api/v1/api_keys/generate", "{not json"),
      400,
      "INVALID_JSON",
    );
  });

  it("hands handlers and verify a principal without key material", async () => {
    const adv = await t.createKey({ roles: ["Viewer"], level: "advanced" });
    const nonce = randomAlnum(64);
    const ts = String(Date.now());
    const out = await t.running.app.services.authenticator.authenticate(
      (n) => signed(adv, ts, nonce)[n],
      "127.0.0.1",
    );
    assert.ok(out.ok, "the Advanced key authenticates");
    const p = out.principal as unknown as Record<string, unknown>;
    assert.equal(p.keyId, adv.id);
    assert.ok(
      !("secret" in p) && !("secretHash" in p) && !("pepperChain" in p),
      `no key material: ${Object.keys(p).join(", ")}`,
    );
    assert.ok(
      !JSON.stringify(p).includes(adv.key),
      "the key is not in what a log line of the principal would show",
    );
    assert.ok(Object.isFrozen(p));
  });
});
