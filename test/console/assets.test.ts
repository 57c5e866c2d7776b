/**
 * The console's files over plain HTTP (no browser): the shell loads one entry module, and that
 * module and every module it imports, however deep, is served from this origin with the
 * JavaScript content type and no-store (the CSP allows scripts from self only). Nothing else in
 * the assets directory, and no path outside it, is served.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../helpers/paths";
import { startTestServer, type TestServer } from "../helpers/server";

const ASSETS = path.join(repoRoot, "server", "console", "assets");

describe("console files", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t?.close());

  it("loads one entry module from the shell, and serves every module it imports with its type and no-store", async () => {
    const shell = await (await fetch(`${t.url}/console`)).text();
    const scripts = [...shell.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    assert.equal(scripts.length, 1, `one script in the shell: ${scripts.join(" | ")}`);
    assert.match(scripts[0]!, /type="module"/);
    const entry = scripts[0]!.match(/src="([^"]+)"/)![1]!;
    assert.equal(entry, "/console/assets/console.js");
    const seen = new Set<string>();
    const queue = [entry];
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await fetch(t.url + url);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8", url);
      assert.equal(res.headers.get("cache-control"), "no-store", url);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", url);
      const text = await res.text();
      for (const m of text.matchAll(/^\s*import\b[^;]*?from\s+"([^"]+)";/gms)) {
        assert.match(m[1]!, /^\.\/[A-Za-z0-9_-]+\.js$/, `${url} imports from this origin only`);
        queue.push(new URL(m[1]!, t.url + url).pathname);
      }
    }
    // Every script of the directory is reached from the entry: no module is left behind.
    const onDisk = fs.readdirSync(ASSETS).filter((n) => n.endsWith(".js"));
    assert.deepEqual(
      [...seen].map((u) => path.basename(u)).sort(),
      onDisk.sort(),
      "the modules the entry reaches",
    );
    const css = await fetch(`${t.url}/console/assets/console.css`);
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  });

  it("serves nothing else: not the shell as an asset, not a path outside the directory", async () => {
    for (const p of [
      "/console/assets/index.html",
      "/console/assets/..%2Fcontract.ts",
      "/console/assets/../index.ts",
      "/console/assets/missing.js",
    ]) {
      assert.equal((await fetch(t.url + p)).status, 404, p);
    }
  });
});
