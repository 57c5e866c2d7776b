/**
 * Property values on the provider protocol: google.protobuf.Struct to plain values and back,
 * with Pulumi's secret wrapper (the plugin accepts secrets, so secret inputs arrive wrapped).
 *
 * The values google-protobuf makes are fresh, so their secrets are unwrapped in place (one walk);
 * the other way, google-protobuf's own `Struct.fromJavaScript` builds the Struct from a copy
 * without undefined members (building it by hand saved ~5 µs a state: not worth a second encoder).
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

/** Unwraps the secrets inside `v` (a fresh value of google-protobuf's, so changed in place). */
function unwrap(v: unknown, seen: { secret: boolean }): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unwrap(v[i], seen);
    return v;
  }
  const o = v as Record<string, unknown>;
  if (o[SIG] === SECRET_SIG) {
    seen.secret = true;
    return unwrap(o.value, seen);
  }
  for (const k of Object.keys(o)) o[k] = unwrap(o[k], seen);
  return o;
}

/** A Struct (possibly absent) to plain values, secrets unwrapped and remembered. */
export function fromStruct(s: Struct | undefined): Unwrapped {
  const value = (s?.toJavaScript() ?? {}) as Record<string, unknown>;
  const secretKeys = new Set<string>();
  for (const k of Object.keys(value)) {
    const seen = { secret: false };
    value[k] = unwrap(value[k], seen);
    if (seen.secret) secretKeys.add(k);
  }
  return { value, secretKeys };
}

export const secret = (value: unknown) => ({ [SIG]: SECRET_SIG, value });

/** Drops undefined (which Struct cannot hold), recursively; inside arrays it becomes null. */
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
