/**
 * `npm run demo`: keyplane end to end, offline.
 *  1. the Pulumi CLI (built once from the Go module proxy; `npm run demo` installed the rest);
 *  2. a keyplane server on an embedded SQLite file under .keyplane/demo/ (left running, reused);
 *  3. the root Pulumi program through the Automation API, with the local file backend and the
 *     bootstrap admin key as the provider's credentials (stack config `keyplane:*`);
 *  4. a table of the minted keys (secrets masked);
 *  5. every key working: one real call each, the Advanced key signing its requests; a verify
 *     call in and out of scope; the key's "View Examples" Python snippet;
 *  6. the total time and where to look next.
 * `npm run demo -- --destroy` tears it all down (stack and server).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { offlineEngine, packageRoot } from "../provider/engine";
import { relativeExpiry } from "../sdk/durations";
import { describeError } from "../cli/args";
import { launcherNodeFlags } from "../cli/nodeFlags";
import { KeyplaneClient } from "../sdk";

const root = packageRoot();
const demoDir = path.resolve(process.env.KEYPLANE_DEMO_DIR ?? path.join(root, ".keyplane", "demo"));
const stackName = process.env.KEYPLANE_DEMO_STACK ?? "demo";
const cli = path.join(root, "dist", "cli", "main.js");
const t0 = Date.now();

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const step = (n: number, s: string, of = 6) =>
  console.log(
    `\n${bold(`[${n}/${of}] ${s}`)} ${dim(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`)}`,
  );
const mask = (k: string) => `${k.slice(0, 4)}…${"•".repeat(8)} (${k.length} chars, secret)`;

interface ServerInfo {
  pid: number;
  url: string;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/public_api/v1/healthcheck`, {
      signal: AbortSignal.timeout(2000),
    });
    return r.ok;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the demo server in the background, or reuses the one a previous run left. */
async function ensureServer(): Promise<ServerInfo & { reused: boolean }> {
  fs.mkdirSync(demoDir, { recursive: true, mode: 0o700 });
  const infoFile = path.join(demoDir, "server.json");
  if (fs.existsSync(infoFile)) {
    const info = JSON.parse(fs.readFileSync(infoFile, "utf8")) as ServerInfo;
    if (alive(info.pid) && (await healthy(info.url))) return { ...info, reused: true };
  }
  const log = path.join(demoDir, "server.log");
  const out = fs.openSync(log, "a", 0o600);
  const child = spawn(
    process.execPath,
    [
      ...launcherNodeFlags(cli),
      cli,
      "server",
      "--port",
      "0",
      "--db",
      `sqlite:${path.join(demoDir, "keyplane.db")}`,
      "--bootstrap-file",
      path.join(demoDir, "bootstrap.json"),
      "--master-key-file",
      path.join(demoDir, "master.key"),
      "--log-level",
      "warn",
    ],
    { detached: true, stdio: ["ignore", out, out] },
  );
  child.unref();
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    const text = fs.readFileSync(log, "utf8");
    const m = [...text.matchAll(/keyplane listening on (http:\/\/\S+)/g)].pop();
    if (m && alive(child.pid!) && (await healthy(m[1]!))) {
      const info = { pid: child.pid!, url: m[1]! };
      fs.writeFileSync(infoFile, JSON.stringify(info), { mode: 0o600 });
      return { ...info, reused: false };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the keyplane server did not start; see ${log}`);
}

function admin(): { id: number; key: string } {
  const f = path.join(demoDir, "bootstrap.json");
  if (!fs.existsSync(f))
    throw new Error(`no bootstrap key in ${f}: remove ${demoDir} and run the demo again`);
  const b = JSON.parse(fs.readFileSync(f, "utf8")) as { api_key_id: number; api_key: string };
  return { id: b.api_key_id, key: b.api_key };
}

/** One readable line per engine event that matters. */
function eventPrinter(): (e: EngineEvent) => void {
  const started = new Map<string, number>();
  const name = (urn: string) => urn.split("::").pop();
  const type = (t: string) => t.replace("pulumi-nodejs:dynamic/keyplane:", "keyplane:");
  return (e) => {
    if (e.resourcePreEvent) {
      const m = e.resourcePreEvent.metadata;
      if (m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return;
      started.set(m.urn, Date.now());
      if (m.op !== "same") console.log(`  ${m.op.padEnd(8)} ${type(m.type)} ${name(m.urn)} …`);
    } else if (e.resOutputsEvent) {
      const m = e.resOutputsEvent.metadata;
      if (m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return;
      const ms = Date.now() - (started.get(m.urn) ?? Date.now());
      console.log(
        `  ${(m.op === "same" ? "same" : `${m.op}d`).replace("updated", "updated").padEnd(8)} ${type(m.type)} ${name(m.urn)} ${dim(`${ms} ms`)}`,
      );
    } else if (e.diagnosticEvent) {
      const d = e.diagnosticEvent;
      // Errors and warnings, and the provider's own notes (rotation reasons, overlaps).
      if (
        d.severity === "error" ||
        d.severity === "warning" ||
        d.message.trimStart().startsWith("keyplane:")
      ) {
        console.log(`  ${d.severity === "info#err" ? "note" : d.severity}: ${d.message.trim()}`);
      }
    }
  };
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => "  " + r.map((cell, c) => cell.padEnd(w[c]!)).join("  ")).join("\n");
}

async function destroy(): Promise<void> {
  step(1, "Pulumi CLI", 3);
  const infoFile = path.join(demoDir, "server.json");
  const info = fs.existsSync(infoFile)
    ? (JSON.parse(fs.readFileSync(infoFile, "utf8")) as ServerInfo)
    : undefined;
  const up = !!info && alive(info.pid) && (await healthy(info.url));
  const a = up ? admin() : undefined;
  const env: Record<string, string> =
    up && a
      ? {
          KEYPLANE_ENDPOINT: info!.url,
          KEYPLANE_API_KEY_ID: String(a.id),
          KEYPLANE_API_KEY: a.key,
          KEYPLANE_SECURITY_LEVEL: "standard",
        }
      : {};
  const engine = await offlineEngine({ baseDir: root, env });
  step(2, `destroying stack '${stackName}'`, 3);
  const stack = await engine.localStack(stackName, root);
  if (up) {
    await stack.destroy({ onEvent: eventPrinter() });
    await stack.workspace.removeStack(stackName);
  } else {
    console.log(
      "  no demo server is running: forgetting the stack's state without deleting anything",
    );
    await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  }
  step(3, "stopping the demo server", 3);
  if (info && alive(info.pid)) {
    process.kill(info.pid, "SIGTERM");
    for (let i = 0; i < 50 && alive(info.pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(demoDir, { recursive: true, force: true });
  console.log(`  removed ${path.relative(root, demoDir) || demoDir}`);
  console.log(`\ndone in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function demo(): Promise<void> {
  step(
    1,
    "Pulumi CLI v3.248.0 (built from the Go module proxy the first time: several minutes, then cached)",
  );
  const { ensurePulumiBin } = await import("../provider/engine");
  console.log(`  ${ensurePulumiBin()}`);

  step(2, "keyplane server on SQLite");
  const server = await ensureServer();
  const a = admin();
  console.log(
    `  ${server.reused ? "reusing" : "started"} ${server.url} (pid ${server.pid}); database ${path.relative(root, path.join(demoDir, "keyplane.db"))}`,
  );
  console.log(
    `  bootstrap admin key ${a.id} read from ${path.relative(root, path.join(demoDir, "bootstrap.json"))} (mode 0600)`,
  );
  const adminClient = new KeyplaneClient({ endpoint: server.url, apiKeyId: a.id, apiKey: a.key });
  await adminClient.settings.update({ sbacEnabled: true });

  step(3, `pulumi up: stack '${stackName}' of the root program (Pulumi.yaml), local file backend`);
  const env = {
    KEYPLANE_ENDPOINT: server.url,
    KEYPLANE_API_KEY_ID: String(a.id),
    KEYPLANE_API_KEY: a.key,
    KEYPLANE_SECURITY_LEVEL: "standard",
  };
  const engine = await offlineEngine({ baseDir: root, env });
  const stack = await engine.localStack(stackName, root, {
    config: {
      "keyplane:endpoint": { value: server.url },
      "keyplane:apiKeyId": { value: String(a.id) },
      "keyplane:apiKey": { value: a.key, secret: true },
      "keyplane:securityLevel": { value: "standard" },
    },
  });
  const up = await stack.up({ onEvent: eventPrinter() });
  const rc = up.summary.resourceChanges ?? {};
  const changed = Object.entries(rc).filter(([k, v]) => k !== "same" && v);
  console.log(
    `  ${up.summary.result}: ${changed.length ? changed.map(([k, v]) => `${v} ${k}`).join(", ") : "no changes"}${rc.same ? ` (${rc.same} unchanged)` : ""}`,
  );
  const o = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value])) as Record<
    string,
    string & number
  >;

  step(4, "the minted keys");
  const now = Date.now();
  const keys = [
    { id: o.gatewayKeyId, key: o.gatewayKey, level: "standard" as const, name: "gateway" },
    { id: o.oncallKeyId, key: o.oncallKey, level: "advanced" as const, name: "oncall-bot" },
  ];
  const rows = [["KEY ID", "NAME", "LEVEL", "ROLES", "SCOPE", "EXPIRES", "KEY"]];
  for (const k of keys) {
    const live = await adminClient.apiKeys.get(k.id);
    rows.push([
      String(k.id),
      k.name,
      k.level,
      live.roles.join(", "),
      live.scope_definition_id
        ? (await adminClient.scopes.getDefinition(live.scope_definition_id)).name
        : live.has_scope
          ? "inline areas"
          : "none",
      `${relativeExpiry(live.expiration ?? null, now)}`,
      mask(k.key),
    ]);
  }
  console.log(table(rows));

  step(5, "every key at work");
  for (const k of keys) {
    const c = new KeyplaneClient({
      endpoint: server.url,
      apiKeyId: k.id,
      apiKey: k.key,
      securityLevel: k.level,
    });
    const ok = await c.apiKeys.validate();
    console.log(
      `  key ${k.id} (${k.level}${k.level === "advanced" ? ", signed: sha256(key + nonce + timestamp)" : ""}): POST /public_api/v1/api_keys/validate → ${ok}`,
    );
    await c.close();
  }
  const gateway = new KeyplaneClient({
    endpoint: server.url,
    apiKeyId: o.gatewayKeyId,
    apiKey: o.gatewayKey,
  });
  const { authHeaders } = await import("../sdk/contract");
  for (const group of ["emea-servers", "us-servers"]) {
    const headers = authHeaders({
      apiKeyId: o.oncallKeyId,
      apiKey: o.oncallKey,
      securityLevel: "advanced",
    });
    const v = await gateway.auth.verify({
      headers,
      permission: { component: "response", level: "view_edit" },
      resource: { endpointGroups: [group] },
    });
    // Each verify consumes the forwarded nonce: sign afresh for the next one.
    console.log(
      `  gateway verifies key ${o.oncallKeyId} for response actions on an endpoint in '${group}': ${v.valid ? "allowed" : `refused (${v.reason})`}`,
    );
  }
  await gateway.close();
  const ex = await adminClient.apiKeys.examples(o.oncallKeyId);
  console.log(
    `\n  View Examples for key ${o.oncallKeyId} (Python 3; paste the key where it says YOUR_API_KEY):\n`,
  );
  console.log(
    ex.python
      .split("\n")
      .map((l: string) => `    ${l}`)
      .join("\n"),
  );
  await adminClient.close();

  step(6, "done");
  const backend =
    path.relative(root, engine.backendUrl.replace("file://", "")) || engine.backendUrl;
  console.log(`  total ${((Date.now() - t0) / 1000).toFixed(1)} s. Look around:`);
  console.log(
    `    server          ${server.url}  (OpenAPI: ${server.url}/public_api/v1/openapi.json)`,
  );
  console.log(
    `    web console     ${server.url}/console  (sign in: Standard, Key ID ${a.id}, Key: the api_key in ${path.relative(root, path.join(demoDir, "bootstrap.json"))})`,
  );
  console.log(
    `    stack outputs   PULUMI_BACKEND_URL=file://${path.resolve(root, backend)} PULUMI_CONFIG_PASSPHRASE_FILE=${path.join(root, ".keyplane", "passphrase")} \\`,
  );
  console.log(
    `                      ${path.join(engine.binDir, "pulumi")} stack output --stack ${stackName} --show-secrets`,
  );
  console.log(`    drift           npm run -s keyplane -- drift --stack ${stackName}`);
  console.log(
    `    the keys        KEYPLANE_ENDPOINT=${server.url} KEYPLANE_API_KEY_ID=${a.id} KEYPLANE_API_KEY=$(node -p 'require("./.keyplane/demo/bootstrap.json").api_key') npm run -s keyplane -- keys list`,
  );
  console.log(`    tear down       npm run demo -- --destroy`);
}

(process.argv.includes("--destroy") ? destroy() : demo()).catch((e) => {
  console.error(`\ndemo failed: ${describeError(e)}`);
  process.exit(1);
});
