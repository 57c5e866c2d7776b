/**
 * Audit log growth: failed authentications are aggregated per source, key id and reason per
 * minute, and entries expire after `audit_retention_days`.
 */
import * as assert from "node:assert/strict";
import type { TestServer } from "../../helpers/server";
import { assertError, auditEntries, ok, raw, rd, type Caller, inProcessServer } from "../support";

describe("audit log growth: failed authentications aggregated, entries expire", () => {
  let t: TestServer;
  let call: Caller;
  inProcessServer((server, caller) => ((t = server), (call = caller)));

  const authRows = async (since: number) =>
    auditEntries(call, [
      { field: "type", operator: "in", value: ["AUTH"] },
      { field: "timestamp", operator: "gte", value: since },
    ]);

  it("writes one entry per source, key id and reason per minute, counting the rest into the next", async () => {
    const since = t.clock.now();
    const bad = raw({ id: 777, key: "kp" + "B".repeat(126) });
    for (let i = 0; i < 50; i++)
      assert.equal(
        (await call("POST", "/public_api/v1/api_keys/validate", rd(), { as: null, headers: bad }))
          .status,
        401,
      );
    assert.equal((await authRows(since)).length, 1, "50 failures in a minute: one entry");
    t.fake!.advance(60_000);
    assert.equal(
      (await call("POST", "/public_api/v1/api_keys/validate", rd(), { as: null, headers: bad }))
        .status,
      401,
    );
    const rows = await authRows(since);
    assert.equal(rows.length, 2);
    assert.equal(
      rows[0].AUDIT_ADDITIONAL_INFORMATION.repeated,
      49,
      "the next entry counts the 49 not written",
    );
  });

  it("deletes entries older than audit_retention_days (default 365) when the scheduler runs", async () => {
    assert.equal(ok(await call("GET", "/platform/iam/v1/settings")).data.audit_retention_days, 365);
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ audit_retention_days: 30 })));
    const old = t.clock.now();
    t.fake!.advance(31 * 86_400_000);
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ tenant_fqdn: null })));
    await t.running.app.services.scheduler.tick();
    const rows = await auditEntries(call, [{ field: "timestamp", operator: "lte", value: old }]);
    assert.deepEqual(rows, [], "entries from before the retention period are gone");
    assert.ok((await auditEntries(call)).length >= 1, "recent entries stay");
    assertError(
      "/platform/iam",
      await call("PUT", "/platform/iam/v1/settings", rd({ audit_retention_days: 0 })),
      400,
      "INVALID_INPUT",
      "request_data.audit_retention_days",
    );
  });
});
