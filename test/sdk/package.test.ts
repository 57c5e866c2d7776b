/**
 * The SDK as users get it: `npm pack` of the built package, installed into a fresh project. Plain
 * JavaScript requires `keyplane/sdk` (without loading the server, a database driver or Pulumi) and
 * talks to a real server; a TypeScript file importing it type-checks under `node16` and `bundler`
 * module resolution, with `@ts-expect-error` lines proving the typings are real, not `any`.
 *
 * Packs what `dist/` holds now (`--ignore-scripts` skips `prepack`, which would rebuild dist/ under
 * other test runs); the suite runs from dist/, so it is built. Installs from the npm registry
 * (`--prefer-offline`: the cache usually has everything) with `--ignore-scripts`, so no native
 * module is compiled: the SDK must not need one.
 */
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot, scratchDir } from "../helpers/paths";
import { startTestServer, type TestServer } from "../helpers/server";

const TS_CHECK = `import { BadRequestError, KeyplaneClient, NotFoundError, contract, type GenerateKeyResult, type KeyPage, type KeyplaneClientOptions } from "keyplane/sdk";

const options: KeyplaneClientOptions = { endpoint: "http://127.0.0.1:1", apiKeyId: 1, apiKey: "k", securityLevel: "advanced", retries: 0 };

export async function main(): Promise<number> {
  const c = new KeyplaneClient(options);
  const g: GenerateKeyResult = await c.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard", expiration: new Date() });
  const id: number = g.id;
  const key: string = g.key;
  const page: KeyPage = await c.apiKeys.list({ filters: [{ field: "securityLevel", value: "advanced" }], sort: { field: "creationTime", order: "desc" } });
  const count: number = page.filterCount + page.totalCount + page.items[0]!.id;
  for await (const k of c.apiKeys.iterate({ pageSize: 10 })) void k.security_level;
  const v = await c.auth.verify({ headers: contract.authHeaders({ apiKeyId: id, apiKey: key }) });
  const valid: boolean = v.valid;
  // @ts-expect-error roles are required
  await c.apiKeys.generate({ securityLevel: "standard" });
  // @ts-expect-error inputs are camelCase, not the wire's snake_case
  await c.apiKeys.generate({ roles: ["Viewer"], security_level: "standard" });
  // @ts-expect-error get takes a numeric id
  await c.apiKeys.get("12");
  const parsed: number = contract.ERROR_CODES.NOT_FOUND;
  try {
    await c.roles.get("viewer", { timeoutMs: 1000, signal: AbortSignal.timeout(2000) });
  } catch (e) {
    if (e instanceof NotFoundError) return e.status;
    if (e instanceof BadRequestError) return e.fields.length;
  }
  await c.close();
  return id + count + parsed + (valid ? 1 : 0);
}
`;

const JS_CHECK = `
const sdk = require("keyplane/sdk");
const loaded = () => Object.keys(require.cache).filter((p) => /[\\\\/]node_modules[\\\\/](better-sqlite3|pg|fastify|@pulumi)[\\\\/]/.test(p));
(async () => {
  const out = {
    exports: ["KeyplaneClient", "KeyplaneApiError", "NotFoundError", "ResponseValidationError", "KeyplaneTimeoutError", "contract"].filter((n) => !sdk[n]),
    routes: sdk.contract.ROUTES.length,
    heavy: loaded(),
  };
  const c = new sdk.KeyplaneClient({ endpoint: process.env.KP_URL, apiKeyId: process.env.KP_ID, apiKey: process.env.KP_KEY });
  out.health = (await c.health()).status;
  out.keys = (await c.apiKeys.list()).totalCount;
  try { await c.apiKeys.get(999999); } catch (e) { out.error = [e.name, e.code, e instanceof sdk.NotFoundError, e instanceof sdk.KeyplaneApiError]; }
  await c.close();
  out.heavyAfterCalls = loaded();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe("sdk package", function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let app: string;
  let srv: TestServer;

  before(async () => {
    dir = scratchDir("sdk-pack");
    const packDir = path.join(dir, "pack");
    app = path.join(dir, "app");
    fs.mkdirSync(packDir);
    fs.mkdirSync(app);
    assert.ok(
      fs.existsSync(path.join(repoRoot, "dist", "sdk", "index.js")),
      "dist/ is built (npx tsc -p .)",
    );
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", packDir, "--json"], {
        cwd: repoRoot,
        encoding: "utf8",
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tgz = path.join(packDir, path.basename(packed[0]!.filename));
    assert.ok(packed[0]!.files.some((f) => f.path === "dist/sdk/index.d.ts"));
    fs.writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({ name: "sdk-consumer", version: "1.0.0", private: true }),
    );
    execFileSync(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--prefer-offline",
        "--loglevel=error",
        tgz,
      ],
      { cwd: app, stdio: "pipe" },
    );
    srv = await startTestServer();
  });
  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });
  after(async () => {
    await srv?.close();
    // Kept when something failed, to look at; otherwise removed.
    if (dir && !failed) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("requires keyplane/sdk from plain JavaScript, without the server, a database driver or Pulumi, and calls a real server", async () => {
    fs.writeFileSync(path.join(app, "check.js"), JS_CHECK);
    // Asynchronously: the server answering the child runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, ["check.js"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, KP_URL: srv.url, KP_ID: String(srv.admin.id), KP_KEY: srv.admin.key },
    });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.exports, [], "every named export is there");
    assert.ok(out.routes > 40);
    assert.deepEqual(out.heavy, []);
    assert.deepEqual(out.heavyAfterCalls, []);
    assert.equal(out.health, "available");
    assert.ok(out.keys >= 1);
    assert.deepEqual(out.error, ["NotFoundError", "NOT_FOUND", true, true]);
  });

  for (const resolution of ["node16", "bundler"] as const) {
    it(`type-checks a TypeScript consumer under moduleResolution ${resolution}`, () => {
      const sub = path.join(app, `ts-${resolution}`);
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, "index.ts"), TS_CHECK);
      fs.writeFileSync(
        path.join(sub, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "ES2022",
            lib: ["ES2022"],
            module: resolution === "node16" ? "node16" : "esnext",
            moduleResolution: resolution,
            types: ["node"],
            typeRoots: [path.join(repoRoot, "node_modules", "@types")],
            skipLibCheck: true,
          },
          files: ["index.ts"],
        }),
      );
      const tsc = path.join(repoRoot, "node_modules", ".bin", "tsc");
      try {
        execFileSync(tsc, ["-p", sub], { cwd: sub, encoding: "utf8", stdio: "pipe" });
      } catch (e) {
        const x = e as { stdout?: string; stderr?: string };
        assert.fail(`tsc failed:\n${x.stdout ?? ""}${x.stderr ?? ""}`);
      }
    });
  }
});
