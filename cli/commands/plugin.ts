/** `keyplane plugin install`: installs the native provider plugin into the current PULUMI_HOME. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane plugin install [--pulumi PATH]

Installs the native provider plugin pulumi-resource-keyplane (this package's version) into the
current PULUMI_HOME (default ~/.pulumi) with 'pulumi plugin install resource keyplane VERSION
--file ...', so that YAML and Python programs (and 'pulumi import') can use keyplane:index:*
resources.

  --pulumi PATH   the pulumi CLI to use (default: pulumi on PATH, else the one
                  scripts/ensure-pulumi builds)

Putting this package's bin/ directory on PATH works too, without installing: Pulumi then takes
the plugin from PATH (and says so on every run).`;

function pulumiOnPath(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

export const pluginCommand: Command = {
  name: "plugin",
  summary:
    "install the native Pulumi provider plugin (for YAML and Python programs, pulumi import)",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { pulumi: { type: "string" } }, true);
    if (values.help) return (console.log(usage), 0);
    if (positionals[0] !== "install" || positionals.length !== 1)
      throw new UsageError("give the action: install");
    let pulumi: string | undefined = values.pulumi ?? pulumiOnPath();
    if (!pulumi) {
      const { ensurePulumiBin } = await import("../../provider/engine");
      pulumi = path.join(ensurePulumiBin(), "pulumi");
    }
    const { installPlugin } = await import("../../provider/plugin/install");
    const r = installPlugin(pulumi);
    console.log(`installed pulumi-resource-keyplane ${r.version} into ${r.dir}`);
    return 0;
  },
};
