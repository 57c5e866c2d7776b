/**
 * The store contract, on both stores (see support.ts): Settings (defaults, partial updates kept
 * across a reopen) and leases.
 */
import * as assert from "node:assert/strict";
import { openStore } from "../../../server/start";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { T0, type FreshDatabase, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    let db: FreshDatabase;
    freshStoreEachCase(kind, (store, database) => ((s = store), (db = database)));

    describe("settings", () => {
      it("starts at the defaults and keeps partial updates across a reopen", async () => {
        const d = await s.getSettings();
        assert.equal(d.sbac_enabled, false);
        assert.equal(d.replay_window_ms, 300_000);
        const after = await s.updateSettings({
          sbac_enabled: true,
          notification_webhook: "http://127.0.0.1:1/x",
        });
        assert.equal(after.sbac_enabled, true);
        assert.equal(after.replay_window_ms, 300_000);
        await s.updateSettings({ notification_webhook: null });
        const reopened = await openStore(db.url, T0);
        try {
          const again = await reopened.getSettings();
          assert.equal(again.sbac_enabled, true);
          assert.equal(again.notification_webhook, null);
        } finally {
          await reopened.close();
        }
      });
    });

    describe("leases", () => {
      it("is held by one holder until it expires or is released; the holder renews", async () => {
        assert.equal(await s.acquireLease("job", "A", T0, 1000), true);
        assert.equal(await s.acquireLease("job", "B", T0 + 500, 1000), false);
        assert.equal(
          await s.acquireLease("job", "A", T0 + 900, 1000),
          true,
          "renewed until T0 + 1900",
        );
        assert.equal(await s.acquireLease("job", "B", T0 + 1500, 1000), false);
        assert.equal(
          await s.acquireLease("job", "B", T0 + 1901, 1000),
          true,
          "expired: taken over",
        );
        assert.equal(await s.acquireLease("job", "A", T0 + 1902, 1000), false);
        await s.releaseLease("job", "A");
        assert.equal(
          await s.acquireLease("job", "A", T0 + 1903, 1000),
          false,
          "only the holder releases",
        );
        await s.releaseLease("job", "B");
        assert.equal(await s.acquireLease("job", "A", T0 + 1904, 1000), true);
        assert.equal(await s.acquireLease("other", "B", T0, 1000), true, "leases are per name");
      });

      it("grants a free lease to exactly one of many concurrent claimants", async () => {
        const got = await Promise.all(
          ["A", "B", "C", "D", "E"].map((h) => s.acquireLease("race", h, T0, 1000)),
        );
        assert.equal(got.filter(Boolean).length, 1);
      });
    });
  });
}
