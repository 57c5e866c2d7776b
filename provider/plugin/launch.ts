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
 * The cache file starts with the SHA-1 of the bundle it was made from and the SHA-1 of the cached
 * data: V8 itself checks only the source's length and its own version and flags (a cache of
 * another build of the same length would be taken), and deserializes damaged data until it
 * crashes. So a cache of another build or a damaged one is never given to V8; a missing, stale,
 * damaged or rejected (another node's) cache only means a normal compile.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { WRITE_CODE_CACHE_ENV } from "./install";

/** The bundled plugin. */
export const PLUGIN_BUNDLE = path.join(__dirname, "pulumi-resource-keyplane.js");
/** Its code cache: the bundle's SHA-1, the data's SHA-1, then V8's cached data. */
export const CODE_CACHE = `${PLUGIN_BUNDLE}.cache`;
const DIGEST_BYTES = 20;

const sha1 = (data: string | Buffer) => crypto.createHash("sha1").update(data).digest();

/** The bundle compiled, with its code cache when that is current (`cached`: whether one was given to V8). */
export function compileBundle(): { script: vm.Script; digest: Buffer; cached: boolean } {
  // The source as node would compile it as a CommonJS module: without its #! line, wrapped.
  const source = fs.readFileSync(PLUGIN_BUNDLE, "utf8").replace(/^#!.*/, "");
  const digest = sha1(source);
  let cachedData: Buffer | undefined;
  try {
    const c = fs.readFileSync(CODE_CACHE);
    const data = c.subarray(2 * DIGEST_BYTES);
    if (
      c.subarray(0, DIGEST_BYTES).equals(digest) &&
      c.subarray(DIGEST_BYTES, 2 * DIGEST_BYTES).equals(sha1(data))
    )
      cachedData = data;
  } catch {
    // no cache: a normal compile
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: PLUGIN_BUNDLE, cachedData });
  return { script, digest, cached: cachedData !== undefined };
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
    const data = script.createCachedData();
    fs.writeFileSync(tmp, Buffer.concat([digest, sha1(data), data]));
    fs.renameSync(tmp, CODE_CACHE);
    process.exit(0);
  }
}
