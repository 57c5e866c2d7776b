/**
 * The offline Pulumi engine settings, in one place.
 *
 * Tests, the demo and `keyplane drift` all run the Pulumi engine through the Automation API
 * with the CLI that `scripts/ensure-pulumi` builds from the Go module proxy. This module binds
 * the Automation API to that CLI and sets what a machine without pulumi.com needs: a local
 * file backend, the passphrase secrets provider, no update check, no plugin downloads and an
 * isolated PULUMI_HOME (holding the analyzer that runs keyplane's policy pack).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as automation from "@pulumi/pulumi/automation";

/** The Pulumi CLI version this package pins (the same as its `@pulumi/pulumi`). */
export const PULUMI_VERSION = "3.248.0";

/** The root of the keyplane package (the directory holding package.json), in the repo or installed. */
export function packageRoot(): string {
  // Compiled to dist/provider/engine.js; sources live in provider/engine.ts.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, "utf8")).name === "keyplane") return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    if (dir === path.dirname(dir))
      throw new Error(`cannot find the keyplane package root above ${__dirname}`);
  }
}

let cachedBin: string | undefined;

/**
 * The directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`.
 * `KEYPLANE_PULUMI_BIN` names one directly; otherwise `scripts/ensure-pulumi` finds or builds it
 * (its progress goes to this process's stderr).
 */
export function ensurePulumiBin(): string {
  if (cachedBin) return cachedBin;
  const explicit = process.env.KEYPLANE_PULUMI_BIN;
  if (explicit) {
    for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
      if (!fs.existsSync(path.join(explicit, f))) {
        throw new Error(`KEYPLANE_PULUMI_BIN=${explicit} has no ${f}`);
      }
    }
    cachedBin = explicit;
    return explicit;
  }
  const script = path.join(packageRoot(), "scripts", "ensure-pulumi");
  // Progress (a first build) goes to stderr; finding the cache says nothing.
  const res = spawnSync("bash", [script], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    env: { ...process.env, KEYPLANE_PULUMI_QUIET: "1" },
  });
  if (res.status !== 0) {
    throw new Error(
      `scripts/ensure-pulumi failed (exit ${res.status ?? res.signal}); see its output above`,
    );
  }
  const lines = res.stdout.trim().split("\n");
  const bin = lines[lines.length - 1];
  if (!bin || !fs.existsSync(path.join(bin, "pulumi"))) {
    throw new Error(`scripts/ensure-pulumi printed no usable bin directory (got '${bin}')`);
  }
  cachedBin = bin;
  return bin;
}

/** The analyzer plugin that runs Node.js policy packs (`runtime: node`), see tools/analyzer-policy-node. */
const POLICY_ANALYZER = "policy-node";

/**
 * Installs the policy-pack analyzer launcher into `pulumiHome`'s plugin cache, once per content:
 * `scripts/ensure-pulumi` places it beside the CLI (or, with KEYPLANE_PULUMI_BIN, the package's
 * own copy is used). In the plugin cache, not on PATH, so the engine prints no warning.
 */
export function installPolicyAnalyzer(binDir: string, pulumiHome: string): void {
  const beside = path.join(binDir, "keyplane-analyzer-policy-node");
  const source = fs.existsSync(beside)
    ? beside
    : path.join(packageRoot(), "tools", "analyzer-policy-node", "pulumi-analyzer-policy-node");
  const version = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8"))
    .version as string;
  const installed = path.join(
    pulumiHome,
    "plugins",
    `analyzer-${POLICY_ANALYZER}-v${version}`,
    `pulumi-analyzer-${POLICY_ANALYZER}`,
  );
  const want = fs.readFileSync(source);
  if (fs.existsSync(installed) && fs.readFileSync(installed).equals(want)) return;
  const res = spawnSync(
    path.join(binDir, "pulumi"),
    ["plugin", "install", "analyzer", POLICY_ANALYZER, version, "--file", source, "--reinstall"],
    {
      env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
      encoding: "utf8",
    },
  );
  if (res.status !== 0)
    throw new Error(
      `installing the policy-pack analyzer into ${pulumiHome} failed: ${(res.stderr || res.stdout || "").trim()}`,
    );
}

/** Options for {@link offlineEngine}. Every path defaults under `baseDir/.keyplane/`. */
export interface OfflineEngineOptions {
  /** Directory whose `.keyplane/` holds the default state, passphrase and PULUMI_HOME. Default: cwd. */
  baseDir?: string;
  /** Local file backend directory. Default: `PULUMI_BACKEND_URL` if it is a file URL, else `<baseDir>/.keyplane/state`. */
  stateDir?: string;
  /** PULUMI_HOME for every CLI call. Default: `<baseDir>/.keyplane/pulumi-home`. */
  pulumiHome?: string;
  /** Passphrase for the secrets provider. Default: `PULUMI_CONFIG_PASSPHRASE[_FILE]`, else a generated `<baseDir>/.keyplane/passphrase`. */
  passphrase?: string;
  /** Extra environment for the CLI and the providers it starts (e.g. `KEYPLANE_ENDPOINT`). */
  env?: Record<string, string>;
}

/** The settings that every offline engine run shares. */
export interface OfflineEngine {
  /** The Automation API command bound to the built CLI. */
  pulumiCommand: automation.PulumiCommand;
  /** The directory holding the CLI and its plugins. */
  binDir: string;
  /** `file://…` URL of the local backend. */
  backendUrl: string;
  /** The isolated PULUMI_HOME. */
  pulumiHome: string;
  /** Environment given to every CLI call (backend, passphrase, offline switches, caller's extras). */
  envVars: Record<string, string>;
  /** Workspace options for a project directory (one holding Pulumi.yaml). */
  workspaceOptions(workDir?: string): automation.LocalWorkspaceOptions;
  /** Creates or selects a stack of an inline program. `main` must resolve `@pulumi/pulumi` (default: the package root). */
  inlineStack(
    projectName: string,
    stackName: string,
    program: automation.PulumiFn,
    opts?: { main?: string; config?: Record<string, automation.ConfigValue> },
  ): Promise<automation.Stack>;
  /** Creates or selects a stack of the program in `workDir` (run by the Node.js language host). */
  localStack(
    stackName: string,
    workDir: string,
    opts?: { config?: Record<string, automation.ConfigValue> },
  ): Promise<automation.Stack>;
  /** Selects an existing stack of the program in `workDir`. */
  selectStack(stackName: string, workDir: string): Promise<automation.Stack>;
}

function fileBackendDir(url: string | undefined): string | undefined {
  if (!url || !url.startsWith("file://")) return undefined;
  let p = url.slice("file://".length);
  if (p.startsWith("~")) p = path.join(os.homedir(), p.slice(1));
  return path.resolve(p);
}

function resolvePassphrase(keyplaneDir: string, explicit?: string): Record<string, string> {
  if (explicit !== undefined) return { PULUMI_CONFIG_PASSPHRASE: explicit };
  if (process.env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
    return { PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE };
  }
  if (process.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    return { PULUMI_CONFIG_PASSPHRASE_FILE: process.env.PULUMI_CONFIG_PASSPHRASE_FILE };
  }
  const file = path.join(keyplaneDir, "passphrase");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(keyplaneDir, { recursive: true });
    // 'wx' never overwrites a passphrase another run just wrote.
    try {
      fs.writeFileSync(file, randomBytes(24).toString("base64url"), { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  return { PULUMI_CONFIG_PASSPHRASE_FILE: file };
}

/** Builds the offline engine settings (and the CLI, the first time). */
export async function offlineEngine(opts: OfflineEngineOptions = {}): Promise<OfflineEngine> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const keyplaneDir = path.join(baseDir, ".keyplane");
  const stateDir = path.resolve(
    opts.stateDir ??
      fileBackendDir(process.env.PULUMI_BACKEND_URL) ??
      path.join(keyplaneDir, "state"),
  );
  const pulumiHome = path.resolve(opts.pulumiHome ?? path.join(keyplaneDir, "pulumi-home"));
  // The file backend will not open a missing directory.
  fs.mkdirSync(stateDir, { recursive: true });
  fs.mkdirSync(pulumiHome, { recursive: true });

  const binDir = ensurePulumiBin();
  installPolicyAnalyzer(binDir, pulumiHome);
  const pulumiCommand = await automation.PulumiCommand.get({ root: path.dirname(binDir) });
  const backendUrl = `file://${stateDir}`;
  const envVars: Record<string, string> = {
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_HOME: pulumiHome,
    ...resolvePassphrase(keyplaneDir, opts.passphrase),
    ...(opts.env ?? {}),
  };
  const workspaceOptions = (workDir?: string): automation.LocalWorkspaceOptions => ({
    pulumiCommand,
    pulumiHome,
    envVars,
    ...(workDir ? { workDir } : {}),
  });

  return {
    pulumiCommand,
    binDir,
    backendUrl,
    pulumiHome,
    envVars,
    workspaceOptions,
    async inlineStack(projectName, stackName, program, o = {}) {
      const stack = await automation.LocalWorkspace.createOrSelectStack(
        { projectName, stackName, program },
        {
          ...workspaceOptions(),
          // The dynamic-provider plugin runs in `main`, which must resolve @pulumi/pulumi.
          projectSettings: { name: projectName, runtime: "nodejs", main: o.main ?? packageRoot() },
        },
      );
      if (o.config) await stack.setAllConfig(o.config);
      return stack;
    },
    async localStack(stackName, workDir, o = {}) {
      const stack = await automation.LocalWorkspace.createOrSelectStack(
        { stackName, workDir },
        workspaceOptions(workDir),
      );
      if (o.config) await stack.setAllConfig(o.config);
      return stack;
    },
    async selectStack(stackName, workDir) {
      return automation.LocalWorkspace.selectStack(
        { stackName, workDir },
        workspaceOptions(workDir),
      );
    },
  };
}
