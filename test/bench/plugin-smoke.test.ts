/**
 * The plugin benchmark still runs: `node dist/bench/run.js --quick --only plugin` completes and
 * reports finite, positive figures for up, refresh and destroy. No timing is asserted here.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchReport } from "../../bench/run";
import { repoRoot, scratchDir } from "../helpers/paths";

describe("benchmarks (quick smoke run): the native plugin", function () {
  this.timeout(6 * 60_000);

  it("plugin: up, refresh and destroy of ApiKeys through the plugin against a trivial plugin", () => {
    const out = path.join(scratchDir("bench-smoke"), "plugin.json");
    const stdout = execFileSync(
      process.execPath,
      [
        path.join(repoRoot, "dist", "bench", "run.js"),
        "--quick",
        "--only",
        "plugin",
        "--json",
        out,
      ],
      { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60_000 },
    );
    assert.match(stdout, /\| benchmark/);
    const r = JSON.parse(fs.readFileSync(out, "utf8")) as BenchReport;
    if (r.dir.includes(`${path.sep}bench${path.sep}out${path.sep}run-`))
      fs.rmSync(r.dir, { recursive: true, force: true });
    const rows = r.rows.filter((x) => x.name.includes("native plugin"));
    assert.deepEqual(
      rows.map((x) => x.name.split(",")[0]),
      ["pulumi up", "pulumi refresh", "pulumi destroy"],
    );
    for (const x of rows) {
      for (const v of [x.value, x.baseline, x.ratio])
        assert.ok(typeof v === "number" && Number.isFinite(v) && v > 0, `${x.name}: ${String(v)}`);
    }
  });
});
