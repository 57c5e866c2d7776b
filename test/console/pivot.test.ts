/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. The pivot menu of a row, by mouse and keyboard: View Examples, the clipboard copies, Filter,
 * Edit, Revoke and Delete.
 */
import { strict as assert } from "node:assert";
import { clipboard, screenshot } from "../helpers/browser";
import { DATE, DAY, filterKeys, useConsole } from "./support";
import type { Credential } from "../helpers/server";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("the table and its filters", () => {
    let alpha: Credential;
    let beta: Credential;
    let gamma: Credential;
    before(async () => {
      ({ alpha, beta, gamma } = await filterKeys(cx.t));
      // The menu's tests open the page as the admin, signed in once (as the table's tests left it).
      await cx.signIn(cx.t.admin);
    });

    describe("the pivot menu", () => {
      const openOn = async (id: number, field: string) => {
        await cx.page.goto(`${cx.t.url}/console?f=${encodeURIComponent(`id:${id}`)}`);
        await cx.row(id).locator(`[data-field=${field}]`).click({ button: "right" });
        await cx.page.getByRole("menu").waitFor();
      };

      it("Copy text to clipboard copies the cell right-clicked", async () => {
        await openOn(alpha.id, "comment");
        await cx.page.getByRole("menuitem", { name: "Copy text to clipboard" }).click();
        assert.equal(await clipboard(cx.page), "filter-alpha");
      });

      it("opens from the keyboard (Shift+F10) and Copy entire row copies every setting", async () => {
        await cx.page.goto(`${cx.t.url}/console?f=${encodeURIComponent(`id:${alpha.id}`)}`);
        await cx.row(alpha.id).focus();
        await cx.page.keyboard.press("Shift+F10");
        await cx.page.getByRole("menu").waitFor();
        assert.equal(
          await cx.page.evaluate("document.activeElement.getAttribute('role')"),
          "menuitem",
          "focus moves into the menu",
        );
        await cx.page.keyboard.press("ArrowDown");
        await cx.page.keyboard.press("ArrowDown");
        await cx.page.keyboard.press("Enter");
        await cx.page.waitForFunction(
          "navigator.clipboard.readText().then((t) => t.startsWith('ID:'))",
        );
        const text = await clipboard(cx.page);
        for (const line of [
          `ID: ${alpha.id}`,
          "Security Level: Advanced",
          "Roles: Investigator",
          "Comment: filter-alpha",
          "Status: Active",
          "Scope: None",
        ]) {
          assert.ok(text.includes(line), `${line} in ${text}`);
        }
        assert.equal(await cx.page.getByRole("menu").count(), 0);
        assert.equal(
          await cx.page.evaluate("document.activeElement.getAttribute('data-key-id')"),
          String(alpha.id),
          "focus returns to the row",
        );
      });

      it("View Examples copies the Python 3 example for the key's security level and shows it", async () => {
        await openOn(alpha.id, "id");
        await cx.page.getByRole("menuitem", { name: "View Examples" }).click();
        await cx.page.locator("#example-python").waitFor();
        const py = await clipboard(cx.page);
        assert.match(py, /^#!\/usr\/bin\/env python3/);
        assert.match(py, /x-xdr-nonce/, "the Advanced example signs");
        assert.match(py, new RegExp(`API_KEY_ID = ${alpha.id}`));
        assert.equal(
          (await cx.page.locator("#example-python").innerText()).trim(),
          py.trim(),
          "the example shown is the one copied",
        );
        await screenshot(cx.page, "view-examples");
        await cx.page.getByRole("button", { name: "Close" }).click();
        await openOn(beta.id, "id");
        await cx.page.getByRole("menuitem", { name: "View Examples" }).click();
        await cx.page.locator("#example-python").waitFor();
        assert.doesNotMatch(
          await clipboard(cx.page),
          /x-xdr-nonce/,
          "the Standard example does not",
        );
        await cx.page.getByRole("button", { name: "Close" }).click();
      });

      it("Filter filters by the cell's value", async () => {
        await openOn(alpha.id, "security_level");
        await cx.page.getByRole("menuitem", { name: "Filter by Security Level" }).click();
        await cx.page.locator(".chip", { hasText: "Security Level: advanced" }).waitFor();
        assert.match(cx.page.url(), /f=security_level%3Aadvanced/);
      });

      it("Edit changes roles, comment and expiration through the API, audited as the signed-in key", async () => {
        await openOn(beta.id, "comment");
        await cx.page.getByRole("menuitem", { name: "Edit" }).click();
        const dlg = cx.page.getByRole("dialog", { name: `Edit API key ${beta.id}` });
        await dlg.getByLabel("Investigator", { exact: true }).check();
        await dlg.getByLabel("Comment").fill("edited in the console");
        await dlg.getByLabel("Date (UTC)").fill(DATE(Date.now() + 10 * DAY));
        await dlg.getByLabel("Time (UTC)").fill("08:00");
        await dlg.getByRole("button", { name: "Save" }).click();
        await cx
          .row(beta.id)
          .locator("[data-field=comment]")
          .filter({ hasText: "edited in the console" })
          .waitFor();
        const got = (await cx.t.call("GET", `/platform/iam/v1/api-key/${beta.id}`)).body.data;
        assert.deepEqual([...got.roles].sort(), ["Investigator", "Viewer"]);
        assert.equal(got.expiration, Date.parse(`${DATE(Date.now() + 10 * DAY)}T08:00:00Z`));
        const edits = await cx.auditOf("edit");
        assert.ok(
          edits.some(
            (a) =>
              String(a.object_id ?? JSON.stringify(a)).includes(String(beta.id)) &&
              JSON.stringify(a).includes(`Public API - ${cx.t.admin.id}`),
          ),
        );
      });

      it("Revoke asks first, then the key stops working and shows as Revoked", async () => {
        await openOn(gamma.id, "id");
        await cx.page.getByRole("menuitem", { name: "Revoke" }).click();
        const dlg = cx.page.getByRole("dialog", { name: `Revoke API key ${gamma.id}?` });
        await dlg.getByRole("button", { name: "Cancel" }).click();
        assert.equal(
          (await cx.t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: gamma }))
            .status,
          200,
          "Cancel changes nothing",
        );
        await openOn(gamma.id, "id");
        await cx.page.getByRole("menuitem", { name: "Revoke" }).click();
        await cx.page
          .getByRole("dialog", { name: `Revoke API key ${gamma.id}?` })
          .getByRole("button", { name: "Revoke" })
          .click();
        await cx
          .row(gamma.id)
          .locator("[data-field=status]")
          .filter({ hasText: "Revoked" })
          .waitFor();
        assert.equal(
          (await cx.t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: gamma }))
            .status,
          401,
        );
      });

      it("Delete asks first, then the key is gone", async () => {
        await openOn(gamma.id, "id");
        await cx.page.getByRole("menuitem", { name: "Delete" }).click();
        await cx.page
          .getByRole("dialog", { name: `Delete API key ${gamma.id}?` })
          .getByRole("button", { name: "Delete" })
          .click();
        await cx.page.locator("#table-status").filter({ hasText: "of 0 keys" }).waitFor();
        assert.equal((await cx.t.call("GET", `/platform/iam/v1/api-key/${gamma.id}`)).status, 404);
      });
    });
  });
});
