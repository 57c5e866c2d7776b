/**
 * API keys: generate (roles by name and id, the key shown once, Idempotency-Key).
 */
import * as assert from "node:assert/strict";
import type { TestServer } from "../../helpers/server";
import {
  assertError,
  DAY,
  GENERATE,
  HOUR,
  idIn,
  LIST,
  ok,
  rd,
  type Caller,
  inProcessServer,
} from "../support";

/**
 * The part of a generate reply that a replay answers with: the id and the key, as stored. The
 * new row (`api_key`, an extension) is left out of a replay, which says so by lacking it.
 */
const storedPart = (r: { id: number; key: string }) => ({ id: r.id, key: r.key });

describe("api keys: generate", () => {
  let t: TestServer;
  let call: Caller;
  inProcessServer((server, caller) => ((t = server), (call = caller)));

  for (const c of [
    { name: "by display name", roles: ["Viewer"], expect: ["Viewer"] },
    {
      name: "by display name in another case",
      roles: ["security admin"],
      expect: ["Security Admin"],
    },
    { name: "by role id", roles: ["privileged_responder"], expect: ["Privileged Responder"] },
    {
      name: "mixing names and ids, deduplicated",
      roles: ["investigator", "Viewer", "Investigator"],
      expect: ["Investigator", "Viewer"],
    },
  ]) {
    it(`takes roles ${c.name}`, async () => {
      const res = ok(
        await call("POST", GENERATE, rd({ roles: c.roles, security_level: "standard" })),
      ).reply;
      const k = ok(await call("GET", `/platform/iam/v1/api-key/${res.id}`)).data;
      assert.deepEqual([...k.roles].sort(), c.expect);
    });
  }

  for (const level of ["standard", "advanced", "ADVANCED"]) {
    it(`mints a ${level} key of at least 64 alphanumeric characters, returned once`, async () => {
      const r = ok(
        await call(
          "POST",
          GENERATE,
          rd({ roles: ["Viewer"], security_level: level, comment: "ci" }),
        ),
      ).reply;
      assert.equal(typeof r.id, "number");
      assert.match(r.key, /^[A-Za-z0-9]{64,}$/);
      const listed = ok(await call("POST", LIST, rd(idIn(r.id)))).reply.DATA[0];
      assert.equal(listed.security_level, level.toLowerCase());
      assert.ok(!JSON.stringify(listed).includes(r.key), "list never shows the key");
      assert.ok(
        !JSON.stringify(ok(await call("GET", `/platform/iam/v1/api-key/${r.id}`))).includes(r.key),
        "get never shows the key",
      );
    });
  }

  it("mints different keys every time", async () => {
    const a = await t.createKey();
    const b = await t.createKey();
    assert.notEqual(a.key, b.key);
    assert.notEqual(a.id, b.id);
  });

  it("records created_by, creation_time and a null expiration by default", async () => {
    const r = ok(
      await call("POST", GENERATE, rd({ roles: ["Viewer"], security_level: "standard" })),
    ).reply;
    const k = ok(await call("GET", `/platform/iam/v1/api-key/${r.id}`)).data;
    assert.equal(k.created_by, `Public API - ${t.admin.id}`);
    assert.equal(k.creation_time, t.clock.now());
    assert.equal(k.expiration, null);
    assert.equal(k.status, "active");
  });

  it("refuses a past expiration with a 400 naming the field", async () => {
    const res = await call(
      "POST",
      GENERATE,
      rd({ roles: ["Viewer"], security_level: "standard", expiration: t.clock.now() - 1 }),
    );
    assertError(
      GENERATE,
      res,
      400,
      "PAST_EXPIRATION",
      "request_data.expiration",
      "not in the future",
    );
    const now = await call(
      "POST",
      GENERATE,
      rd({ roles: ["Viewer"], security_level: "standard", expiration: t.clock.now() }),
    );
    assertError(GENERATE, now, 400, "PAST_EXPIRATION");
  });

  describe("Idempotency-Key", () => {
    const body = rd({ roles: ["Viewer"], security_level: "standard", comment: "idem" });

    it("answers the same header and body within 24 h with the same reply", async () => {
      const h = { "idempotency-key": "deploy-42" };
      const first = await call("POST", GENERATE, body, { headers: h });
      const firstReply = ok(first).reply;
      t.fake!.advance(23 * HOUR);
      const again = await call("POST", GENERATE, body, { headers: h });
      assert.deepEqual(ok(again).reply, storedPart(firstReply));
      assert.equal(firstReply.api_key.id, firstReply.id, "the first reply carries the new row");
      assert.equal(again.headers["idempotent-replayed"], "true");
      const count = ok(
        await call(
          "POST",
          LIST,
          rd({ filters: [{ field: "comment", operator: "contains", value: "idem" }] }),
        ),
      ).reply.FILTER_COUNT;
      assert.equal(count, 1, "no second key was minted");
    });

    it("treats the same body spelled in another key order as the same request", async () => {
      const h = { "idempotency-key": "order-1" };
      const a = ok(
        await call(
          "POST",
          GENERATE,
          rd({ security_level: "standard", roles: ["Viewer"], comment: "order" }),
          { headers: h },
        ),
      ).reply;
      const b = ok(
        await call(
          "POST",
          GENERATE,
          rd({ comment: "order", roles: ["Viewer"], security_level: "standard" }),
          { headers: h },
        ),
      ).reply;
      assert.deepEqual(storedPart(a), b);
    });

    it("refuses the same header with a different body: 409", async () => {
      const h = { "idempotency-key": "deploy-43" };
      ok(await call("POST", GENERATE, body, { headers: h }));
      const res = await call(
        "POST",
        GENERATE,
        rd({ roles: ["Viewer"], security_level: "advanced", comment: "idem" }),
        { headers: h },
      );
      assertError(GENERATE, res, 409, "IDEMPOTENCY_CONFLICT", "Idempotency-Key");
    });

    it("mints a new key when the first use is older than 24 h", async () => {
      const h = { "idempotency-key": "deploy-44" };
      const first = ok(await call("POST", GENERATE, body, { headers: h })).reply;
      t.fake!.advance(DAY + 1);
      const second = await call("POST", GENERATE, body, { headers: h });
      assert.notEqual(ok(second).reply.id, first.id);
      assert.equal(second.headers["idempotent-replayed"], undefined);
      // And the new one is what the header now answers.
      assert.deepEqual(
        ok(await call("POST", GENERATE, body, { headers: h })).reply,
        storedPart(ok(second).reply),
      );
    });

    it("keeps each caller's Idempotency-Keys apart", async () => {
      const other = await t.createKey({ roles: ["Security Admin"] });
      const h = { "idempotency-key": "shared-name" };
      const mine = ok(await call("POST", GENERATE, body, { headers: h })).reply;
      const theirs = ok(await call("POST", GENERATE, body, { headers: h, as: other })).reply;
      assert.notEqual(mine.id, theirs.id);
    });

    it("answers concurrent twins with one key", async () => {
      const h = { "idempotency-key": "twins" };
      const [a, b] = await Promise.all([
        call("POST", GENERATE, body, { headers: h }),
        call("POST", GENERATE, body, { headers: h }),
      ]);
      assert.deepEqual(storedPart(ok(a).reply), storedPart(ok(b).reply));
      assert.equal(
        [ok(a).reply, ok(b).reply].filter((r) => r.api_key).length,
        1,
        "the twin that minted the key sends its row, the replayed one does not",
      );
    });

    it("refuses a malformed Idempotency-Key", async () => {
      const res = await call("POST", GENERATE, body, {
        headers: { "idempotency-key": "x".repeat(300) },
      });
      assertError(GENERATE, res, 400, "INVALID_INPUT", "Idempotency-Key");
    });
  });
});
