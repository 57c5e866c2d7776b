/** The request log: one line per request, naming its request id once (Fastify's request logger carries it). */
import * as assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../helpers/server";

describe("the request log", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it("writes one line per request with its request id once, and never the key", async () => {
    const tag = "log-line-check-1";
    const res = await t.call(
      "POST",
      "/public_api/v1/api_keys/validate",
      {},
      {
        headers: { "x-request-id": tag },
      },
    );
    assert.equal(res.status, 200);
    const lines = t.logs.filter((l) => l.includes('"msg":"request"') && l.includes(tag));
    assert.equal(lines.length, 1, lines.join("\n"));
    const line = lines[0]!;
    assert.equal(line.split('"reqId":').length - 1, 1, `reqId once: ${line}`);
    const o = JSON.parse(line) as Record<string, unknown>;
    assert.equal(o.reqId, tag);
    assert.equal(o.key, t.admin.id);
    assert.equal(o.status, 200);
    assert.ok(!line.includes(t.admin.key), "no key value in the log");
  });
});
