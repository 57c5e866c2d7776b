/**
 * The Python side of the plugin tests: a virtualenv outside the repo with `pulumi` 3.248.0 from
 * PyPI (made once, reused), the generated SDK (sdks/python) pip-installed into it from a copy
 * (so the build leaves nothing in the repo), and the environment that puts it first on PATH
 * (the Python language host ignores the project's `virtualenv` option).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../helpers/paths";

const PINS = ["pulumi==3.248.0", "parver>=0.2.1", "semver>=2.8.1", "setuptools>=75", "wheel"];

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(
      `${what} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || r.error?.message || "").trim().slice(-2000)}`,
    );
}

let ready: string | undefined;

/** The venv directory, made on first use; `pulumi_keyplane` installed from this checkout. */
export function pythonVenv(): string {
  if (ready) return ready;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const venv =
    process.env.KEYPLANE_PYTHON_VENV || path.join(cache, "keyplane", "python-venv-pulumi-3.248.0");
  const stamp = path.join(venv, ".keyplane-pins");
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== PINS.join("\n")) {
    fs.rmSync(venv, { recursive: true, force: true });
    run("python3", ["-m", "venv", venv], "python3 -m venv");
    run(
      path.join(venv, "bin", "pip"),
      ["install", "-q", "--disable-pip-version-check", ...PINS],
      `pip install ${PINS.join(" ")}`,
    );
    fs.writeFileSync(stamp, PINS.join("\n"));
  }
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "keyplane-pysdk-"));
  try {
    fs.cpSync(path.join(repoRoot, "sdks", "python"), copy, { recursive: true });
    run(
      path.join(venv, "bin", "pip"),
      [
        "install",
        "-q",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-build-isolation",
        "--force-reinstall",
        copy,
      ],
      "pip install sdks/python",
    );
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
  ready = venv;
  return venv;
}

/** Env for the CLI so that the Python host runs the venv's python. */
export function pythonEnv(venv: string): Record<string, string> {
  return { PATH: `${path.join(venv, "bin")}:${process.env.PATH ?? ""}`, VIRTUAL_ENV: venv };
}
