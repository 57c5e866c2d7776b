/**
 * What the two engine benchmarks (dynamic provider, native plugin) share: one timed stack
 * operation, and the checks that an `up` created and a `destroy` removed exactly what was asked,
 * on both sides and on the server, so that a ratio is never taken over a run that did not happen.
 */
import * as fs from "node:fs";
import type { Stack } from "@pulumi/pulumi/automation";
import { call } from "./common";
import type { RunningKeyplane } from "./server-proc";

export type Op = "up" | "refresh" | "destroy";
export const OPS: readonly Op[] = ["up", "refresh", "destroy"];

export interface Timed {
  seconds: number;
  /**
   * CPU seconds of the operation's process tree (the CLI, the language host, the plugins), from
   * this process's reaped-children counters: less sensitive to a loaded machine than wall time.
   */
  cpu: number;
  changes: Record<string, number>;
}

/** CPU seconds (user + system) of this process's reaped children so far (NaN without /proc). */
export function childrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 (cutime, cstime) are the 14th and 15th after the command name.
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

export async function timed(stack: Stack, op: Op): Promise<Timed> {
  const c0 = childrenCpuSeconds();
  const t0 = performance.now();
  const res =
    op === "up"
      ? await stack.up()
      : op === "refresh"
        ? await stack.refresh()
        : await stack.destroy();
  const seconds = (performance.now() - t0) / 1000;
  if (res.summary.result !== "succeeded")
    throw new Error(`${op} of ${stack.name}: ${res.summary.result}`);
  return {
    seconds,
    cpu: childrenCpuSeconds() - c0,
    changes: (res.summary.resourceChanges ?? {}) as Record<string, number>,
  };
}

/** How many keys the server holds. */
export async function countKeys(server: RunningKeyplane): Promise<number> {
  const r = await call(server.origin, "/public_api/v1/api_keys/get_api_keys", server.admin, {
    request_data: { search_from: 0, search_to: 1 },
  });
  return Number(r.body?.reply?.TOTAL_COUNT ?? Number.NaN);
}

/**
 * After `op` of N resources on both sides (subject `s`, baseline `b`): an `up` created N + 1
 * (the stack too) on each and N keys on the server; a `destroy` left none of them.
 */
export async function checkOutcome(
  op: Op,
  n: number,
  s: Timed,
  b: Timed,
  server: RunningKeyplane,
  keysBefore: number,
): Promise<void> {
  if (op === "up") {
    if ((s.changes.create ?? 0) !== n + 1 || (b.changes.create ?? 0) !== n + 1)
      throw new Error(
        `up: expected ${n + 1} creates, got ${JSON.stringify(s.changes)} / ${JSON.stringify(b.changes)}`,
      );
    const have = await countKeys(server);
    if (have !== keysBefore + n)
      throw new Error(`up: the server holds ${have} keys, expected ${keysBefore + n}`);
  }
  if (op === "destroy") {
    const have = await countKeys(server);
    if (have !== keysBefore)
      throw new Error(`destroy: the server holds ${have} keys, expected ${keysBefore}`);
  }
}
