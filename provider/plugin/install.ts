/**
 * `keyplane plugin install`: puts `pulumi-resource-keyplane` into a PULUMI_HOME with
 * `pulumi plugin install resource keyplane <version> --file <launcher>`. Pulumi copies the file
 * into its plugin cache, so the launcher it gets names this package's node and entry point by
 * absolute path (the shipped bin/ launcher finds them relative to itself, which a copy cannot).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function packageRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const f = path.join(d, "package.json");
    if (fs.existsSync(f) && JSON.parse(fs.readFileSync(f, "utf8")).name === "keyplane") return d;
  }
  throw new Error(`cannot find the keyplane package root above ${__dirname}`);
}

export const pluginVersion = (): string =>
  JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version as string;

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The launcher script's text: this node, this package's compiled plugin entry. */
export function launcherScript(): string {
  const entry = path.join(packageRoot(), "dist", "provider", "plugin", "main.js");
  return `#!/bin/sh\n# keyplane's provider plugin, installed by 'keyplane plugin install'.\nexec ${shQuote(process.execPath)} ${shQuote(entry)} "$@"\n`;
}

export interface InstallResult {
  version: string;
  /** Where Pulumi put the plugin. */
  dir: string;
}

/** Installs the plugin with the given `pulumi` into `env.PULUMI_HOME` (or Pulumi's default home). */
export function installPlugin(pulumi: string, env: NodeJS.ProcessEnv = process.env): InstallResult {
  const version = pluginVersion();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keyplane-plugin-"));
  try {
    const launcher = path.join(tmp, "pulumi-resource-keyplane");
    fs.writeFileSync(launcher, launcherScript(), { mode: 0o755 });
    const r = spawnSync(
      pulumi,
      ["plugin", "install", "resource", "keyplane", version, "--file", launcher],
      { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, encoding: "utf8" },
    );
    if (r.error) throw new Error(`cannot run ${pulumi}: ${r.error.message}`);
    if (r.status !== 0)
      throw new Error(
        `pulumi plugin install failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`,
      );
    const home = env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
    return { version, dir: path.join(home, "plugins", `resource-keyplane-v${version}`) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
