/**
 * Property values on the provider protocol: google.protobuf.Struct to plain values and back,
 * with Pulumi's secret wrapper (the plugin accepts secrets, so secret inputs arrive wrapped).
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** The signature key and value Pulumi uses to mark a secret (`{ [SIG]: SECRET_SIG, value }`). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface Unwrapped {
  value: Record<string, unknown>;
  /** Top-level properties that held a secret anywhere inside. */
  secretKeys: Set<string>;
}

function isSecret(v: unknown): v is { value: unknown } {
  return (
    !!v &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    (v as Record<string, unknown>)[SIG] === SECRET_SIG
  );
}

function strip(v: unknown, seen: { secret: boolean }): unknown {
  if (isSecret(v)) {
    seen.secret = true;
    return strip(v.value, seen);
  }
  if (Array.isArray(v)) return v.map((x) => strip(x, seen));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x, seen)]));
  return v;
}

/** A Struct (possibly absent) to plain values, secrets unwrapped and remembered. */
export function fromStruct(s: Struct | undefined): Unwrapped {
  const raw = (s?.toJavaScript() ?? {}) as Record<string, unknown>;
  const secretKeys = new Set<string>();
  const value: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const seen = { secret: false };
    value[k] = strip(v, seen);
    if (seen.secret) secretKeys.add(k);
  }
  return { value, secretKeys };
}

export const secret = (value: unknown) => ({ [SIG]: SECRET_SIG, value });

/** Drops undefined (which Struct cannot hold), recursively. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : clean(x)));
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, clean(x)]),
    );
  return v;
}

/** Plain values to a Struct, the named top-level properties wrapped as secrets. */
export function toStruct(v: Record<string, unknown>, secretKeys: Iterable<string> = []): Struct {
  const out = clean(v) as Record<string, unknown>;
  for (const k of secretKeys) if (k in out && out[k] !== null) out[k] = secret(out[k]);
  return Struct.fromJavaScript(out as never);
}
