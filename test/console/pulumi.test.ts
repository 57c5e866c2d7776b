/**
 * The console and code are one system: a key that `pulumi up` made shows in the console's table
 * with its comment, scope and expiration; an edit of it made in the console shows in
 * `keyplane drift`, and `pulumi up --refresh` reverts it. Real engine (Automation API, local
 * backend), real CLI in a child process, real Chromium.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { Page } from "playwright-core";
import { offlineEngine } from "../../provider/engine";
import { openBrowser, type TestBrowser } from "../helpers/browser";
import { scratchDir } from "../helpers/paths";
import { keyplaneCli } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { credentialEnv, outputsOf } from "../helpers/stacks";

describe("web console and Pulumi (Chromium, real engine)", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;
  let b: TestBrowser;
  let page: Page;
  let dir: string;
  let stack: Stack;
  let env: Record<string, string>;
  let out: { keyId: number; scopeId: string };

  before(async () => {
    t = await startTestServer();
    env = credentialEnv(t.url, t.admin);
    dir = scratchDir("console-pulumi");
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: console-fixture\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `"use strict";
const keyplane = require("keyplane");
const scope = new keyplane.ScopeDefinition("emea", { name: "EMEA servers", areas: { endpoints: { endpoint_groups: { mode: "scope", names: ["emea-servers"] } } } });
const key = new keyplane.ApiKey("ci", { roles: ["Viewer"], comment: "declared in code", expiresIn: "30d", scope: scope.scopeId });
exports.keyId = key.keyId;
exports.scopeId = scope.scopeId;
`,
    );
    const engine = await offlineEngine({ baseDir: dir, env });
    stack = await engine.localStack("console", dir);
    out = outputsOf(await stack.up()) as typeof out;
    b = await openBrowser(t.url);
    page = b.page;
  });

  after(async () => {
    await b?.close();
    await stack?.destroy().catch(() => undefined);
    await t?.close();
  });

  const row = () => page.locator(`tr[data-key-id="${out.keyId}"]`);

  it("shows the key `pulumi up` made, with its comment, scope and expiration", async () => {
    await page.goto(`${t.url}/console`);
    await page.getByLabel("Key ID").fill(String(t.admin.id));
    await page.getByLabel("Key", { exact: true }).fill(t.admin.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await row().waitFor();
    assert.equal(await row().locator("[data-field=comment]").innerText(), "declared in code");
    assert.equal(await row().locator("[data-field=scope]").innerText(), out.scopeId);
    assert.match(
      await row().locator("[data-field=expiration]").innerText(),
      /\((in 30 d|in 29 d)\)/,
    );
  });

  it("an edit made in the console shows in `keyplane drift`, and `up --refresh` reverts it", async () => {
    await row().locator("[data-field=comment]").click({ button: "right" });
    await page.getByRole("menuitem", { name: "Edit" }).click();
    const dlg = page.getByRole("dialog", { name: `Edit API key ${out.keyId}` });
    await dlg.getByLabel("Comment").fill("edited in the console");
    await dlg.getByRole("button", { name: "Save" }).click();
    await row()
      .locator("[data-field=comment]")
      .filter({ hasText: "edited in the console" })
      .waitFor();

    const drift = await keyplaneCli(
      ["drift", "--cwd", dir, "--stack", "console", "--within", "1d"],
      env,
    );
    assert.equal(drift.code, 2, drift.stderr + drift.stdout);
    assert.match(drift.stdout, new RegExp(`ci \\(ApiKey\\)\\s+${out.keyId}\\s+comment changed`));

    await stack.up({ refresh: true });
    await page.reload();
    await row().locator("[data-field=comment]").filter({ hasText: "declared in code" }).waitFor();
    const again = await keyplaneCli(
      ["drift", "--cwd", dir, "--stack", "console", "--within", "1d"],
      env,
    );
    assert.equal(again.code, 0, again.stderr + again.stdout);
  });
});
