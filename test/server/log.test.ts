/**
 * The server's log writer (server/log.ts), in a child process whose stderr is a file: lines are
 * written within the event-loop turn that logged them, without waiting for a shutdown; lines
 * logged just before an uncaught exception, or just before a normal exit, are all in the file.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot, scratchDir } from "../helpers/paths";

const LOG = path.join(repoRoot, "dist", "server", "log.js");

/** Runs `body` in a child that has `log` (pino on stderrLog(), exitOnFatal set) and `n` lines to write. */
function child(file: string, body: string): { exited: Promise<number | null>; kill(): void } {
  const script = `
    const pino = require("pino");
    const { stderrLog, exitOnFatal } = require(${JSON.stringify(LOG)});
    const dest = stderrLog();
    const log = pino({ level: "info" }, dest.stream);
    exitOnFatal(log, dest.flush);
    ${body}
  `;
  const fd = fs.openSync(file, "a");
  const c = spawn(process.execPath, ["-e", script], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", fd],
  });
  fs.closeSync(fd);
  return {
    exited: new Promise((resolve) => c.on("exit", (code) => resolve(code))),
    kill: () => c.kill("SIGKILL"),
  };
}

const lines = (file: string, msg: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("the server's log writer", function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = scratchDir("log");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes a line in the turn that logged it, while the process keeps running", async () => {
    const file = path.join(dir, "running.log");
    const c = child(file, `log.info({ i: 1 }, "alive"); setTimeout(() => {}, 15000);`);
    try {
      const t0 = Date.now();
      while (lines(file, "alive").length === 0) {
        assert.ok(Date.now() - t0 < 10_000, "the line never reached the file");
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(lines(file, "alive")[0]!.i, 1);
    } finally {
      c.kill();
      await c.exited;
    }
  });

  it("flushes every queued line when an uncaught exception ends the process (exit 1)", async () => {
    const file = path.join(dir, "fatal.log");
    // 3,000 lines in one turn (more than one batch), then the exception in that same turn.
    const c = child(
      file,
      `for (let i = 0; i < 3000; i++) log.info({ i }, "before"); throw new Error("boom");`,
    );
    assert.equal(await c.exited, 1);
    const before = lines(file, "before");
    assert.deepEqual(
      before.map((l) => l.i),
      Array.from({ length: 3000 }, (_, i) => i),
    );
    const fatal = lines(file, "uncaught exception");
    assert.equal(fatal.length, 1);
    assert.equal((fatal[0]!.err as { message: string }).message, "boom");
  });

  it("flushes every queued line at a normal exit", async () => {
    const file = path.join(dir, "exit.log");
    const c = child(
      file,
      `for (let i = 0; i < 500; i++) log.info({ i }, "last"); process.exit(0);`,
    );
    assert.equal(await c.exited, 0);
    assert.equal(lines(file, "last").length, 500);
  });
});
