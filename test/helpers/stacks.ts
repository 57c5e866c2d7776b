/**
 * Pulumi stacks for provider tests: inline Automation API programs on the offline engine, with
 * the provider's credentials in the environment (or in stack config, when a test says so).
 */
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { offlineEngine, type OfflineEngine } from "../../provider/engine";
import { KeyplaneClient } from "../../sdk";
import { scratchDir } from "./paths";
import type { Credential, TestServer } from "./server";

export const PASSPHRASE = "keyplane-tests";

/** Env that points the provider at a server as a credential. */
export function credentialEnv(url: string, c: Credential): Record<string, string> {
  return {
    KEYPLANE_ENDPOINT: url,
    KEYPLANE_API_KEY_ID: String(c.id),
    KEYPLANE_API_KEY: c.key,
    KEYPLANE_SECURITY_LEVEL: c.level,
  };
}

let n = 0;

/** An inline stack whose provider reaches `t` as its admin (through env unless `env` is given). */
export async function inlineStack(
  t: TestServer,
  program: PulumiFn,
  o: { env?: Record<string, string>; dir?: string; name?: string } = {},
): Promise<{ stack: Stack; engine: OfflineEngine; dir: string }> {
  const dir = o.dir ?? scratchDir("stack");
  const engine = await offlineEngine({
    baseDir: dir,
    passphrase: PASSPHRASE,
    env: o.env ?? credentialEnv(t.url, t.admin),
  });
  const stack = await engine.inlineStack(
    "keyplane-test",
    o.name ?? `s${Date.now()}${n++}`,
    program,
  );
  return { stack, engine, dir };
}

/** The admin's view of the server's keys: ids of every key, the admin's included. */
export async function serverKeyIds(t: TestServer): Promise<number[]> {
  const c = new KeyplaneClient({ endpoint: t.url, apiKeyId: t.admin.id, apiKey: t.admin.key });
  try {
    const ids: number[] = [];
    for await (const k of c.apiKeys.iterate({})) ids.push(k.id);
    return ids.sort((a, b) => a - b);
  } finally {
    await c.close();
  }
}

/** An admin client for assertions. */
export function adminClient(t: TestServer): KeyplaneClient {
  return new KeyplaneClient({ endpoint: t.url, apiKeyId: t.admin.id, apiKey: t.admin.key });
}

/** Plain output values of an up result. */
export function outputsOf(r: { outputs: Record<string, { value: unknown }> }): Record<string, any> {
  // eslint-disable-line @typescript-eslint/no-explicit-any -- stack outputs of any program
  return Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
}
