/**
 * The real Pulumi engine, offline: the CLI built from the Go module proxy, a local file backend,
 * the passphrase secrets provider. A small dynamic resource (a file) goes through up, a refreshed
 * preview that must show no changes, an update, drift, and destroy, both as an inline Automation
 * API program and as a project-directory program run by the Node.js language host.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { ensurePulumiBin, offlineEngine, type OfflineEngine } from "../../provider/engine";
import { copyFixture, repoRoot, scratchDir } from "../helpers/paths";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain-JS fixture outside rootDir
const { fileProvider } = require(
  path.join(repoRoot, "test", "fixtures", "engine-smoke", "fileProvider.js"),
);

/** The fixture's file resource, declared from TypeScript. */
class SmokeFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly content: pulumi.Output<string>;
  constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
    super(fileProvider, name, { ...args }, {}, "smoke", "File");
  }
}

describe("offline engine", function () {
  this.timeout(10 * 60_000);

  it("has a CLI reporting v3.248.0 with its language host and the pulumi-nodejs launcher", () => {
    const bin = ensurePulumiBin();
    assert.equal(
      execFileSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }).trim(),
      "v3.248.0",
    );
    for (const f of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
      const st = fs.statSync(path.join(bin, f));
      assert.ok(st.mode & 0o100, `${f} must be executable by its owner`);
    }
  });

  const scenarios: Array<{
    name: string;
    open: (engine: OfflineEngine, dir: string) => Promise<Stack>;
  }> = [
    {
      name: "an inline Automation API program",
      open: (engine) =>
        engine.inlineStack("engine-smoke-inline", "dev", async () => {
          const config = new pulumi.Config();
          const file = new SmokeFile("note", {
            path: config.require("path"),
            content: config.require("content"),
          });
          return { path: file.path, content: file.content };
        }),
    },
    {
      name: "a project-directory program run by the language host",
      open: (engine, dir) => engine.localStack("dev", dir),
    },
  ];

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      let engine: OfflineEngine;
      let stack: Stack;
      let target: string;

      before(async () => {
        const dir = copyFixture("engine-smoke");
        engine = await offlineEngine({ baseDir: dir, passphrase: "engine-smoke" });
        stack = await scenario.open(engine, dir);
        target = path.join(scratchDir("engine-target"), "note.txt");
        await stack.setConfig("path", { value: target });
        await stack.setConfig("content", { value: "first" });
      });

      after(async () => {
        if (stack) {
          await stack.destroy().catch(() => undefined);
          await stack.workspace.removeStack(stack.name).catch(() => undefined);
        }
      });

      it("creates the resource on up", async () => {
        const res = await stack.up();
        assert.equal(res.summary.result, "succeeded");
        assert.equal(res.summary.resourceChanges?.create, 2, "the stack and the file");
        assert.equal(res.outputs.content.value, "first");
        assert.equal(fs.readFileSync(target, "utf8"), "first");
      });

      it("shows no changes in a refreshed preview", async () => {
        const res = await stack.preview({ refresh: true, expectNoChanges: true });
        assert.equal(res.changeSummary.same, 2);
      });

      it("updates in place when an input changes", async () => {
        await stack.setConfig("content", { value: "second" });
        const res = await stack.up();
        assert.equal(res.summary.resourceChanges?.update, 1);
        assert.equal(fs.readFileSync(target, "utf8"), "second");
      });

      it("sees drift in a refreshed preview and repairs it on up --refresh", async () => {
        fs.writeFileSync(target, "changed by hand");
        await assert.rejects(
          stack.preview({ refresh: true, expectNoChanges: true }),
          /no changes were expected/i,
        );
        const res = await stack.up({ refresh: true });
        assert.equal(res.summary.result, "succeeded");
        assert.equal(fs.readFileSync(target, "utf8"), "second");
      });

      it("deletes the resource on destroy", async () => {
        const res = await stack.destroy();
        assert.equal(res.summary.result, "succeeded");
        assert.equal(res.summary.resourceChanges?.delete, 2);
        assert.equal(fs.existsSync(target), false);
      });
    });
  }
});
