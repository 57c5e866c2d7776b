/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. The page acts with exactly the signed-in key's permissions: a read-only key sees the table
 * but nothing that changes keys.
 */
import { strict as assert } from "node:assert";
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
});
