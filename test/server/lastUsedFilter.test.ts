/**
 * `get_api_keys` filters on `last_used` (the console's "unused for"): `lte T` is "unused since T"
 * and includes keys never used; `gte T` is "used since T". On both databases, with uses that this
 * replica has not written yet (the list writes them first).
 */
import * as assert from "node:assert/strict";
import { DB_KINDS, startTestServer, type TestServer } from "../helpers/server";

const LIST = "/public_api/v1/api_keys/get_api_keys";
const HOUR = 3_600_000;

for (const db of DB_KINDS) {
  describe(`get_api_keys: last_used filter (${db})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ db, fakeClock: true });
    });
    after(async () => t?.close());

    const ids = async (filters: unknown[]) =>
      (
        (await t.call("POST", LIST, { request_data: { filters } })).body.reply.DATA as Array<{
          id: number;
        }>
      )
        .map((k) => k.id)
        .sort((a, b) => a - b);

    it("tells keys unused since a time (never used included) from keys used since", async () => {
      const old = await t.createKey({ comment: "used long ago" });
      const never = await t.createKey({ comment: "never used" });
      const fresh = await t.createKey({ comment: "used just now" });
      assert.equal(
        (await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: old })).status,
        200,
      );
      t.fake!.advance(48 * HOUR);
      assert.equal(
        (await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: fresh })).status,
        200,
      );
      const cut = t.clock.now() - 24 * HOUR;
      const unused = await ids([
        { field: "last_used", operator: "lte", value: cut },
        { field: "id", operator: "in", value: [old.id, never.id, fresh.id] },
      ]);
      assert.deepEqual(unused, [old.id, never.id]);
      const used = await ids([
        { field: "last_used", operator: "gte", value: cut },
        { field: "id", operator: "in", value: [old.id, never.id, fresh.id] },
      ]);
      assert.deepEqual(used, [fresh.id]);
    });

    it("names the operator when it is wrong", async () => {
      const r = await t.call("POST", LIST, {
        request_data: { filters: [{ field: "last_used", operator: "eq", value: 1 }] },
      });
      assert.equal(r.status, 400);
      assert.match(
        r.body.reply.err_msg,
        /request_data\.filters\.0\.operator: operator for `last_used` must be `gte` or `lte`/,
      );
    });
  });
}
