/** `keyplane drift`: a refreshed preview of a stack, reported as drift, for scheduled pipelines. */
import * as fs from "node:fs";
import * as path from "node:path";
import { durationFlag, parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane drift --stack NAME [--cwd DIR] [--within 7d] [--unused-for 30d] [--policy-pack DIR [--policy-pack-config FILE]] [--json] [--verbose]

Refreshes the stack in a preview (nothing is changed) and reports keyplane resources that
drifted: keys deleted or revoked, expired or expiring within the window, roles, scope, comment
or expiration changed by hand; bindings, scope definitions and roles deleted or changed.

  --stack NAME    the stack to check (required)
  --cwd DIR       the Pulumi project directory (default: the current directory)
  --within D      report keys expiring within this window (default 7d)
  --unused-for D  also report keys not used for D (never used: not since they were made)
  --policy-pack DIR
                  also run this policy pack (repeatable) on what the stack has deployed
                  (\`pulumi policy analyze\`): mandatory violations are drift, advisory
                  ones are listed apart; keyplane's own pack is node_modules/keyplane/policy-pack
  --policy-pack-config FILE
                  the config of each --policy-pack, in the same order
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
      "unused-for": { type: "string" },
      "policy-pack": { type: "string", multiple: true },
      "policy-pack-config": { type: "string", multiple: true },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (!values.stack) throw new UsageError("--stack is required");
    const within = durationFlag(values.within ?? "7d", "--within");
    const unusedFor =
      values["unused-for"] === undefined
        ? undefined
        : durationFlag(values["unused-for"], "--unused-for");
    const cwd = path.resolve(values.cwd ?? process.cwd());
    if (!fs.existsSync(path.join(cwd, "Pulumi.yaml")))
      throw new UsageError(`--cwd: ${cwd} has no Pulumi.yaml`);
    const packs: string[] = (values["policy-pack"] ?? []).map((p: string) => path.resolve(p));
    const configs: string[] = values["policy-pack-config"] ?? [];
    for (const p of packs)
      if (!fs.existsSync(path.join(p, "PulumiPolicy.yaml")))
        throw new UsageError(`--policy-pack: ${p} has no PulumiPolicy.yaml`);
    if (configs.length > 0 && configs.length !== packs.length)
      throw new UsageError("--policy-pack-config: give one per --policy-pack, in the same order");
    for (const c of configs)
      if (!fs.existsSync(c)) throw new UsageError(`--policy-pack-config: ${c} does not exist`);
    const { offlineEngine } = await import("../../provider/engine");
    const { addPolicyFindings, detectDrift, driftTable } = await import("../../provider/drift");
    const engine = await offlineEngine({ baseDir: cwd });
    const stack = await engine.selectStack(values.stack, cwd);
    let report = await detectDrift(stack, {
      within,
      unusedFor,
      onOutput: values.verbose ? (s) => process.stderr.write(s) : undefined,
    });
    if (packs.length > 0) {
      const { analyzeStack } = await import("../../provider/policyAnalysis");
      report = addPolicyFindings(
        report,
        await analyzeStack(engine, { stack: values.stack, cwd, packs, configs }),
      );
    }
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(driftTable(report));
    return report.items.length > 0 ? 2 : 0;
  },
};
