/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: busy vs idle, time
 * by package or area (self time), the hottest functions by self time, and the keyplane functions
 * by inclusive time (each sample counted once per function on its stack).
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  ms: number;
  /** Percent of busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  byArea: Share[];
  topSelf: Share[];
  keyplaneInclusive: Share[];
}

/** The area a frame belongs to, from its script URL. */
export function areaOf(f: CallFrame): string {
  const n = f.functionName;
  if (n === "(garbage collector)") return "GC";
  if (n === "(program)") return "(program: V8/native, unattributed)";
  if (n === "(idle)") return "(idle)";
  const u = f.url;
  if (!u) return "native (V8 builtins, C++ bindings)";
  if (u.startsWith("node:")) {
    if (/node:internal\/(http|_http)|node:_http|node:http/.test(u)) return "node: http";
    if (/net|stream|tcp|dns/.test(u)) return "node: net/streams";
    if (/crypto/.test(u)) return "node: crypto";
    return "node: other core";
  }
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return pkg;
  }
  const m =
    /\/dist\/(server|sdk|provider|bench)\/(.*)$/.exec(u) ??
    /\/(server|sdk|provider|bench)\/(.*)$/.exec(u);
  if (m) {
    if (m[1] === "sdk") return "keyplane sdk/contract";
    return `keyplane ${m[1]}`;
  }
  return "other";
}

/** Frames counted in the inclusive table: keyplane's own code (server, sdk, provider). */
let KEYPLANE_URL = /\/(dist\/)?server\//;
export function inclusiveScope(re: RegExp): void {
  KEYPLANE_URL = re;
}

function shortUrl(u: string): string {
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) return u.slice(nm + "node_modules/".length);
  const d = u.indexOf("/dist/");
  if (d >= 0) return u.slice(d + "/dist/".length);
  return u.replace(/^file:\/\//, "");
}

/** Summarises one profile, or several (e.g. successive dumps of one process) as one. */
export function summariseProfile(file: string | string[], top = 15): ProfileSummary {
  const files = Array.isArray(file) ? file : [file];
  const key = (f: CallFrame) =>
    `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const f of files) {
    const prof = JSON.parse(fs.readFileSync(f, "utf8")) as CpuProfile;
    const byId = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const n of prof.nodes) byId.set(n.id, n);
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (let i = 0; i < prof.samples.length; i++) {
      const dt = (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0) / 1000; // ms; the delta after a sample is its duration
      const node = byId.get(prof.samples[i]!);
      if (!node) continue;
      total += dt;
      if (node.callFrame.functionName === "(idle)") {
        idle += dt;
        continue;
      }
      const k = key(node.callFrame);
      self.set(k, (self.get(k) ?? 0) + dt);
      const a = areaOf(node.callFrame);
      area.set(a, (area.get(a) ?? 0) + dt);
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const f = byId.get(id)!.callFrame;
        if (!KEYPLANE_URL.test(f.url) || f.url.includes("node_modules")) continue;
        const kk = key(f);
        if (seen.has(kk)) continue;
        seen.add(kk);
        incl.set(kk, (incl.get(kk) ?? 0) + dt);
      }
    }
  }
  const busy = total - idle;
  const shares = (m: Map<string, number>, n: number): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        pct: busy > 0 ? Math.round((ms / busy) * 1000) / 10 : 0,
      }));
  return {
    file: files.length === 1 ? path.basename(files[0]!) : `${files.length} profiles`,
    totalMs: Math.round(total),
    idleMs: Math.round(idle),
    busyMs: Math.round(busy),
    byArea: shares(area, 20),
    topSelf: shares(self, top),
    keyplaneInclusive: shares(incl, top),
  };
}

export function formatProfile(p: ProfileSummary): string {
  const lines: string[] = [];
  lines.push(
    `CPU profile ${p.file}: ${p.totalMs} ms sampled, ${p.busyMs} ms busy, ${p.idleMs} ms idle`,
  );
  lines.push("  busy time by area (self):");
  for (const s of p.byArea) lines.push(`    ${s.pct.toFixed(1).padStart(5)} %  ${s.name}`);
  lines.push("  hottest functions (self):");
  for (const s of p.topSelf) lines.push(`    ${s.pct.toFixed(1).padStart(5)} %  ${s.name}`);
  lines.push("  keyplane server functions (inclusive):");
  for (const s of p.keyplaneInclusive)
    lines.push(`    ${s.pct.toFixed(1).padStart(5)} %  ${s.name}`);
  return lines.join("\n");
}

if (require.main === module) {
  const f = process.argv[2];
  if (!f) {
    console.error(
      "usage: node dist/bench/profile.js FILE.cpuprofile|DIR [TOP] [INCLUSIVE-URL-REGEX]",
    );
    process.exit(2);
  }
  const files = fs.statSync(f).isDirectory()
    ? fs
        .readdirSync(f)
        .filter((x) => x.endsWith(".cpuprofile"))
        .map((x) => path.join(f, x))
    : [f];
  if (process.argv[4]) inclusiveScope(new RegExp(process.argv[4]));
  console.log(formatProfile(summariseProfile(files, Number(process.argv[3] ?? 25))));
}
