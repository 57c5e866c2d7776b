/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. Accessibility: axe-core in the same browser finds no serious or critical violation on any
 * page, dialog or menu.
 */
import { strict as assert } from "node:assert";
import type { Page } from "playwright-core";
import { axeSerious, openBrowser, type TestBrowser } from "../helpers/browser";
import { useConsole } from "./support";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("accessibility (axe-core, in the same browser)", () => {
    let ab: TestBrowser;
    let ap: Page;
    before(async () => {
      // axe is injected as a script, which the console's CSP (rightly) refuses: this browser bypasses it.
      ab = await openBrowser(cx.t.url, { bypassCSP: true });
      ap = ab.page;
    });
    after(async () => ab?.close());
    const clean = async (what: string) => {
      const v = await axeSerious(ap);
      assert.deepEqual(
        v.map(
          (x) =>
            `${x.id} (${x.impact}): ${x.help} at ${x.nodes.map((n) => n.target.join(" ")).join("; ")}`,
        ),
        [],
        `${what}: serious or critical violations`,
      );
    };

    it("has no serious or critical violations on any page, dialog or menu", async () => {
      await ap.goto(`${cx.t.url}/console`);
      await ap.getByRole("button", { name: "Sign in" }).waitFor();
      await clean("sign-in page");
      await ap.getByLabel("Key ID").fill(String(cx.t.admin.id));
      await ap.getByLabel("Key", { exact: true }).fill(cx.t.admin.key);
      await ap.getByRole("button", { name: "Sign in" }).click();
      await ap
        .locator("#table-status")
        .filter({ hasText: /of \d+ keys/ })
        .waitFor();
      await clean("API Keys page");
      await ap.getByRole("button", { name: "Filter API keys" }).click();
      await clean("filter form");
      await ap.locator("tbody tr [data-field=comment]").first().click({ button: "right" });
      await ap.getByRole("menu").waitFor();
      await clean("pivot menu");
      await ap.keyboard.press("Escape");
      await ap.getByRole("button", { name: "New Key" }).click();
      await ap
        .locator(".role details")
        .first()
        .evaluate((d) => d.setAttribute("open", ""));
      await clean("New Key: Role tab");
      await ap.getByRole("tab", { name: "Scope" }).click();
      await ap
        .locator("details.area")
        .first()
        .evaluate((d) => d.setAttribute("open", ""));
      await clean("New Key: Scope tab");
      await ap.getByRole("tab", { name: "Role" }).click();
      await ap.getByLabel("Viewer", { exact: true }).check();
      await ap.getByRole("button", { name: "Generate" }).click();
      await ap.locator("#new-key-value").waitFor();
      await clean("the key shown once");
      await ap.getByRole("button", { name: "Done" }).click();
      await ap.locator("tbody tr [data-field=comment]").first().click({ button: "right" });
      await ap.getByRole("menuitem", { name: "Edit" }).click();
      await ap.getByRole("dialog").waitFor();
      await clean("Edit dialog");
      await ap.keyboard.press("Escape");
      await ap.getByRole("link", { name: "Notification Center" }).click();
      await ap.locator("#notifications").waitFor();
      await clean("Notification Center");
      await ap.getByRole("link", { name: "Server Settings" }).click();
      await ap.locator("#settings-form").waitFor();
      await clean("Server Settings");
    });
  });
});
