/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. New Key at both security levels: role, comment, expiration and scope; the key shown once,
 * copied, and gone after Done; focus in the dialog; the server's refusal named.
 */
import { strict as assert } from "node:assert";
import { clipboard, screenshot } from "../helpers/browser";
import { DAY, useConsole } from "./support";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("New Key", () => {
    for (const level of ["standard", "advanced"] as const) {
      it(`generates ${level === "advanced" ? "an" : "a"} ${level} key with role, comment, expiration and scope; shows it once; copies it; forgets it after Done`, async () => {
        await cx.signIn(cx.t.admin);
        await cx.page.getByRole("button", { name: "New Key" }).click();
        const dlg = cx.page.getByRole("dialog", { name: "New Key" });
        await dlg
          .getByLabel(level === "advanced" ? "Advanced" : "Standard", { exact: true })
          .check();
        await dlg.getByLabel("Investigator", { exact: true }).check();
        await dlg.locator(".role", { hasText: "Investigator" }).locator("summary").click();
        const comps = dlg.getByRole("table", { name: "Components of Investigator" });
        await comps
          .getByRole("row", { name: "Cases and Issues View / Edit", exact: true })
          .waitFor();
        await comps
          .getByRole("row", { name: "Endpoint Administration View", exact: true })
          .waitFor();
        await dlg.getByLabel("Comment (optional)").fill(`console ${level} key`);
        await dlg.getByLabel("Enable Expiration Date").check();
        const exp = new Date(Date.now() + 5 * DAY + 3_600_000);
        await dlg.getByLabel("Date (UTC)").fill(exp.toISOString().slice(0, 10));
        await dlg.getByLabel("Time (UTC)").fill("12:30");
        await dlg.getByRole("tab", { name: "Scope" }).click();
        await dlg.getByText("scopes are stored but not enforced").waitFor();
        await dlg.locator("details[data-area='endpoints.endpoint_groups'] summary").click();
        await dlg.locator("#scope-endpoints-endpoint_groups-mode").selectOption("scope");
        await dlg.locator("#scope-endpoints-endpoint_groups-list").fill("emea-servers, lab");
        if (level === "standard") await screenshot(cx.page, "new-key-scope");
        await cx.page.getByRole("button", { name: "Generate" }).click();

        const value = cx.page.locator("#new-key-value");
        await value.waitFor();
        const key = await value.inputValue();
        assert.match(key, /^kp[0-9A-Za-z]{126}$/);
        await cx.page
          .getByText("you will not be able to view the API Key again after you click Done")
          .waitFor();
        if (level === "standard") await screenshot(cx.page, "key-shown-once", ["#new-key-value"]);
        await cx.page.getByRole("button", { name: "Copy", exact: true }).click();
        assert.equal(await clipboard(cx.page), key);
        const id = Number(
          (await cx.page.getByText(/API Key ID: \d+/).innerText()).match(/\d+/)![0],
        );

        await cx.page.getByRole("button", { name: "Done" }).click();
        await cx.row(id).waitFor();
        assert.equal(
          (await cx.page.content()).includes(key),
          false,
          "the key is gone from the DOM after Done",
        );
        assert.equal(
          await cx.page.evaluate(
            `document.body.innerText.includes(${JSON.stringify(key)}) || [...document.querySelectorAll("input")].some((i) => i.value === ${JSON.stringify(key)})`,
          ),
          false,
        );
        await cx.page.goBack().catch(() => undefined);
        assert.equal(
          (await cx.page.content()).includes(key),
          false,
          "not back through history either",
        );

        // As the API sees it: the key works, with what the dialog asked for, created by the signed-in key.
        const got = (await cx.t.call("GET", `/platform/iam/v1/api-key/${id}`)).body.data;
        assert.deepEqual(got.roles, ["Investigator"]);
        assert.equal(got.comment, `console ${level} key`);
        assert.equal(got.expiration, Date.parse(`${exp.toISOString().slice(0, 10)}T12:30:00Z`));
        assert.equal(got.security_level, level);
        assert.equal(got.created_by, `Public API - ${cx.t.admin.id}`);
        const scope = (await cx.t.call("GET", `/platform/iam/v1/scope/api-key/${id}`)).body.data;
        assert.match(JSON.stringify(scope), /emea-servers/);
        const ok = await cx.t.call("POST", "/public_api/v1/api_keys/validate", undefined, {
          as: { id, key, level },
        });
        assert.equal(ok.status, 200);
        assert.equal(
          cx.t.logs.some((l) => l.includes(key)),
          false,
          "never in a log line",
        );
        assert.equal(
          JSON.stringify(await cx.auditOf("create")).includes(key),
          false,
          "never in the audit log",
        );
        await cx.page.goto(`${cx.t.url}/console`);
        const days = Math.round((got.expiration - Date.now()) / DAY);
        await cx
          .row(id)
          .locator("[data-field=expiration]")
          .filter({ hasText: new RegExp(`\\(in (${days}|${days - 1}) d\\)`) })
          .waitFor();
      });
    }

    it("moves focus into the dialog, switches tabs with the arrow keys, and gives focus back on Escape", async () => {
      await cx.signIn(cx.t.admin);
      await cx.page.getByRole("button", { name: "New Key" }).focus();
      await cx.page.keyboard.press("Enter");
      await cx.page.getByRole("dialog", { name: "New Key" }).waitFor();
      assert.equal(
        await cx.page.evaluate("!!document.activeElement.closest('dialog')"),
        true,
        "focus is in the dialog",
      );
      await cx.page.getByRole("tab", { name: "Role" }).focus();
      await cx.page.keyboard.press("ArrowRight");
      assert.equal(
        await cx.page.getByRole("tab", { name: "Scope" }).getAttribute("aria-selected"),
        "true",
      );
      await cx.page.getByRole("heading", { name: "Scope Definition" }).waitFor();
      await cx.page.keyboard.press("Escape");
      await cx.page.getByRole("dialog").waitFor({ state: "detached" });
      assert.equal(
        await cx.page.evaluate("document.activeElement.id"),
        "new-key",
        "focus returns to New Key",
      );
    });

    it("names the field and the reason when the server refuses, and creates nothing", async () => {
      await cx.signIn(cx.t.admin);
      const before = (
        await cx.t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })
      ).body.reply.TOTAL_COUNT;
      await cx.page.getByRole("button", { name: "New Key" }).click();
      const dlg = cx.page.getByRole("dialog", { name: "New Key" });
      await dlg.getByLabel("Viewer", { exact: true }).check();
      await dlg.getByLabel("Enable Expiration Date").check();
      await dlg.getByLabel("Date (UTC)").fill("2001-01-01");
      await cx.page.getByRole("button", { name: "Generate" }).click();
      await dlg
        .locator("#new-key-error")
        .filter({ hasText: /request_data\.expiration/ })
        .waitFor();
      assert.equal(
        (await cx.t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body
          .reply.TOTAL_COUNT,
        before,
      );
      await cx.page.keyboard.press("Escape");
    });
  });
});
