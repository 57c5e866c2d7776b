/**
 * The native plugin's state split (provider/plugin/bookkeeping.ts) on real ApiKey states made by
 * the provider methods against a real server: the engine gets the schema's outputs and only the
 * bookkeeping the inputs stored beside them do not imply, and the provider gets its whole state
 * back, from the compact form and from the full form earlier plugin versions wrote.
 */
import * as assert from "node:assert/strict";
import { BOOKKEEPING, fromOutputs, KINDS, toOutputs } from "../../../provider/plugin/kinds";
import { checkAndCreate, useHarness, type Harness } from "./harness";

const apiKey = KINDS.find((k) => k.name === "ApiKey")!;
/** What the engine keeps of a value: JSON, without undefined members. */
const stored = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
const size = (v: unknown) => JSON.stringify(v).length;

describe("the plugin's bookkeeping in state", function () {
  this.timeout(60_000);
  let h: Harness;
  useHarness((x) => (h = x));

  it("after create, stores no bookkeeping the inputs and outputs imply, and rebuilds the state", async () => {
    const { outs, inputs } = await checkAndCreate(h.keys, {
      roles: ["Viewer"],
      comment: "ci",
      expiresIn: "30d",
      overlap: "1h",
    });
    const outputs = stored(toOutputs(apiKey, outs, stored(inputs)));
    assert.equal(outputs[BOOKKEEPING], undefined, JSON.stringify(outputs));
    assert.ok(size(outputs) < size(toOutputs(apiKey, outs)), "smaller than the full form");
    assert.deepEqual(fromOutputs(apiKey, outputs, stored(inputs)), stored(outs));
  });

  it("after a refresh that found drift, keeps what the returned inputs do not imply", async () => {
    const { id, outs, inputs } = await checkAndCreate(h.keys, {
      roles: ["Viewer"],
      comment: "declared",
      expiresIn: "30d",
    });
    await h.client.apiKeys.edit(Number(id), {
      comment: "by hand",
      roles: ["Viewer", "Investigator"],
    });
    const r = await h.keys.read!(id, outs);
    assert.equal(r.inputs?.comment, "by hand");
    const outputs = stored(toOutputs(apiKey, r.props!, stored(r.inputs)));
    const book = outputs[BOOKKEEPING] as Record<string, unknown>;
    assert.equal(book.commentInput, "declared");
    assert.deepEqual(book.rolesResolved, ["Viewer"]);
    assert.deepEqual(fromOutputs(apiKey, outputs, stored(r.inputs)), stored(r.props));
    // The echo the inputs lack is marked as absent, not implied from them.
    const noComment = { ...stored(r.props), commentInput: undefined };
    const back = fromOutputs(
      apiKey,
      stored(toOutputs(apiKey, noComment, stored(r.inputs))),
      stored(r.inputs),
    );
    assert.deepEqual(back, stored(noComment));
    assert.ok(!("commentInput" in back));
    void inputs;
  });

  it("reads the full form earlier plugin versions wrote as it was, whatever the inputs", async () => {
    const { outs } = await checkAndCreate(h.keys, {
      roles: ["Viewer"],
      expiresIn: "30d",
    });
    const full = stored(toOutputs(apiKey, outs));
    assert.equal(typeof full[BOOKKEEPING], "object");
    const other = { roles: ["Admin"], comment: "not what the key was made from" };
    assert.deepEqual(fromOutputs(apiKey, full, other), stored(outs));
  });
});
