/**
 * The key scanner: finds any 24-character window of a minted key (raw, base64, base64url or hex)
 * in logs, databases and files, and lists the files it reads.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const PROBE = 24;

/** The strings to look for: the key, its base64 and hex forms, in overlapping probes of 24 characters. */
function probesOf(key: string): string[] {
  const forms = [
    key,
    Buffer.from(key).toString("base64"),
    Buffer.from(key).toString("base64url"),
    Buffer.from(key).toString("hex"),
  ];
  const out: string[] = [];
  for (const f of forms) {
    // Any leaked piece of 2*PROBE-1 characters or more holds one whole probe.
    for (let i = 0; i + PROBE <= f.length; i += PROBE) out.push(f.slice(i, i + PROBE));
    out.push(f.slice(f.length - PROBE));
  }
  return out;
}

/**
 * Finds leaked keys in bytes or text: any 24-character window of a key (raw, base64, base64url
 * or hex) inside a run of token characters. One pass over the haystack, whatever the number of
 * keys.
 */
export class KeyScanner {
  private readonly probes = new Map<string, number>();
  constructor(readonly keys: Array<{ id: number; key: string; where: string }>) {
    keys.forEach((k, i) => {
      for (const p of probesOf(k.key)) this.probes.set(p, i);
    });
  }

  /** The keys (as "id (where)") found in the haystack. */
  scan(haystack: Buffer | string): string[] {
    const s = typeof haystack === "string" ? haystack : haystack.toString("latin1");
    const found = new Set<number>();
    const runs = /[A-Za-z0-9+/=_-]{24,}/g;
    for (let m = runs.exec(s); m; m = runs.exec(s)) {
      const run = m[0];
      for (let i = 0; i + PROBE <= run.length; i++) {
        const hit = this.probes.get(run.slice(i, i + PROBE));
        if (hit !== undefined) found.add(hit);
      }
    }
    return [...found].map((i) => `key ${this.keys[i]!.id} (${this.keys[i]!.where})`);
  }
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
