/**
 * The server's module graph, read from the sources: no import cycle anywhere under server/
 * (type-only imports count: a cycle of types is still two modules that cannot be read apart),
 * and nothing below server/app.ts imports it back: it builds and registers, and only the two
 * entry points above it (start.ts, which listens, and index.ts, the package's exports) use it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../../..");
const SERVER = path.join(ROOT, "server");

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The server modules a file imports (relative imports that resolve under server/). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
  const out: string[] = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const base = path.resolve(path.dirname(file), fileName);
    const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
    if (target && target.startsWith(SERVER + path.sep)) out.push(target);
  }
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of modules around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (m: string) => {
    state.set(m, "open");
    stack.push(m);
    for (const next of graph.get(m) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(m, "done");
  };
  for (const m of graph.keys()) if (!state.has(m)) visit(m);
  return found;
}

describe("the server's module graph", () => {
  const files = sourcesUnder(SERVER);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const rel = (f: string) => path.relative(ROOT, f);

  it("reads the sources it is about", () => {
    assert.ok(files.length > 50, `${files.length} files under server/`);
    assert.ok(
      importsOf(path.join(SERVER, "app.ts")).some((f) =>
        f.endsWith(path.join("http", "routes.ts")),
      ),
      "app.ts imports http/routes.ts",
    );
  });

  it("has no import cycle", () => {
    const found = cycles(graph).map((c) => c.map(rel).join(" → "));
    assert.deepEqual(found, []);
  });

  it("finds a cycle when there is one (the check can fail)", () => {
    const a = path.join(SERVER, "a.ts");
    const b = path.join(SERVER, "b.ts");
    assert.equal(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ).length,
      1,
    );
  });

  it("only the entry points import app.ts", () => {
    const app = path.join(SERVER, "app.ts");
    const importers = files.filter((f) => graph.get(f)!.includes(app)).map(rel);
    assert.deepEqual(importers.sort(), ["server/index.ts", "server/start.ts"]);
  });
});
