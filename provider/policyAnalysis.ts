/**
 * Policy packs against what a stack has deployed: `pulumi policy analyze` on its stored state.
 *
 * The Automation API has no door for `policy analyze`, so this runs the built CLI with the
 * offline engine's environment and reads its `--json` event stream. `keyplane drift
 * --policy-pack` adds what it finds to the drift report.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { OfflineEngine } from "./engine";

/** One violation reported by a policy pack. */
export interface PolicyViolation {
  urn: string;
  /** The resource's name in the program. */
  resource: string;
  policy: string;
  pack: string;
  enforcementLevel: string;
  /** The policy's description, then its message. */
  message: string;
}

interface AnalyzeEvent {
  policyEvent?: {
    resourceUrn?: string;
    message: string;
    policyName: string;
    policyPackName: string;
    enforcementLevel: string;
  };
  summaryEvent?: { result?: string };
}

/** Runs every pack (each with its config file, if any) against the stack's stored state. */
export async function analyzeStack(
  engine: OfflineEngine,
  o: { stack: string; cwd: string; packs: string[]; configs?: string[] },
): Promise<PolicyViolation[]> {
  if (o.configs && o.configs.length > 0 && o.configs.length !== o.packs.length) {
    throw new Error(
      `give one --policy-pack-config per --policy-pack (got ${o.configs.length} for ${o.packs.length})`,
    );
  }
  const args = ["policy", "analyze", "--json", "--non-interactive", "--stack", o.stack];
  for (const p of o.packs) args.push("--policy-pack", path.resolve(p));
  for (const c of o.configs ?? []) args.push("--policy-pack-config", path.resolve(c));
  const { code, stdout, stderr } = await new Promise<{
    code: number;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    const env = {
      ...process.env,
      ...engine.envVars,
      PATH: `${engine.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    };
    const p = spawn(path.join(engine.binDir, "pulumi"), args, { cwd: o.cwd, env });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("close", (c) => resolve({ code: c ?? -1, stdout: out, stderr: err }));
  });
  const events: AnalyzeEvent[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      events.push(JSON.parse(line) as AnalyzeEvent);
    } catch {
      /* not an event line */
    }
  }
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
  // Exit 1 with a "failed" summary is what mandatory violations look like; anything else is an error.
  if (/has no resources; nothing to analyze/.test(stderr)) return [];
  if (!summary || (code !== 0 && summary.result !== "failed")) {
    const why =
      stderr
        .split("\n")
        .filter((l) => /error/i.test(l))
        .join("; ") ||
      stderr.trim() ||
      `exit ${code}`;
    throw new Error(`pulumi policy analyze failed: ${why}`);
  }
  return events
    .filter((e) => e.policyEvent)
    .map((e) => {
      const p = e.policyEvent!;
      const urn = p.resourceUrn ?? "";
      return {
        urn,
        resource: urn.split("::").pop() ?? urn,
        policy: p.policyName,
        pack: p.policyPackName,
        enforcementLevel: p.enforcementLevel,
        message: p.message,
      };
    });
}
