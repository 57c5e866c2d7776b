/** `keyplane drift`: a refreshed preview of a stack, reported as drift, for scheduled pipelines. */
import * as fs from "node:fs";
import * as path from "node:path";
import { durationFlag, parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane drift --stack NAME [--cwd DIR] [--within 7d] [--json] [--verbose]

Refreshes the stack in a preview (nothing is changed) and reports keyplane resources that
drifted: keys deleted or revoked, expired or expiring within the window, roles, scope, comment
or expiration changed by hand; bindings, scope definitions and roles deleted or changed.

  --stack NAME    the stack to check (required)
  --cwd DIR       the Pulumi project directory (default: the current directory)
  --within D      report keys expiring within this window (default 7d)
  --json          print the report as JSON
  --verbose       stream the engine's output to stderr

Uses the offline engine settings: the backend is $PULUMI_BACKEND_URL, else DIR/.keyplane/state;
the passphrase is $PULUMI_CONFIG_PASSPHRASE[_FILE], else DIR/.keyplane/passphrase.
Exit codes: 0 no drift, 2 drift found, 1 error.`;

export const driftCommand: Command = {
  name: "drift",
  summary: "report drift of a stack's keys, bindings, scopes and roles (exit 2 on drift)",
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      stack: { type: "string" },
      cwd: { type: "string" },
      within: { type: "string" },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (!values.stack) throw new UsageError("--stack is required");
    const within = durationFlag(values.within ?? "7d", "--within");
    const cwd = path.resolve(values.cwd ?? process.cwd());
    if (!fs.existsSync(path.join(cwd, "Pulumi.yaml"))) throw new UsageError(`--cwd: ${cwd} has no Pulumi.yaml`);
    const { offlineEngine } = await import("../../provider/engine");
    const { detectDrift, driftTable } = await import("../../provider/drift");
    const engine = await offlineEngine({ baseDir: cwd });
    const stack = await engine.selectStack(values.stack, cwd);
    const report = await detectDrift(stack, { within, onOutput: values.verbose ? (s) => process.stderr.write(s) : undefined });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(driftTable(report));
    return report.items.length > 0 ? 2 : 0;
  },
};
