/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. The API Keys table: its columns as the vendor labels them, filters as chips in the URL, each
 * filter from a bookmarked URL, sorting and paging in the database.
 */
import { strict as assert } from "node:assert";
import { screenshot } from "../helpers/browser";
import type { Credential } from "../helpers/server";
import { DATE, DAY, filterKeys, useConsole } from "./support";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("the table and its filters", () => {
    let alpha: Credential;
    let beta: Credential;
    let gamma: Credential;
    before(async () => ({ alpha, beta, gamma } = await filterKeys(cx.t)));

    it("shows each column of a key as the vendor labels them", async () => {
      await cx.signIn(cx.t.admin);
      const heads = await cx.page.locator("thead th").allInnerTexts();
      for (const l of [
        "ID",
        "Security Level",
        "Roles",
        "Comment",
        "Expiration",
        "Creation Time",
        "Created By",
        "Last Used",
        "Status",
        "Scope",
      ]) {
        assert.ok(
          heads.some((h) => h.replace(/[▲▼]/g, "").trim() === l),
          `column ${l}`,
        );
      }
      const cells = cx.row(alpha.id).locator("[data-field]");
      assert.equal(await cells.nth(1).innerText(), "Advanced");
      assert.equal(
        await cx.row(alpha.id).locator("[data-field=roles]").innerText(),
        "Investigator",
      );
      assert.match(
        await cx.row(alpha.id).locator("[data-field=expiration]").innerText(),
        /\(in 3 d\)/,
      );
      assert.equal(await cx.row(gamma.id).locator("[data-field=expiration]").innerText(), "Never");
      assert.equal(
        await cx.row(alpha.id).locator("[data-field=created_by]").innerText(),
        `Public API - ${cx.t.admin.id}`,
      );
    });

    it("adds filters as removable chips that live in the URL", async () => {
      await cx.signIn(cx.t.admin);
      await cx.page.getByRole("button", { name: "Filter API keys" }).click();
      await cx.page.getByLabel("Field").selectOption("comment");
      await cx.page.getByLabel("Value").fill("filter-");
      await cx.page.getByRole("button", { name: "Add filter" }).click();
      await cx.page.locator("#table-status").filter({ hasText: "of 3 keys" }).waitFor();
      assert.deepEqual((await cx.shown()).sort(), [alpha.id, beta.id, gamma.id].sort());
      assert.match(cx.page.url(), /f=comment%3Afilter-/);
      await cx.page.getByRole("button", { name: "Filter API keys" }).click();
      await cx.page.getByLabel("Field").selectOption("security_level");
      await cx.page.getByLabel("Value").selectOption("advanced");
      await cx.page.getByRole("button", { name: "Add filter" }).click();
      await cx.page.locator("#table-status").filter({ hasText: "of 1 keys" }).waitFor();
      assert.deepEqual(await cx.shown(), [alpha.id]);
      await screenshot(cx.page, "filters");
      // The URL alone reproduces the view (bookmark, share).
      const url = cx.page.url();
      await cx.page.goto("about:blank");
      await cx.page.goto(url);
      await cx.page.locator("#table-status").filter({ hasText: "of 1 keys" }).waitFor();
      await cx.page.getByRole("button", { name: "Remove filter Security Level: advanced" }).click();
      await cx.page.locator("#table-status").filter({ hasText: "of 3 keys" }).waitFor();
      assert.doesNotMatch(cx.page.url(), /security_level/);
    });

    const cases: Array<{
      name: string;
      f: () => string;
      expect: () => number[];
      not: () => number[];
    }> = [
      {
        name: "expiring within 7 days",
        f: () => "expiring_within:7d",
        expect: () => [alpha.id],
        not: () => [beta.id, gamma.id],
      },
      {
        name: "expiring within 30 days",
        f: () => "expiring_within:30d",
        expect: () => [alpha.id, beta.id],
        not: () => [gamma.id],
      },
      {
        name: "expiration 30 days prior to beta's",
        f: () => `expires_prior:${DATE(Date.now() + 20 * DAY)}`,
        expect: () => [alpha.id, beta.id],
        not: () => [gamma.id],
      },
      {
        name: "creation time 30 days prior to today",
        f: () => `created_prior:${DATE(Date.now())}`,
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [],
      },
      {
        name: "creation time 30 days prior to 2001-01-01",
        f: () => "created_prior:2001-01-01",
        expect: () => [],
        not: () => [alpha.id, beta.id, gamma.id],
      },
      {
        name: "created after tomorrow",
        f: () => `created_after:${DATE(Date.now() + DAY)}`,
        expect: () => [],
        not: () => [alpha.id],
      },
      {
        name: "roles",
        f: () => "roles:Investigator",
        expect: () => [alpha.id],
        not: () => [beta.id, gamma.id],
      },
      {
        name: "id",
        f: () => `id:${beta.id},${gamma.id}`,
        expect: () => [beta.id, gamma.id],
        not: () => [alpha.id],
      },
      {
        name: "created by",
        f: () => `created_by:Public API - ${cx.t.admin.id}`,
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [cx.t.admin.id],
      },
      {
        name: "unused for 1 day (never used included)",
        f: () => "unused_for:1d",
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [cx.t.admin.id],
      },
      {
        name: "status",
        f: () => "status:active",
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [],
      },
    ];
    for (const c of cases) {
      it(`filters by ${c.name} from a bookmarked URL`, async () => {
        await cx.page.goto(`${cx.t.url}/console?f=${encodeURIComponent(c.f())}`);
        await cx.page
          .locator("#table-status")
          .filter({ hasText: /of \d+ keys/ })
          .waitFor();
        const ids = await cx.shown();
        for (const id of c.expect()) assert.ok(ids.includes(id), `${id} shown (${ids})`);
        for (const id of c.not()) assert.ok(!ids.includes(id), `${id} hidden (${ids})`);
        assert.equal(await cx.page.locator(".chip").count(), 1);
      });
    }

    it("sorts and pages in the database, never loading the whole table", async () => {
      for (let i = 0; i < 26; i++)
        await cx.t.createKey({ roles: ["Viewer"], comment: `bulk ${i}` });
      const total = (
        await cx.t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })
      ).body.reply.TOTAL_COUNT as number;
      cx.b.sent.length = 0;
      await cx.page.goto(`${cx.t.url}/console`);
      await cx.page.getByRole("button", { name: "ID", exact: true }).click();
      await cx.page.locator("th[aria-sort=ascending]").waitFor();
      assert.match(cx.page.url(), /sort=id%3Aasc/);
      assert.equal((await cx.shown())[0], cx.t.admin.id);
      assert.equal(await cx.page.locator("tbody tr").count(), 25);
      await cx.page.getByRole("button", { name: "Next page" }).click();
      await cx.page
        .locator("#table-status")
        .filter({ hasText: `26–${Math.min(50, total)} of ${total} keys` })
        .waitFor();
      const lists = cx.b.sent
        .filter((s) => s.url.endsWith("/get_api_keys"))
        .map((s) => JSON.parse(s.body).request_data);
      assert.ok(lists.length >= 2);
      for (const l of lists)
        assert.equal(l.search_to - l.search_from, 25, "one page asked of the server");
      assert.deepEqual(lists[lists.length - 1].sort, { field: "id", keyword: "asc" });
    });
  });
});
