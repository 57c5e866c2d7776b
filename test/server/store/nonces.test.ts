/**
 * The store contract, on both stores (see support.ts): Nonces (one use per key, also under
 * concurrency and over several batches) and failed authentication counts.
 */
import * as assert from "node:assert/strict";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { T0, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("nonces", () => {
      it("records a nonce once per key", async () => {
        assert.equal(await s.recordNonce(7, "abc", T0), true);
        assert.equal(await s.recordNonce(7, "abc", T0 + 1), false);
        assert.equal(await s.recordNonce(8, "abc", T0), true, "another key may use it");
      });

      it("lets exactly one of many concurrent uses of a nonce through", async () => {
        const results = await Promise.all(
          Array.from({ length: 12 }, () => s.recordNonce(9, "race", T0)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });

      it("answers each of many concurrent nonces (over several batches) for itself", async () => {
        const uses = Array.from({ length: 150 }, (_, i) => ({ key: 20 + (i % 3), nonce: `c${i}` }));
        assert.ok(
          (await Promise.all(uses.map((u) => s.recordNonce(u.key, u.nonce, T0)))).every(Boolean),
          "all new",
        );
        // Replays of a few, mixed with new ones, in one turn: only the new ones pass.
        const mixed = await Promise.all([
          s.recordNonce(20, "c0", T0),
          s.recordNonce(20, "fresh", T0),
          s.recordNonce(22, "c149", T0),
          s.recordNonce(21, "c149", T0),
        ]);
        assert.deepEqual(mixed, [false, true, false, true]);
      });

      it("purges nonces seen before a time", async () => {
        await s.recordNonce(7, "old", T0);
        await s.recordNonce(7, "new", T0 + 10);
        assert.equal(await s.purgeNonces(T0 + 5), 1);
        assert.equal(await s.recordNonce(7, "old", T0 + 20), true);
        assert.equal(await s.recordNonce(7, "new", T0 + 20), false);
      });
    });

    describe("failed authentication counts", () => {
      const W = 60_000;
      it("adds up failures per subject from its first one, also when they race, and starts over after the window", async () => {
        assert.deepEqual(await s.countAuthFailure("keyId:7", T0, W), { start: T0, n: 1 });
        assert.deepEqual(
          await s.countAuthFailure("keyId:7", T0 + W - 1, W),
          { start: T0, n: 2 },
          "the window is the first failure's",
        );
        assert.deepEqual(
          await s.countAuthFailure("keyId:8", T0 + 5, W),
          { start: T0 + 5, n: 1 },
          "another subject has its own",
        );
        assert.deepEqual(
          await s.countAuthFailure("keyId:7", T0 + W, W),
          { start: T0 + W, n: 1 },
          "a new window starts at one",
        );
        const totals = await Promise.all(
          Array.from({ length: 10 }, () => s.countAuthFailure("address:10.0.0.1", T0, W)),
        );
        assert.deepEqual(
          totals.map((x) => x.n).sort((x, y) => x - y),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
      });

      it("purges the windows that are over", async () => {
        await s.countAuthFailure("keyId:9", T0, W);
        await s.countAuthFailure("keyId:10", T0 + W, W);
        assert.equal(await s.purgeAuthFailures(T0 + W), 1);
        assert.deepEqual(
          await s.countAuthFailure("keyId:10", T0 + W + 1, W),
          { start: T0 + W, n: 2 },
          "the current one is kept",
        );
      });
    });
  });
}
