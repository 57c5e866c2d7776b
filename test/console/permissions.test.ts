/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. The page acts with exactly the signed-in key's permissions and scope: a read-only key
 * sees the table but nothing that changes keys; with SBAC on, a scoped key sees the rows within
 * its scope and no out-of-scope row (the API narrows get_api_keys; the page has no rule of its own).
 */
import { strict as assert } from "node:assert";
import type { Credential } from "../helpers/server";
import { useConsole } from "./support";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("a read-only key", () => {
    it("sees the table but no New Key, and no Edit, Revoke or Delete in the menu", async () => {
      await cx.t.call("POST", "/platform/iam/v1/role", {
        request_data: {
          pretty_name: "Key Reader",
          description: "reads keys",
          components: { public_api: "view" },
        },
      });
      const reader = await cx.t.createKey({ roles: ["Key Reader"], comment: "reader" });
      await cx.signIn(reader);
      await cx.row(reader.id).waitFor();
      assert.equal(await cx.page.getByRole("button", { name: "New Key" }).count(), 0);
      await cx
        .row(reader.id)
        .getByRole("button", { name: `Actions for key ${reader.id}` })
        .click();
      const items = await cx.page.getByRole("menuitem").allInnerTexts();
      assert.ok(items.includes("View Examples"));
      assert.ok(!items.some((i) => ["Edit", "Revoke", "Delete"].includes(i)), items.join(", "));
      await cx.page.keyboard.press("Escape");
      // And the API agrees: the same session cannot generate.
      const st = await cx.page.evaluate(async () => {
        const s = (
          (await (await fetch("/console/api/session")).json()) as { reply: { csrf_token: string } }
        ).reply;
        return (
          await fetch("/public_api/v1/api_keys/generate", {
            method: "POST",
            headers: { "content-type": "application/json", "x-keyplane-csrf": s.csrf_token },
            body: JSON.stringify({
              request_data: { roles: ["Key Reader"], security_level: "standard" },
            }),
          })
        ).status;
      });
      assert.equal(st, 403);
      const denied = await cx.auditOf("check");
      assert.ok(
        denied.some((a) => JSON.stringify(a).includes(`Public API - ${reader.id}`)),
        "the refusal is audited as the signed-in key",
      );
      await cx.page.getByRole("link", { name: "Server Settings" }).click();
      await cx.page.getByText("This key may not read the server settings.").waitFor();
      await cx.page.getByRole("link", { name: "Notification Center" }).click();
      await cx.page.getByText("This key may not read notifications.").waitFor();
    });
  });

  describe("a scoped key (SBAC on)", () => {
    const eg = (mode: string, names?: string[]) => ({
      endpoints: { endpoint_groups: { mode, ...(names ? { names } : {}) } },
    });
    const list = async (as?: Credential, filters: unknown[] = []) =>
      (
        await cx.t.call(
          "POST",
          "/public_api/v1/api_keys/get_api_keys",
          { request_data: { filters, search_to: 100 } },
          as ? { as } : {},
        )
      ).body.reply as { DATA: Array<{ id: number }>; TOTAL_COUNT: number };

    it("sees the rows within its scope and no out-of-scope row, by page or by bookmarked URL", async () => {
      await cx.t.call("POST", "/platform/iam/v1/role", {
        request_data: { pretty_name: "Scoped Reader", components: { public_api: "view" } },
      });
      const key = (scope: unknown, comment: string) =>
        cx.t.createKey({ roles: ["Scoped Reader"], scope, comment });
      const me = await key(eg("scope", ["eu-1", "eu-2"]), "scoped reader");
      const inScope = await key(eg("scope", ["eu-1"]), "in-scope row");
      const outScope = await key(eg("see_all"), "out-of-scope row");
      await cx.t.call("PUT", "/platform/iam/v1/settings", { request_data: { sbac_enabled: true } });
      try {
        await cx.signIn(me);
        await cx.row(inScope.id).waitFor();
        await cx.row(me.id).waitFor();
        assert.equal(await cx.row(outScope.id).count(), 0, "the out-of-scope row is not shown");
        assert.ok(!(await cx.shown()).includes(outScope.id));
        // The count the page shows is the API's for this key, and hides the out-of-scope key.
        const mine = await list(me);
        const all = await list();
        assert.ok(mine.TOTAL_COUNT < all.TOTAL_COUNT);
        assert.deepEqual(
          (await cx.shown()).sort((a, b) => a - b),
          mine.DATA.map((k) => k.id).sort((a, b) => a - b),
        );
        assert.match(
          await cx.page.locator("#table-status").innerText(),
          new RegExp(`^1–${mine.TOTAL_COUNT} of ${mine.TOTAL_COUNT} keys$`),
        );
        // A bookmarked view of the out-of-scope key shows nothing, as for a key that does not exist.
        await cx.page.goto(`${cx.t.url}/console?f=${encodeURIComponent(`id:${outScope.id}`)}`);
        await cx.page.locator("#table-status").filter({ hasText: "of 0 keys" }).waitFor();
        assert.match(
          await cx.page.locator("#table-status").innerText(),
          new RegExp(`filtered from ${mine.TOTAL_COUNT}\\)`),
        );
        await cx.page.goto(`${cx.t.url}/console?f=${encodeURIComponent("comment:row")}`);
        await cx.row(inScope.id).waitFor();
        assert.deepEqual(await cx.shown(), [inScope.id]);
      } finally {
        await cx.t.call("PUT", "/platform/iam/v1/settings", {
          request_data: { sbac_enabled: false },
        });
      }
      // With SBAC off, the same key sees the row again.
      await cx.page.goto(`${cx.t.url}/console?f=${encodeURIComponent("comment:row")}`);
      await cx.row(outScope.id).waitFor();
    });
  });
});
