/** docs/resources.md is the current output of `keyplane docs resources` (generated from the schemas). */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { resourcesMarkdown } from "../../provider/docs";
import { repoRoot } from "../helpers/paths";

describe("docs/resources.md", () => {
  it("is the current output of `keyplane docs resources` (refresh: npx tsc -p . && node dist/cli/main.js docs resources > docs/resources.md)", () => {
    assert.equal(
      fs.readFileSync(path.join(repoRoot, "docs", "resources.md"), "utf8"),
      resourcesMarkdown(),
    );
  });

  it("describes every input of every resource", () => {
    for (const line of resourcesMarkdown()
      .split("\n")
      .filter((l) => /^\| `\w+` \|/.test(l) && l.split("|").length === 7)) {
      const description = line.split("|")[5]!.trim();
      assert.ok(description.length > 10, `no description: ${line}`);
    }
  });
});
