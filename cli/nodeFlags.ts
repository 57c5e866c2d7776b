/**
 * The node flags `keyplane` runs with. Their one source is the launcher line (`#!`) of
 * `cli/main.ts`: the `keyplane` bin executes it through `env -S`, so `keyplane server` started
 * from a shell, `npx` or a package's `.bin` gets them with no wrapper script. Whatever starts the
 * CLI as `node …/main.js` instead (the demo, the benches, the tests' servers) asks for them here,
 * so it runs the server as an operator does.
 *
 * `--max-semi-space-size=8` halves V8's young generation (16 MB semi-spaces by default on 64-bit):
 * a request's garbage dies young either way, and the server's resident memory under a burst of
 * verifies stays ~15–40 MB lower (bench/RESULTS.md, issue 12's RSS goal).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const LAUNCHER = /^#!\/usr\/bin\/env -S node((?: --[a-z0-9-]+(?:=\S+)?)*)\s*$/;

/** The flags of the launcher line of the compiled `main.js` beside this file. */
export function launcherNodeFlags(mainJs = path.join(__dirname, "main.js")): string[] {
  const first = fs.readFileSync(mainJs, "utf8").split("\n", 1)[0] ?? "";
  const m = LAUNCHER.exec(first);
  if (!m) throw new Error(`${mainJs}: its first line is not a '#!/usr/bin/env -S node …' launcher`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}
