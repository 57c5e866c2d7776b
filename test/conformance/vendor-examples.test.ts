/**
 * The vendor's documented Python 3 examples ("Make your first API call", Standard and Advanced),
 * re-typed as fixtures/vendor_first_call.py, run with the Python of the cortex-xdr-client
 * virtualenv (it brings `requests`) against a real server. Each reply must be a success and
 * validate against docs/openapi.json.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertDocumented, runPython, xdrClientVenv } from "./support";

describe("conformance: the vendor's Python 3 first-call examples", function () {
  this.timeout(300_000);
  let t: TestServer | undefined;
  let python: string | undefined;
  before(async function () {
    const v = xdrClientVenv();
    if ("skip" in v) {
      console.log(`      (pending: ${v.skip})`);
      this.skip();
    }
    python = path.join(v.bin, "python");
    t = await startTestServer();
  });
  after(() => t?.close());

  for (const level of ["standard", "advanced"] as const) {
    it(`${level}: every call the example makes succeeds with a documented reply`, async () => {
      const k = await t!.createKey({ level, roles: ["Instance Administrator"] });
      const stdout = await runPython(python!, "vendor_first_call.py", {
        KP_URL: t!.url,
        KP_KEY_ID: String(k.id),
        KP_KEY: k.key,
        KP_LEVEL: level,
      });
      const out = JSON.parse(stdout) as Array<{ path: string; status: number; body: unknown }>;
      assert.equal(out.length, 4);
      for (const x of out) {
        assert.equal(x.status, 200, `${x.path}: ${JSON.stringify(x.body)}`);
        assertDocumented("POST", x.path, x.status, x.body);
      }
      assert.equal(out[1]!.body, "true");
    });
  }
});
