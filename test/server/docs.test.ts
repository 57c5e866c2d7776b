/**
 * Docs kept in step with the code: docs/errors.md lists exactly the error codes of the enum with
 * their HTTP statuses; docs/roles.md lists every predefined role with its level per component,
 * what each level allows, and the permission each call needs; docs/openapi.json is the output of
 * `keyplane openapi`, and the server serves the same document.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  COMPONENTS,
  COMPONENT_NAMES,
  ERROR_CODES,
  ROUTES,
  type RouteDef,
} from "../../sdk/contract";
import { PREDEFINED_ROLES } from "../../server/authz/roles";
import { openApiDocument } from "../../server/openapi";
import { repoRoot } from "../helpers/paths";
import { startTestServer } from "../helpers/server";

const read = (name: string) => fs.readFileSync(path.join(repoRoot, "docs", name), "utf8");

/** The rows of the markdown table whose header row starts with `firstHeader`, as cells. */
function table(md: string, firstHeader: string): { header: string[]; rows: string[][] } {
  const lines = md.split("\n");
  const cells = (l: string) =>
    l
      .trim()
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((c) => c.trim());
  const start = lines.findIndex((l) => l.startsWith("|") && cells(l)[0] === firstHeader);
  assert.ok(start >= 0, `no table with a '${firstHeader}' column`);
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith("|"); i++)
    rows.push(cells(lines[i]!));
  return { header: cells(lines[start]!), rows };
}

const code = (cell: string) => /^`([^`]+)`$/.exec(cell)?.[1] ?? cell;

describe("docs/errors.md", () => {
  const doc = read("errors.md");
  const rows = table(doc, "Code").rows;

  it("lists every error code of the enum, with its HTTP status", () => {
    const documented = new Map(rows.map((r) => [code(r[0]!), Number(r[1])]));
    const missing = Object.keys(ERROR_CODES).filter((c) => !documented.has(c));
    const extra = [...documented.keys()].filter((c) => !(c in ERROR_CODES));
    assert.deepEqual(
      missing,
      [],
      `docs/errors.md lacks ${missing.join(", ")}: add a row for each (meaning, how to fix)`,
    );
    assert.deepEqual(
      extra,
      [],
      `docs/errors.md lists codes the enum does not have: ${extra.join(", ")}`,
    );
    for (const [c, status] of Object.entries(ERROR_CODES))
      assert.equal(
        documented.get(c),
        status,
        `docs/errors.md gives ${c} the status ${documented.get(c)}, the enum ${status}`,
      );
    assert.equal(rows.length, Object.keys(ERROR_CODES).length, "each code once");
  });

  it("says for each code what it means and how to fix it", () => {
    for (const r of rows) {
      assert.equal(r.length, 4, `row ${r[0]}`);
      assert.ok(r[2]!.length > 15, `${r[0]}: meaning`);
      assert.ok(r[3]!.length > 15, `${r[0]}: how to fix`);
    }
  });

  it("quotes the reference's 401 and 403 bodies as the server sends them", async () => {
    const t = await startTestServer();
    try {
      const unauth = await t.call(
        "POST",
        "/public_api/v1/api_keys/validate",
        { request_data: {} },
        { as: null },
      );
      assert.ok(
        doc.includes(JSON.stringify(unauth.body).replace(/":/g, '": ').replace(/,"/g, ', "')),
        `docs/errors.md must quote ${unauth.text}`,
      );
    } finally {
      await t.close();
    }
    assert.ok(
      doc.includes(
        '{"reply": {"err_code": 403, "err_msg": "Forbidden. Access was denied to this resource.", "err_extra": "Insufficient permissions for api key"}}',
      ),
    );
  });
});

describe("docs/roles.md", () => {
  const doc = read("roles.md");

  it("lists every predefined role with its id and description", () => {
    const rows = table(doc, "Role").rows;
    assert.deepEqual(
      rows.map((r) => [r[0], code(r[1]!), r[2]]),
      PREDEFINED_ROLES.map((r) => [r.prettyName, r.roleId, r.description]),
      "docs/roles.md 'Predefined roles' differs from server/authz/roles.ts",
    );
  });

  it("gives every predefined role's level for every component", () => {
    const { header, rows } = table(doc, "Component");
    assert.deepEqual(
      header.slice(1),
      PREDEFINED_ROLES.map((r) => r.prettyName),
      "one column per predefined role, in order",
    );
    assert.deepEqual(
      rows.map((r) => code(r[0]!)),
      [...COMPONENT_NAMES],
      "one row per component, in order",
    );
    for (const r of rows) {
      const comp = code(r[0]!) as (typeof COMPONENT_NAMES)[number];
      PREDEFINED_ROLES.forEach((role, i) => {
        assert.equal(
          r[i + 1],
          role.components[comp] ?? "none",
          `docs/roles.md: ${role.prettyName} / ${comp}`,
        );
      });
    }
  });

  it("says what view and view_edit allow for each component", () => {
    const rows = table(doc, "Component").rows;
    // The second table with a Component column: find it after the matrix.
    const levels = table(doc.slice(doc.indexOf("## What each level allows")), "Component").rows;
    assert.notDeepEqual(levels, rows);
    assert.deepEqual(
      levels.map((r) => [code(r[0]!), r[1], r[2], r[3], r[4]]),
      COMPONENTS.map((c) => [c.name, c.displayName, c.category, c.view, c.viewEdit]),
      "docs/roles.md 'What each level allows' differs from sdk/contract/components.ts",
    );
  });

  it("gives the permission every call needs", () => {
    const rows = table(doc, "Call").rows;
    const want = (ROUTES as readonly RouteDef[]).map((r) => [
      r.id,
      `${r.method} ${r.path}`,
      r.permission
        ? `${r.permission.component}: ${r.permission.level}`
        : r.auth
          ? "a valid key"
          : "nothing (no key)",
    ]);
    assert.deepEqual(
      rows.map((r) => [code(r[0]!), code(r[1]!), code(r[2]!)]),
      want,
      "docs/roles.md 'Calls and the permission they need' differs from the route table",
    );
  });
});

describe("docs/openapi.json", () => {
  const REFRESH =
    "refresh it with: npx tsc -p . && node dist/cli/main.js openapi > docs/openapi.json";

  it(`is the current output of \`keyplane openapi\` (${REFRESH})`, () => {
    const out = execFileSync(
      process.execPath,
      [path.join(repoRoot, "dist", "cli", "main.js"), "openapi"],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    const committed = read("openapi.json");
    if (committed !== out) {
      // Name the first operation that differs, to make the failure readable.
      const a = JSON.parse(committed) as { paths: Record<string, unknown> };
      const b = JSON.parse(out) as { paths: Record<string, unknown> };
      const stale = [...new Set([...Object.keys(a.paths), ...Object.keys(b.paths)])].filter(
        (p) => JSON.stringify(a.paths[p]) !== JSON.stringify(b.paths[p]),
      );
      assert.fail(
        `docs/openapi.json is stale (first differing paths: ${stale.slice(0, 5).join(", ") || "outside paths"}); ${REFRESH}`,
      );
    }
  });

  it("documents every route of the route table, with the permission it needs", () => {
    const doc = openApiDocument() as {
      paths: Record<
        string,
        Record<string, { operationId: string; "x-keyplane-permission"?: string }>
      >;
    };
    for (const r of ROUTES as readonly RouteDef[]) {
      const op = doc.paths[r.path.replace(/:([A-Za-z_]+)/g, "{$1}")]?.[r.method.toLowerCase()];
      assert.ok(op, `no operation for ${r.method} ${r.path}`);
      assert.equal(op.operationId, r.id);
      assert.equal(
        op["x-keyplane-permission"],
        r.permission ? `${r.permission.component}:${r.permission.level}` : undefined,
      );
    }
  });

  it("has only references that resolve", () => {
    const text = read("openapi.json");
    const doc = JSON.parse(text);
    for (const m of text.matchAll(/"\$ref": "#\/([^"]+)"/g)) {
      let v: any = doc;
      for (const part of m[1]!.split("/")) v = v?.[part];
      assert.ok(v, `unresolved $ref #/${m[1]}`);
    }
  });

  it("is what the server serves at /public_api/v1/openapi.json", async () => {
    const t = await startTestServer();
    try {
      const res = await t.call("GET", "/public_api/v1/openapi.json", undefined, { as: null });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, JSON.parse(read("openapi.json")));
    } finally {
      await t.close();
    }
  });
});
