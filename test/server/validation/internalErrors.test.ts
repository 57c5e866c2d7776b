/**
 * Internal errors: a 500 in the family envelope without internals, logged with the request id.
 */
import * as assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../../helpers/server";
import { assertError, rd } from "../support";

describe("internal errors", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it("answers 500 in the family envelope without internals, and logs the error with the request id", async () => {
    const store = t.running.store as unknown as { listUsers: () => Promise<never> };
    const original = store.listUsers;
    store.listUsers = async () => {
      throw new Error("boom: connection to db-7.internal refused");
    };
    try {
      for (const [method, path] of [
        ["GET", "/platform/iam/v1/user"],
        ["POST", "/public_api/v1/rbac/get_users"],
      ] as const) {
        const res = await t.call(method, path, method === "POST" ? rd() : undefined);
        const e = assertError(path, res, 500, "INTERNAL");
        assert.ok(!res.text.includes("boom") && !res.text.includes("db-7"), res.text);
        assert.equal(e.extra[0].request_id, res.headers["x-request-id"]);
        assert.equal(e.extra[0].type, "INTERNAL");
        const line = t.logs.find(
          (l) => l.includes('"internal error"') && l.includes(res.headers["x-request-id"]!),
        );
        assert.ok(line, "the error is logged with its request id");
        assert.ok(line.includes("boom"), "the log has the detail the reply does not");
      }
    } finally {
      store.listUsers = original;
    }
  });
});
