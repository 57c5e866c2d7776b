/**
 * Property values on the provider protocol: google.protobuf.Struct to plain values and back,
 * with Pulumi's secret wrapper (the plugin accepts secrets, so secret inputs arrive wrapped).
 *
 * Each direction is one walk: the values google-protobuf makes are unwrapped in place, and
 * Structs are built straight from the provider's values, leaving out undefined members, rather
 * than through a cleaned copy (the conversions showed in the plugin's CPU profile).
 */
import { ListValue, NullValue, Struct, Value } from "google-protobuf/google/protobuf/struct_pb";

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

function valueOf(x: unknown): Value {
  const v = new Value();
  if (x === null || x === undefined) v.setNullValue(NullValue.NULL_VALUE);
  else if (Array.isArray(x)) {
    const l = new ListValue();
    for (const e of x) l.addValues(valueOf(e));
    v.setListValue(l);
  } else if (typeof x === "string") v.setStringValue(x);
  else if (typeof x === "number") v.setNumberValue(x);
  else if (typeof x === "boolean") v.setBoolValue(x);
  else if (typeof x === "object") v.setStructValue(structOf(x as Record<string, unknown>));
  else throw new Error(`a ${typeof x} cannot be a property value`);
  return v;
}

/** An object to a Struct, undefined members left out, the `secretKeys` (non-null) wrapped as secrets. */
function structOf(o: Record<string, unknown>, secretKeys?: ReadonlySet<string>): Struct {
  const s = new Struct();
  const fields = s.getFieldsMap();
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined) continue;
    fields.set(k, valueOf(secretKeys?.has(k) && x !== null ? secret(x) : x));
  }
  return s;
}

/** Plain values to a Struct, the named top-level properties wrapped as secrets. */
export function toStruct(v: Record<string, unknown>, secretKeys: Iterable<string> = []): Struct {
  return structOf(v, secretKeys instanceof Set ? secretKeys : new Set(secretKeys));
}
