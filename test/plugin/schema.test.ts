/** schema.json (what the plugin's GetSchema serves) is current, and says what the zod schemas say. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pluginVersion } from "../../provider/plugin/install";
import { KINDS, tokenOf } from "../../provider/plugin/kinds";
import { schemaJson } from "../../provider/plugin/schema";
import { repoRoot } from "../helpers/paths";

describe("schema.json", () => {
  it("is the current output of `keyplane docs schema` (refresh: npx tsc -p . && node dist/cli/main.js docs schema > schema.json)", () => {
    assert.equal(
      fs.readFileSync(path.join(repoRoot, "schema.json"), "utf8"),
      schemaJson(pluginVersion()),
    );
  });

  it("has every kind with every input and output, described, and the key and the provider's apiKey secret", () => {
    const s = JSON.parse(schemaJson(pluginVersion()));
    assert.equal(s.version, pluginVersion());
    for (const k of KINDS) {
      const r = s.resources[tokenOf(k)];
      assert.ok(r, tokenOf(k));
      assert.deepEqual(Object.keys(r.inputProperties), Object.keys(k.inputs.shape));
      assert.deepEqual(Object.keys(r.properties), Object.keys(k.outputs.shape));
      for (const [n, v] of Object.entries<{ description?: string }>({
        ...r.inputProperties,
        ...r.properties,
      }))
        assert.ok((v.description ?? "").length > 5, `${k.name}.${n} has no description`);
      assert.deepEqual(r.requiredInputs, k.required);
    }
    assert.equal(s.resources["keyplane:index:ApiKey"].properties.key.secret, true);
    assert.equal(s.config.variables.apiKey.secret, true);
    assert.equal(
      s.resources["keyplane:index:ApiKey"].inputProperties.roles.description,
      KINDS[0]!.inputs.shape.roles!.description,
    );
  });
});
