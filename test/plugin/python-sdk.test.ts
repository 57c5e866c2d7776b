/** sdks/python is what scripts/gen-python-sdk makes from the current schema.json. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../helpers/paths";

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name === "build" || e.name.endsWith(".egg-info") || e.name === "__pycache__")
          continue;
        walk(p);
      } else out[path.relative(dir, p)] = fs.readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

describe("sdks/python (the generated Python SDK)", function () {
  this.timeout(15 * 60_000); // builds tools/sdkgen: seconds with warm Go caches, minutes cold

  it("is current (refresh: npx tsc -p . && node dist/cli/main.js docs schema > schema.json && bash scripts/gen-python-sdk)", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "keyplane-sdkgen-"));
    try {
      const r = spawnSync("bash", [path.join(repoRoot, "scripts", "gen-python-sdk"), out], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const want = tree(out);
      const have = tree(path.join(repoRoot, "sdks", "python"));
      assert.deepEqual(Object.keys(have).sort(), Object.keys(want).sort());
      for (const f of Object.keys(want))
        assert.equal(have[f], want[f], `sdks/python/${f} is stale`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
