/**
 * Preloaded (`node --require`) into both plugins of the plugin benchmark: on exit, writes the
 * process's CPU time to `$KEYPLANE_BENCH_OP_DIR/cpu-<pid>.json`, so the bench can tell the
 * plugin's share of an operation's CPU from the CLI's and the language host's.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const dir = process.env.KEYPLANE_BENCH_OP_DIR;
if (dir)
  process.on("exit", () => {
    const u = process.cpuUsage();
    fs.writeFileSync(
      path.join(dir, `cpu-${process.pid}.json`),
      JSON.stringify({ seconds: (u.user + u.system) / 1e6 }),
    );
  });
