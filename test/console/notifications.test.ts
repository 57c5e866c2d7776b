/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. Notification Center: the API Key Expiration and API Key Unused notices, each with a link to
 * its key's row.
 */
import { strict as assert } from "node:assert";
import { screenshot } from "../helpers/browser";
import { DAY, filterKeys, useConsole } from "./support";
import type { Credential } from "../helpers/server";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("the table and its filters", () => {
    let alpha: Credential;
    before(async () => ({ alpha } = await filterKeys(cx.t)));

    it("Notification Center shows the API Key Expiration notices with a link to the key's row", async () => {
      await cx.t.running.app.services.scheduler.tick();
      await cx.signIn(cx.t.admin);
      await cx.page.getByRole("link", { name: "Notification Center" }).click();
      const item = cx.page.locator("li[data-notification]", { hasText: `key ${alpha.id}` }).first();
      await item.waitFor();
      assert.match(await item.innerText(), /API Key Expiration/);
      assert.match(await item.innerText(), /Expiration, one (week|day) ahead/);
      assert.doesNotMatch(await item.innerText(), /Unused/);
      await item.getByRole("link", { name: `Show key ${alpha.id}` }).click();
      await cx.row(alpha.id).waitFor();
      assert.deepEqual(await cx.shown(), [alpha.id]);
    });

    it("Notification Center shows an API Key Unused notice as its own kind, with its message and a link to the key's row", async () => {
      const idle = await cx.t.createKey({ roles: ["Viewer"], comment: "idle-in-console" });
      await cx.t.call("PUT", "/platform/iam/v1/settings", {
        request_data: { unused_key_notice_days: 2 },
      });
      // Three days on, the key has not been used for longer than the setting: the tick posts the notice.
      cx.clock.advance(3 * DAY);
      try {
        await cx.t.running.app.services.scheduler.tick();
      } finally {
        cx.clock.advance(-3 * DAY);
        await cx.t.call("PUT", "/platform/iam/v1/settings", {
          request_data: { unused_key_notice_days: null },
        });
      }
      const listed = (
        await cx.t.call("GET", `/platform/notifications/v1/notifications?key_id=${idle.id}`)
      ).body.data as Array<{ lead: string; message: string }>;
      const notice = listed.find((n) => n.lead === "unused");
      assert.ok(notice, `an unused notice for key ${idle.id}: ${JSON.stringify(listed)}`);
      await cx.signIn(cx.t.admin);
      await cx.page.getByRole("link", { name: "Notification Center" }).click();
      const item = cx.page.locator(
        `li[data-notification][data-lead="unused"][data-key-id="${idle.id}"]`,
      );
      await item.waitFor();
      const text = await item.innerText();
      assert.match(text, /API Key Unused/);
      assert.match(text, /Unused key: not used since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      assert.ok(text.includes(notice.message), `the notice's own message: ${text}`);
      assert.doesNotMatch(text, /Expiration|one (week|day) ahead|expires at/);
      // Both kinds of notice, as docs/console.md describes the Notification Center.
      await screenshot(cx.page, "notification-center", [], { fullPage: true });
      await item.getByRole("link", { name: `Show key ${idle.id}` }).click();
      await cx.row(idle.id).waitFor();
      assert.deepEqual(await cx.shown(), [idle.id]);
    });
  });
});
