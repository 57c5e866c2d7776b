/**
 * The CI job: `pulumi up --refresh` through the Automation API, then publish every minted key to a
 * secret store. The store here is a stand-in: a directory (KEYPLANE_SECRETS_DIR, mode 0700) with
 * one file per secret (mode 0600), which is how many CI systems mount secrets. Replace `publish`
 * with your store's client (Vault, AWS Secrets Manager, GitHub Actions secrets, ...).
 *
 *   npx ts-node --transpile-only ci.ts <stack>
 *
 * The provider's credentials come from KEYPLANE_ENDPOINT, KEYPLANE_API_KEY_ID, KEYPLANE_API_KEY;
 * the Pulumi state and passphrase from PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE[_FILE]
 * (default: .keyplane/ in this directory).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { offlineEngine } from "keyplane/engine";

async function publish(dir: string, name: string, value: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, value, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

async function main(): Promise<void> {
  const stackName = process.argv[2] ?? "ci";
  const secretsDir = path.resolve(process.env.KEYPLANE_SECRETS_DIR ?? ".secrets");
  const engine = await offlineEngine({ baseDir: __dirname });
  const stack = await engine.localStack(stackName, __dirname);
  const up = await stack.up({ refresh: true, onOutput: (s) => process.stderr.write(s) });
  const out = up.outputs;
  // Only the values Pulumi marks secret are keys; ids are published too, for the consumers' config.
  for (const [name, o] of Object.entries(out)) {
    await publish(secretsDir, name, String(o.value));
  }
  const changes = up.summary.resourceChanges ?? {};
  console.log(
    `published ${Object.keys(out).length} value(s) to ${secretsDir}; changes: ${JSON.stringify(changes)}`,
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
