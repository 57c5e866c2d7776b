/**
 * Builds the native provider plugin as it ships: `provider/plugin/main.ts` and everything it loads
 * (the resource code, the SDK, zod, undici, grpc-js, the Pulumi protos) bundled by esbuild into
 * one file, `dist/provider/plugin/pulumi-resource-keyplane.js`, and V8's code cache of its start-up
 * for this node (provider/plugin/launch.ts, the entry that `bin/pulumi-resource-keyplane` and the
 * launcher `keyplane plugin install` writes both run, uses it).
 *
 * Why: the engine starts one plugin process per operation and waits for its port, so the plugin's
 * start-up is on every operation's critical path. Loaded from `dist/` and `node_modules/`, node
 * resolves, reads and compiles ≈ 330 modules one by one; one file skips the resolution and the
 * per-module wrappers, and bundling from the TypeScript sources lets esbuild take zod and the
 * other ES modules in their ESM form. tsc still type-checks everything (`npm run build` runs it
 * first); esbuild only strips the types of the same sources.
 *
 * Run by `npm run build` (`node dist/build/bundle-plugin.js`); the plugin's tests and the bench
 * call `ensurePluginBundle()`, which rebuilds it when any of its inputs is newer than the bundle
 * (after a bare `npx tsc -p .`, or an edit). esbuild is a devDependency: an installed package
 * ships the bundle, not this builder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeCodeCache } from "../provider/plugin/install";
import { CODE_CACHE, PLUGIN_BUNDLE } from "../provider/plugin/launch";

const root = path.join(__dirname, "..", "..");

/** The plugin's shipped entry: runs the bundle with its code cache (provider/plugin/launch.ts). */
export const PLUGIN_ENTRY = path.join(root, "dist", "provider", "plugin", "launch.js");
/** The inputs of the last build (esbuild's metafile), for the staleness check; not shipped. */
const META = path.join(root, "dist", "build", "pulumi-resource-keyplane.meta.json");

/** Bundles `entry` (a TypeScript or JavaScript file) into `outfile` for this node; returns the input files. */
export function bundle(entry: string, outfile: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a devDependency, loaded only when a build is asked for
  const esbuild = require("esbuild") as typeof import("esbuild");
  const r = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    metafile: true,
    logLevel: "warning",
    tsconfig: path.join(root, "tsconfig.json"),
  });
  return Object.keys(r.metafile!.inputs).map((f) => path.resolve(root, f));
}

/** Builds the plugin bundle, and its code cache for this node. */
export function bundlePlugin(): void {
  const inputs = bundle(path.join(root, "provider", "plugin", "main.ts"), PLUGIN_BUNDLE);
  writeCodeCache();
  fs.mkdirSync(path.dirname(META), { recursive: true });
  fs.writeFileSync(META, JSON.stringify({ inputs }));
}

/** Whether the bundle is missing or older than one of the inputs of its last build. */
export function pluginBundleStale(): boolean {
  if (!fs.existsSync(PLUGIN_BUNDLE) || !fs.existsSync(CODE_CACHE) || !fs.existsSync(META))
    return true;
  const built = fs.statSync(PLUGIN_BUNDLE).mtimeMs;
  const { inputs } = JSON.parse(fs.readFileSync(META, "utf8")) as { inputs: string[] };
  return inputs.some((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs > built);
}

/** Rebuilds the bundle when it is stale (see pluginBundleStale); returns the plugin's entry. */
export function ensurePluginBundle(): string {
  if (pluginBundleStale()) bundlePlugin();
  return PLUGIN_ENTRY;
}

if (require.main === module) bundlePlugin();
