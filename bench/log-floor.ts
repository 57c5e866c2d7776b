/**
 * The request log's writer, measured where it costs: the Fastify floor (fastify-floor.ts) with
 * keyplane server's writer ("turn": one synchronous write per event-loop turn, server/log.ts)
 * against the asynchronous destination it replaced ("async": one `fs.write` on a libuv thread per
 * line), and without a log ("none"), in turns, same load, same run; each to its own log file.
 * Prints req/s and the floor's CPU µs per request for each round.
 *
 *   node dist/bench/log-floor.js [--rounds 3] [--seconds 5] [--connections 50]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { procCpuSeconds } from "./common";
import { startFastifyFloor, type FloorLog } from "./fastify-floor";
import { runLoad } from "./loadgen";

const REPLY = JSON.stringify({ reply: { valid: true } });
const ROUTE = "/public_api/v1/healthcheck";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "5" },
      connections: { type: "string", default: "50" },
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kp-log-floor-"));
  const kinds: FloorLog[] = ["async", "turn", "none"];
  const floors = await Promise.all(
    kinds.map((k) => startFastifyFloor(REPLY, ROUTE, path.join(dir, `${k}.log`), k)),
  );
  try {
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    for (let r = 0; r < Number(values.rounds); r++) {
      // Alternate the order, so a drift in the machine's load favours none of them.
      const order = r % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const i of order) {
        const f = floors[i]!;
        const cpu0 = procCpuSeconds(f.pid);
        const load = await runLoad({
          origin: f.origin,
          path: ROUTE,
          connections: Number(values.connections),
          durationMs: Number(values.seconds) * 1000,
          warmupMs: 1000,
          caller: null,
          body: { kind: "static", json: "{}" },
        });
        const us = ((procCpuSeconds(f.pid) - cpu0) / load.allReplies) * 1e6;
        console.log(
          `round ${r + 1} ${kinds[i]!.padEnd(5)} ${Math.round(load.rps)} req/s, ${us.toFixed(1)} µs CPU/req, p99 ${load.latency.p99} ms`,
        );
      }
    }
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await Promise.all(floors.map((f) => f.stop()));
    for (const k of kinds) {
      const lines = fs.readFileSync(path.join(dir, `${k}.log`), "utf8").split("\n").length - 1;
      console.log(`${k}: ${lines} log lines`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
