/**
 * Programs that use the native plugin (`keyplane:index:*`) as project directories on the offline
 * engine: a PULUMI_HOME with the plugin installed by `keyplane plugin install`'s code, the
 * provider's credentials in the environment, one stack per program.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { offlineEngine, type OfflineEngine } from "../../provider/engine";
import { ensurePluginBundle } from "../../build/bundle-plugin";
import { installPlugin } from "../../provider/plugin/install";
import { scratchDir } from "../helpers/paths";
import type { TestServer } from "../helpers/server";
import { credentialEnv, PASSPHRASE } from "../helpers/stacks";

export interface PluginStack {
  stack: Stack;
  engine: OfflineEngine;
  dir: string;
  /** Rewrites the program file. */
  write(file: string, text: string): void;
  /** `pulumi stack export` without --show-secrets, parsed. */
  exported(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the exported stack, as JSON
  /** The exported state and every file of the backend and the project, as one text (what a reader of them sees). */
  stateText(): Promise<string>;
}

let n = 0;

/** A project directory with `files`, its stack, the plugin installed into its PULUMI_HOME. */
export async function pluginStack(
  t: TestServer,
  files: Record<string, string>,
  o: { env?: Record<string, string>; extraEnv?: Record<string, string> } = {},
): Promise<PluginStack> {
  const dir = scratchDir("plugin");
  const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
  for (const [f, text] of Object.entries(files)) write(f, text);
  const engine = await offlineEngine({
    baseDir: dir,
    passphrase: PASSPHRASE,
    env: { ...(o.env ?? credentialEnv(t.url, t.admin)), ...(o.extraEnv ?? {}) },
  });
  // The plugin runs as it ships, bundled: rebuilt here when the sources changed since the build.
  ensurePluginBundle();
  installPlugin(path.join(engine.binDir, "pulumi"), {
    ...process.env,
    PULUMI_HOME: engine.pulumiHome,
  });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: `p${process.pid}x${n++}`, workDir: dir },
    engine.workspaceOptions(dir),
  );
  // `pulumi stack export` without --show-secrets (the Automation API's exportStack() shows them).
  const exportText = () =>
    execFileSync(
      path.join(engine.binDir, "pulumi"),
      ["stack", "export", "--stack", stack.name, "--non-interactive"],
      {
        cwd: dir,
        env: { ...process.env, ...engine.envVars },
        encoding: "utf8",
      },
    );
  return {
    stack,
    engine,
    dir,
    write,
    exported() {
      return JSON.parse(exportText());
    },
    async stateText() {
      const files: string[] = [exportText()];
      // Every file of the project directory: the backend, PULUMI_HOME, the program.
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.isFile()) files.push(fs.readFileSync(p, "latin1"));
        }
      };
      walk(dir);
      return files.join("\n");
    },
  };
}
