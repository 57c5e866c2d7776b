/** Paths the tests share: the repo root and scratch directories inside it. */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../../provider/engine";

/** The repository root (the keyplane package root). */
export const repoRoot = packageRoot();

/**
 * A fresh scratch directory under `<repo>/.keyplane/test-tmp/` (ignored by git). It lives inside
 * the repo so that programs and dynamic providers run there resolve the repo's node_modules.
 */
export function scratchDir(prefix: string): string {
  const base = path.join(repoRoot, ".keyplane", "test-tmp");
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${prefix}-`));
}

/** Copies a fixture directory from `test/fixtures/<name>` into a scratch directory. */
export function copyFixture(name: string): string {
  const dir = scratchDir(name);
  fs.cpSync(path.join(repoRoot, "test", "fixtures", name), dir, { recursive: true });
  return dir;
}
