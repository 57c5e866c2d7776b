/**
 * API keys: delete, revoke, get and edit one key, and validate. Route tests run in process.
 */
import * as assert from "node:assert/strict";
import type { TestServer } from "../../helpers/server";
import {
  assertError,
  DAY,
  DELETE,
  HOUR,
  idIn,
  ok,
  rd,
  REVOKE,
  VALIDATE,
  type Caller,
  inProcessServer,
} from "../support";

describe("api keys: delete, revoke, get, edit", () => {
  let t: TestServer;
  let call: Caller;
  inProcessServer((server, caller) => ((t = server), (call = caller)));

  it("deletes by id and answers update_count with how many existed", async () => {
    const a = await t.createKey();
    const b = await t.createKey();
    const res = ok(await call("POST", DELETE, rd(idIn(a.id, b.id, 999_999, a.id)))).reply;
    assert.deepEqual(res, { update_count: 2 });
    assert.deepEqual(ok(await call("POST", DELETE, rd(idIn(a.id)))).reply, { update_count: 0 });
    assertError(
      "/platform/iam",
      await call("GET", `/platform/iam/v1/api-key/${a.id}`),
      404,
      "NOT_FOUND",
      `id=${a.id}`,
    );
    // Its role bindings went with it.
    const bindings = ok(
      await call(
        "GET",
        `/platform/iam/v1/role-binding?principal_type=api-key&principal_id=${a.id}`,
      ),
    ).data;
    assert.deepEqual(bindings, []);
  });

  it("revokes by id: the key stays listed as revoked and a second revoke counts 0", async () => {
    const a = await t.createKey();
    assert.deepEqual(ok(await call("POST", REVOKE, rd(idIn(a.id)))).reply, { update_count: 1 });
    assert.deepEqual(ok(await call("POST", REVOKE, rd(idIn(a.id)))).reply, { update_count: 0 });
    assert.equal(ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data.status, "revoked");
    assert.equal((await call("POST", VALIDATE, rd(), { as: a })).status, 401);
  });

  it("gets one key in the platform envelope with role display names", async () => {
    const a = await t.createKey({
      roles: ["investigator"],
      comment: "one",
      expiration: t.clock.now() + DAY,
    });
    const d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.equal(d.id, a.id);
    assert.deepEqual(d.roles, ["Investigator"]);
    assert.equal(d.comment, "one");
    assert.equal(d.expiration, t.clock.now() + DAY);
    assert.equal(d.security_level, "standard");
  });

  it("answers 404 in the platform envelope for a missing key and 400 for a bad id", async () => {
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/api-key/424242"),
      404,
      "NOT_FOUND",
      "api_key_id does not exist",
    );
    assertError(
      "/platform/iam",
      await call("GET", "/platform/iam/v1/api-key/abc"),
      400,
      "INVALID_INPUT",
      "api_key_id",
    );
    assertError(
      "/platform/iam",
      await call("PUT", "/platform/iam/v1/api-key/424242", rd({ comment: "x" })),
      404,
      "NOT_FOUND",
    );
  });

  it("edits roles, comment and expiration with PUT", async () => {
    const a = await t.createKey({ roles: ["Viewer"], comment: "before" });
    const exp = t.clock.now() + 3 * DAY;
    const res = ok(
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${a.id}`,
        rd({
          roles: ["investigator", "Privileged Responder"],
          comment: "after",
          expiration: exp,
          security_level: "standard",
        }),
      ),
    );
    assert.equal(res.data.message, "API key updated successfully");
    const d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.deepEqual(res.data.api_key, d, "the reply carries the edited row (extension)");
    assert.deepEqual(d.roles, ["Investigator", "Privileged Responder"]);
    assert.equal(d.comment, "after");
    assert.equal(d.expiration, exp);
    // The new roles are effective at once.
    const v = ok(
      await call(
        "POST",
        "/public_api/v1/auth/verify",
        rd({
          headers: { "x-xdr-auth-id": String(a.id), authorization: a.key },
          permission: { component: "response", level: "view_edit" },
        }),
      ),
    );
    assert.equal(v.reply.valid, true);
  });

  it("clears a comment and an expiration with null, and leaves what is not sent", async () => {
    const a = await t.createKey({
      roles: ["Viewer"],
      comment: "c",
      expiration: t.clock.now() + DAY,
    });
    ok(await call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ comment: null })));
    let d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.equal(d.comment, null);
    assert.equal(d.expiration, t.clock.now() + DAY);
    ok(await call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ expiration: null })));
    d = ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data;
    assert.equal(d.expiration, null);
    assert.deepEqual(d.roles, ["Viewer"]);
  });

  it("cannot change security_level", async () => {
    const a = await t.createKey({ level: "standard" });
    const res = await call(
      "PUT",
      `/platform/iam/v1/api-key/${a.id}`,
      rd({ roles: ["Viewer"], security_level: "advanced" }),
    );
    assertError(
      "/platform/iam",
      res,
      400,
      "INVALID_INPUT",
      "request_data.security_level",
      "cannot change",
    );
    assert.equal(
      ok(await call("GET", `/platform/iam/v1/api-key/${a.id}`)).data.security_level,
      "standard",
    );
  });

  it("refuses a past expiration on edit", async () => {
    const a = await t.createKey();
    assertError(
      "/platform/iam",
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${a.id}`,
        rd({ expiration: t.clock.now() - 1000 }),
      ),
      400,
      "PAST_EXPIRATION",
      "request_data.expiration",
    );
  });

  it("extends an expired key's life by editing its expiration", async () => {
    const a = await t.createKey({ expiration: t.clock.now() + HOUR });
    t.fake!.advance(HOUR);
    assert.equal((await call("POST", VALIDATE, rd(), { as: a })).status, 401);
    ok(
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${a.id}`,
        rd({ expiration: t.clock.now() + DAY }),
      ),
    );
    assert.equal((await call("POST", VALIDATE, rd(), { as: a })).status, 200);
  });

  it("refuses to edit a revoked key (409)", async () => {
    const a = await t.createKey();
    ok(await call("POST", REVOKE, rd(idIn(a.id))));
    assertError(
      "/platform/iam",
      await call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ comment: "x" })),
      409,
      "CONFLICT",
      "revoked",
    );
  });

  it("validate answers true for a working key of either level", async () => {
    for (const level of ["standard", "advanced"] as const) {
      const a = await t.createKey({ level });
      const res = await call("POST", VALIDATE, rd(), { as: a });
      assert.equal(res.text, '"true"');
      assert.equal(
        (await call("POST", `${VALIDATE}/`, undefined, { as: a })).text,
        '"true"',
        "trailing slash, no body (the Go SDK's form)",
      );
    }
  });
});
