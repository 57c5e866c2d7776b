/**
 * The store contract, on both stores (see support.ts): Notifications: once per (key, lead,
 * expiration), filters, read state and webhook delivery.
 */
import * as assert from "node:assert/strict";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { DAY, T0, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("notifications", () => {
      const notice = (keyId: number, lead: "7d" | "1d", expiration: number, createdTs = T0) => ({
        keyId,
        lead,
        expiration,
        title: "API Key Expiration",
        message: "m",
        createdTs,
        webhookStatus: "pending" as const,
        webhookNextAt: createdTs,
      });

      it("inserts a notice once per (key, lead, expiration)", async () => {
        const first = await s.insertNotification(notice(1, "7d", T0 + 7 * DAY));
        assert.ok(first);
        assert.equal(first.read, false);
        assert.equal(first.webhookAttempts, 0);
        assert.equal(await s.insertNotification(notice(1, "7d", T0 + 7 * DAY, T0 + 5)), undefined);
        assert.ok(await s.insertNotification(notice(1, "1d", T0 + 7 * DAY)));
        assert.ok(
          await s.insertNotification(notice(1, "7d", T0 + 8 * DAY)),
          "a new expiration is a new notice",
        );
        const results = await Promise.all(
          Array.from({ length: 8 }, () => s.insertNotification(notice(2, "1d", T0 + DAY))),
        );
        assert.equal(results.filter(Boolean).length, 1, "concurrent inserts make one notice");
      });

      it("lists with unread and key filters, newest first, and marks read", async () => {
        const a = (await s.insertNotification(notice(1, "7d", T0 + 7 * DAY, T0)))!;
        const b = (await s.insertNotification(notice(2, "7d", T0 + 7 * DAY, T0 + 1)))!;
        assert.deepEqual(
          (await s.listNotifications({}, 0, 10)).rows.map((n) => n.id),
          [b.id, a.id],
        );
        assert.equal((await s.setNotificationRead(a.id, true))!.read, true);
        assert.deepEqual(
          (await s.listNotifications({ unread: true }, 0, 10)).rows.map((n) => n.id),
          [b.id],
        );
        assert.deepEqual(
          (await s.listNotifications({ unread: false }, 0, 10)).rows.map((n) => n.id),
          [a.id],
        );
        assert.deepEqual(
          (await s.listNotifications({ keyId: 2 }, 0, 10)).rows.map((n) => n.id),
          [b.id],
        );
        const page = await s.listNotifications({}, 1, 1);
        assert.deepEqual(
          page.rows.map((n) => n.id),
          [a.id],
        );
        assert.equal(page.total, 2);
        assert.equal(await s.setNotificationRead(9999, true), undefined);
      });

      it("tracks webhook delivery: due, attempts, backoff, final states", async () => {
        const a = (await s.insertNotification(notice(1, "1d", T0 + DAY)))!;
        const b = (await s.insertNotification({
          ...notice(2, "1d", T0 + DAY),
          webhookStatus: "none",
          webhookNextAt: null,
        }))!;
        assert.deepEqual(
          (await s.dueWebhooks(T0)).map((n) => n.id),
          [a.id],
        );
        await s.recordWebhookAttempt(a.id, {
          status: "pending",
          nextAt: T0 + 5000,
          error: "HTTP 503",
        });
        assert.deepEqual(await s.dueWebhooks(T0 + 4999), []);
        const due = await s.dueWebhooks(T0 + 5000);
        assert.equal(due[0]!.webhookAttempts, 1);
        assert.equal(due[0]!.webhookLastError, "HTTP 503");
        await s.recordWebhookAttempt(a.id, { status: "delivered", nextAt: null, error: null });
        assert.deepEqual(await s.dueWebhooks(T0 + DAY), []);
        assert.equal(
          (await s.listNotifications({ keyId: 1 }, 0, 1)).rows[0]!.webhookStatus,
          "delivered",
        );
        assert.equal((await s.listNotifications({ keyId: 2 }, 0, 1)).rows[0]!.id, b.id);
      });
    });
  });
}
