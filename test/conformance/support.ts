/**
 * What the conformance suites share: every reply a client sees is checked against the committed
 * docs/openapi.json (with a real JSON Schema validator, not our own zod schemas), so that the
 * contract and the published clients cannot drift apart; and the installed PyPI client.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { repoRoot } from "../helpers/paths";

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

const doc = JSON.parse(fs.readFileSync(path.join(repoRoot, "docs", "openapi.json"), "utf8")) as {
  components: object;
  paths: Record<string, Record<string, Operation>>;
};

// OpenAPI 3.1 schemas are JSON Schema 2020-12. `strict: false`: the document carries OpenAPI's
// own keywords (`x-keyplane-*`, `components`) beside the schema ones.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

const templates = Object.keys(doc.paths).map((p) => ({
  path: p,
  re: new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
}));

/** The documented operation for a method and a URL (its path; a trailing slash is allowed, as the server allows it). */
export function operationFor(method: string, url: string): { path: string; op: Operation } {
  const pathname = new URL(url, "http://x").pathname.replace(/\/{2,}/g, "/");
  const m = method.toLowerCase();
  for (const t of templates) {
    const op = doc.paths[t.path]![m];
    if (op && t.re.test(pathname)) return { path: t.path, op };
  }
  assert.fail(`${method} ${pathname} is not in docs/openapi.json`);
}

/**
 * Asserts that a reply is documented: its status is listed for the operation and its body
 * validates against that response's schema. Returns the operation id.
 */
export function assertDocumented(
  method: string,
  url: string,
  status: number,
  body: unknown,
): string {
  const { path: p, op } = operationFor(method, url);
  const res = op.responses[String(status)] ?? op.responses.default;
  assert.ok(
    res,
    `${method} ${p}: status ${status} is not documented (documented: ${Object.keys(op.responses).join(", ")})`,
  );
  const schema = res.content?.["application/json"]?.schema;
  assert.ok(schema, `${method} ${p} ${status}: no JSON schema documented`);
  const key = `${method} ${p} ${status}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile({ ...schema, components: doc.components });
    compiled.set(key, v);
  }
  if (!v(body)) {
    const errs = (v.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || "(root)"} ${e.message}`)
      .join("; ");
    assert.fail(
      `${method} ${url} ${status}: the reply breaks docs/openapi.json (${errs}): ${JSON.stringify(body).slice(0, 400)}`,
    );
  }
  return op.operationId;
}

/**
 * The bin directory of the virtualenv holding the pinned `cortex-xdr-client` (installed on first
 * use by scripts/ensure-cortex-xdr-client), or the reason there is none.
 */
export function xdrClientVenv(): { bin: string } | { skip: string } {
  const r = spawnSync("bash", [path.join(repoRoot, "scripts", "ensure-cortex-xdr-client")], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (r.status === 0) return { bin: r.stdout.trim().split("\n").pop()! };
  const why = `scripts/ensure-cortex-xdr-client exited ${r.status ?? r.signal}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`;
  if (process.env.KEYPLANE_REQUIRE_CONFORMANCE === "1") assert.fail(why);
  return { skip: why };
}

/**
 * Runs a fixture script with the virtualenv's Python and resolves with its stdout. Asynchronous
 * on purpose: the test server runs in this process and must keep serving while the script calls it.
 */
export function runPython(
  python: string,
  fixture: string,
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(python, [path.join(repoRoot, "test", "conformance", "fixtures", fixture)], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${fixture} exited ${code ?? signal}: ${err.slice(-2000)}`));
      else resolve(out);
    });
  });
}
