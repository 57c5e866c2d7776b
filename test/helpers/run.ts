/** Running things as a user would: the keyplane CLI in a child process, and checking that a key works. */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { KeyplaneClient } from "../../sdk";
import { repoRoot } from "./paths";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args` and collects its exit code and output (never rejects on a non-zero exit). */
export function runNode(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  input = "",
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input);
  });
}

/** Runs the built `keyplane` CLI. */
export function keyplaneCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  input = "",
): Promise<Ran> {
  return runNode(path.join(repoRoot, "dist", "cli", "main.js"), args, env, input);
}

/** Whether a key authenticates (api_keys/validate), signed when it is Advanced. */
export async function keyWorks(
  url: string,
  k: { id: number; key: string; level?: "standard" | "advanced" },
): Promise<boolean> {
  const c = new KeyplaneClient({
    endpoint: url,
    apiKeyId: k.id,
    apiKey: k.key,
    securityLevel: k.level ?? "standard",
    retries: 0,
  });
  try {
    return await c.apiKeys.validate();
  } catch {
    return false;
  } finally {
    await c.close();
  }
}
