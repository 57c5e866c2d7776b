/**
 * The plugin's shipped entry (provider/plugin/launch.ts) and its code cache: the cache written
 * for this node belongs to the bundle beside it, and the plugin starts and serves whatever the
 * cache file holds (current, of another bundle, damaged, missing), since a cache only saves
 * compile time. Runs a copy of the built plugin in a scratch package directory.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ensurePluginBundle } from "../../build/bundle-plugin";
import { writeCodeCache } from "../../provider/plugin/install";
import { CODE_CACHE, PLUGIN_BUNDLE } from "../../provider/plugin/launch";
import { repoRoot, scratchDir } from "../helpers/paths";
import { firstLineOf } from "../helpers/process";

/** A package directory holding a copy of the built plugin: package.json, schema.json, the entry, the bundle. */
function packageCopy(): { launch: string; cache: string; bundle: string } {
  const root = scratchDir("plugin-launch");
  const dir = path.join(root, "dist", "provider", "plugin");
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ["package.json", "schema.json"])
    fs.copyFileSync(path.join(repoRoot, f), path.join(root, f));
  const built = path.dirname(PLUGIN_BUNDLE);
  for (const f of ["launch.js", "install.js", path.basename(PLUGIN_BUNDLE)])
    fs.copyFileSync(path.join(built, f), path.join(dir, f));
  return {
    launch: path.join(dir, "launch.js"),
    cache: path.join(dir, path.basename(CODE_CACHE)),
    bundle: path.join(dir, path.basename(PLUGIN_BUNDLE)),
  };
}

/** Starts the plugin, asks it its version over gRPC, stops it. */
async function versionServed(launch: string): Promise<string> {
  const p = spawn(process.execPath, [launch], { stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    p.on("exit", (code) => reject(new Error(`the plugin exited (${code}): ${err}`)));
  });
  const client = new providerGrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  try {
    return await new Promise<string>((resolve, reject) =>
      client.getPluginInfo(new Empty(), (e: Error | null, r: pluginPb.PluginInfo) =>
        e ? reject(e) : resolve(r.getVersion()),
      ),
    );
  } finally {
    client.close();
    p.kill();
  }
}

describe("the plugin's launcher and its code cache", function () {
  this.timeout(2 * 60_000);
  const version = (
    JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

  before(() => {
    ensurePluginBundle();
  });

  it("writes a cache that names the bundle it was made from, and serves with it", async () => {
    const c = packageCopy();
    writeCodeCache(process.execPath, c.launch);
    const source = fs.readFileSync(c.bundle, "utf8").replace(/^#!.*/, "");
    const cache = fs.readFileSync(c.cache);
    assert.ok(
      cache.length > 100_000,
      `the cache holds the start-up's code (${cache.length} bytes)`,
    );
    const sha1 = (d: string | Buffer) => crypto.createHash("sha1").update(d).digest();
    assert.deepEqual(cache.subarray(0, 20), sha1(source), "the bundle's digest");
    assert.deepEqual(cache.subarray(20, 40), sha1(cache.subarray(40)), "the data's digest");
    assert.equal(await versionServed(c.launch), version);
  });

  it("has V8 take the cache the build wrote for this node", () => {
    ensurePluginBundle();
    // Asked of a fresh node, as the plugin runs: V8 takes a cache only under the flags it was
    // made with, and this test process's are not a fresh node's (@pulumi/pulumi, which other
    // tests load here, turns on --allow-natives-syntax when its closure serializer loads).
    const probe = `const { compileBundle } = require(${JSON.stringify(require.resolve("../../provider/plugin/launch"))});
      const { script, cached } = compileBundle();
      process.stdout.write(JSON.stringify({ cached, rejected: script.cachedDataRejected }));`;
    const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const { cached, rejected } = JSON.parse(r.stdout) as { cached: boolean; rejected: boolean };
    assert.ok(cached, "the cache belongs to the bundle");
    assert.equal(rejected, false, "V8 accepts it");
  });

  it("serves without a cache, with another bundle's cache, and with a damaged one", async () => {
    const c = packageCopy();
    assert.equal(await versionServed(c.launch), version, "no cache");
    writeCodeCache(process.execPath, c.launch);
    const good = fs.readFileSync(c.cache);
    const otherBundle = Buffer.from(good);
    otherBundle[0] = otherBundle[0]! ^ 0xff;
    fs.writeFileSync(c.cache, otherBundle);
    assert.equal(await versionServed(c.launch), version, "another bundle's cache");
    // V8 does not check its data: flipped bytes inside it (headers intact) would crash it.
    const damaged = Buffer.from(good);
    for (const at of [200, 5_000, 50_000]) damaged[40 + at] = damaged[40 + at]! ^ 0xff;
    fs.writeFileSync(c.cache, damaged);
    assert.equal(await versionServed(c.launch), version, "a damaged cache");
    const random = Buffer.concat([good.subarray(0, 40), crypto.randomBytes(good.length - 40)]);
    fs.writeFileSync(c.cache, random);
    assert.equal(await versionServed(c.launch), version, "a cache of random bytes");
    fs.writeFileSync(c.cache, good.subarray(0, 7));
    assert.equal(await versionServed(c.launch), version, "a truncated cache");
  });

  it("prints its port from the shipped bin/ launcher", async () => {
    const p = spawn(path.join(repoRoot, "bin", "pulumi-resource-keyplane"), [], { stdio: "pipe" });
    assert.match(await firstLineOf(p), /^[1-9][0-9]*$/);
  });
});
