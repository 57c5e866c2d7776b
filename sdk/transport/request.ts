/**
 * Building a request: the path from the route's pattern, the query string, the headers a call
 * carries, the numbers the caller gives, and the package version for the User-Agent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError } from "../errors";

export function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  return !!h && Object.keys(h).some((k) => k.toLowerCase() === name);
}

export function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export function fillPath(pattern: string, params: Record<string, string | number>): string {
  return pattern.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined || v === "") throw new InvalidArgumentError(name, "is required");
    return encodeURIComponent(String(v));
  });
}

export function queryString(q?: Record<string, string | number | boolean | undefined>): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

let version: string | undefined;
/** This package's version, for the User-Agent (read once from the nearest keyplane package.json). */
export function sdkVersion(): string {
  if (version !== undefined) return version;
  version = "0";
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "keyplane" && pkg.version) {
        version = pkg.version;
        break;
      }
    } catch {
      // not here; look further up
    }
    dir = path.dirname(dir);
  }
  return version;
}
