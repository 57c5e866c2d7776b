#!/usr/bin/env node
/**
 * The native plugin's entry as it ships: `bin/pulumi-resource-keyplane` and the launcher that
 * `keyplane plugin install` writes both run this file, which runs the plugin's bundle
 * (`pulumi-resource-keyplane.js` beside it: main.ts and all it loads, see build/bundle-plugin.ts)
 * with V8's code cache for it when there is a current one.
 *
 * Why: the engine starts one plugin process per operation and waits for its port. Most of what
 * the plugin does before that is compiling JavaScript: the bundle's 2 MB of module code (zod's,
 * undici's, grpc-js's, the contract's), every function the start-up calls. A code cache (V8's
 * compiled bytecode of the start-up, `vm.Script`'s `cachedData`, made once per build and per
 * node by install.ts's `writeCodeCache()`) skips that. Node 20 has no module compile cache of its own.
 *
 * The cache file starts with the SHA-1 of the bundle it was made from: V8 itself checks only the
 * source's length and its own version and flags, so a cache of another build is never used. A
 * missing, stale or rejected (another node's) cache only means a normal compile.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { WRITE_CODE_CACHE_ENV } from "./install";

/** The bundled plugin. */
export const PLUGIN_BUNDLE = path.join(__dirname, "pulumi-resource-keyplane.js");
/** Its code cache: the bundle's SHA-1, then V8's cached data. */
export const CODE_CACHE = `${PLUGIN_BUNDLE}.cache`;
const DIGEST_BYTES = 20;

function compileBundle(): { script: vm.Script; digest: Buffer } {
  // The source as node would compile it as a CommonJS module: without its #! line, wrapped.
  const source = fs.readFileSync(PLUGIN_BUNDLE, "utf8").replace(/^#!.*/, "");
  const digest = crypto.createHash("sha1").update(source).digest();
  let cachedData: Buffer | undefined;
  try {
    const c = fs.readFileSync(CODE_CACHE);
    if (c.subarray(0, DIGEST_BYTES).equals(digest)) cachedData = c.subarray(DIGEST_BYTES);
  } catch {
    // no cache: a normal compile
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return { script: new vm.Script(wrapped, { filename: PLUGIN_BUNDLE, cachedData }), digest };
}

/** Runs the bundle as node runs a CommonJS main module (its requires are node's built-ins). */
function runBundle(script: vm.Script): void {
  const mod = { exports: {}, filename: PLUGIN_BUNDLE, id: ".", loaded: false };
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  fn.call(
    mod.exports,
    mod.exports,
    createRequire(PLUGIN_BUNDLE),
    mod,
    PLUGIN_BUNDLE,
    path.dirname(PLUGIN_BUNDLE),
  );
  mod.loaded = true;
}

if (require.main === module) {
  const { script, digest } = compileBundle();
  runBundle(script);
  if (process.env[WRITE_CODE_CACHE_ENV] === "1") {
    // The bundle's start-up has run (its modules loaded, its server made): what V8 compiled for
    // it is what the cache holds. Written whole or not at all; the plugin never serves here.
    const tmp = `${CODE_CACHE}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.concat([digest, script.createCachedData()]));
    fs.renameSync(tmp, CODE_CACHE);
    process.exit(0);
  }
}
