/**
 * What the resource implementations share: their dependencies (clock, API, a way to warn),
 * check-failure building from zod, the engine's unknown-value marker, small comparisons.
 */
import type { z } from "zod";
import type { ProviderApi } from "./api";

/** Pulumi's marker for a value not known during preview (rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(isUnknown);
  if (v && typeof v === "object") return Object.values(v).some(isUnknown);
  return false;
}

/** What every resource implementation needs; tests pass a fake clock and a captured warn. */
export interface ProviderDeps {
  now(): number;
  api(): ProviderApi;
  /** User-visible notes (a dynamic provider has no engine log; console.warn reaches the CLI). */
  warn(message: string): void;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/** zod issues → check failures naming the property; issues on unknown (preview) values are skipped. */
export function failuresFrom(err: z.ZodError, input: unknown): CheckFailure[] {
  const out: CheckFailure[] = [];
  for (const i of err.issues) {
    let v: unknown = input;
    let unknownHere = false;
    for (const p of i.path) {
      if (v === UNKNOWN) {
        unknownHere = true;
        break;
      }
      v =
        v && typeof v === "object"
          ? (v as Record<string | number, unknown>)[p as string | number]
          : undefined;
    }
    if (unknownHere || isUnknown(v)) continue;
    const property = i.path.map(String).join(".") || "(inputs)";
    let reason = i.message;
    if (i.code === "invalid_type" && v === undefined) reason = "is required";
    if (i.code === "unrecognized_keys")
      reason = `unknown property: ${(i as { keys: string[] }).keys.join(", ")}`;
    out.push({ property, reason });
  }
  return out;
}

/** JSON with sorted keys, for comparing structured values. */
export function stable(v: unknown): string {
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Same members, ignoring order and case. */
export function sameSet(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): boolean {
  const x = [...new Set((a ?? []).map((s) => s.toLowerCase()))].sort();
  const y = [...new Set((b ?? []).map((s) => s.toLowerCase()))].sort();
  return x.length === y.length && x.every((s, i) => s === y[i]);
}

export const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** Drops undefined members (Pulumi state cannot hold undefined). */
export function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Inputs without the engine's own keys (`__provider`) and the output-only placeholders the resource class declares. */
export function withoutEngineKeys(
  news: Record<string, unknown>,
  outputOnly: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(news ?? {}).filter(
      ([k, v]) =>
        !k.startsWith("__") && !(outputOnly.includes(k) && (v === undefined || v === null)),
    ),
  );
}

/** The outputs of a kind that are not also inputs (the schema's outputs are declared once, as a zod object per kind). */
export function outputOnlyKeys(outputs: z.ZodObject, inputs: z.ZodObject): string[] {
  return Object.keys(outputs.shape).filter((k) => !(k in inputs.shape));
}

/** `{ name: undefined }` for each output-only property: what a dynamic resource class passes so the engine declares the output. */
export function outputPlaceholders(keys: readonly string[]): Record<string, undefined> {
  return Object.fromEntries(keys.map((k) => [k, undefined]));
}
