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

/**
 * The plugin as it ships: launch.js, which runs the bundle of main.ts and what it loads
 * (build/bundle-plugin.ts, run by `npm run build`) with V8's code cache of its start-up, so that
 * each plugin process starts without resolving and compiling hundreds of modules.
 */
export function pluginEntry(): string {
  const dir = path.join(packageRoot(), "dist", "provider", "plugin");
  if (!fs.existsSync(path.join(dir, "pulumi-resource-keyplane.js")))
    throw new Error(
      `the plugin bundle is missing from ${dir}: build the package with \`npm run build\``,
    );
  return path.join(dir, "launch.js");
}

/** The launcher script's text: this node, this package's plugin entry. */
export function launcherScript(): string {
  return `#!/bin/sh\n# keyplane's provider plugin, installed by 'keyplane plugin install'.\nexec ${shQuote(process.execPath)} ${shQuote(pluginEntry())} "$@"\n`;
}

/** Set (to "1") for a run of launch.js that only writes the plugin's code cache. */
export const WRITE_CODE_CACHE_ENV = "KEYPLANE_PLUGIN_WRITE_CODE_CACHE";

/**
 * Writes the plugin's code cache for `node` (launch.ts): runs the plugin's start-up (`entry`, the
 * launch.js beside this file unless given) in a child process that saves what V8 compiled for
 * it, then exits before serving. Throws when that fails.
 */
export function writeCodeCache(
  node: string = process.execPath,
  entry: string = path.join(__dirname, "launch.js"),
): void {
  // An environment of its own: the start-up reads no configuration, and no credential of the
  // caller's has any business in the process that writes the cache. NODE_OPTIONS stays, as V8
  // accepts a cache only under the flags it was made with, and the engine passes it on too.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", [WRITE_CODE_CACHE_ENV]: "1" };
  if (process.env.NODE_OPTIONS) env.NODE_OPTIONS = process.env.NODE_OPTIONS;
  const r = spawnSync(node, [entry], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error) throw new Error(`writing the plugin's code cache: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `writing the plugin's code cache failed (exit ${r.status}): ${r.stderr.trim()}`,
    );
}

export interface InstallResult {
  version: string;
  /** Where Pulumi put the plugin. */
  dir: string;
}

/** Installs the plugin with the given `pulumi` into `env.PULUMI_HOME` (or Pulumi's default home). */
export function installPlugin(pulumi: string, env: NodeJS.ProcessEnv = process.env): InstallResult {
  const version = pluginVersion();
  // The code cache for the node the launcher names (the shipped one is for the node that built
  // the package; V8 refuses another's). Only start-up time depends on it: when the package
  // directory is not writable, the plugin compiles its bundle as it starts.
  try {
    writeCodeCache(process.execPath);
  } catch {
    // not writable here: the plugin runs without a (current) code cache
  }
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
