/**
 * What a policy needs to know about an API key, read from whatever Pulumi hands the analyzer.
 *
 * The same rules run on three shapes of properties: a program's inputs at `preview`/`up` (after
 * the provider's `check`, so `expiration` is epoch ms; before it, an ISO string), the outputs of
 * a stored stack at `pulumi policy analyze` (the live key plus its echoed inputs), and the native
 * plugin's `keyplane:index:ApiKey` properties, which use the same names. This module turns each
 * into the same few values, so every rule is written once.
 */
import { parseDuration, parseInstant } from "../provider/durations";

/** A key's lifetime as the policies see it. */
export interface Lifetime {
  /** Where it was read from, for messages. */
  property: "expiresIn" | "expiration" | "expiresAt";
  /** In ms: from creation (expiresIn, or a stored key's expiry − creation), or from now (expiration). Undefined: never expires. */
  ms: number | undefined;
  /** As written (e.g. `400d`, an ISO date), for messages. */
  text: string | undefined;
}

/** The resource types the policies apply to: the dynamic resources and the native plugin's. */
export function keyplaneType(type: string): string | undefined {
  const m = /^(?:pulumi-nodejs:dynamic\/keyplane|keyplane:index):([A-Za-z]+)$/.exec(type);
  return m ? m[1] : undefined;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== "";

/**
 * Reads a property that may be unknown during preview. @pulumi/policy throws on reading an
 * unknown value (and reports the policy as not runnable); where only presence matters, an
 * unknown value counts as present, so `scope: scope.scopeId` passes before the scope exists.
 */
function presentOrUnknown(props: Record<string, unknown>, name: string): boolean {
  try {
    return present(props[name]);
  } catch (e) {
    if ((e as Error)?.constructor?.name === "UnknownValueError") return true;
    throw e;
  }
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/*
 * One reader per property, each called only by the rules that need it: @pulumi/policy throws
 * when a rule reads an unknown value, and marks only that rule "can't run during preview".
 */

/** The key's lifetime; `now` is the analyzer's clock (for absolute expirations). */
export function lifetimeOf(props: Record<string, unknown>, now: number): Lifetime {
  const expiresIn = str(props.expiresIn);
  if (expiresIn !== undefined)
    return { property: "expiresIn", ms: parseDuration(expiresIn), text: expiresIn };
  if (present(props.expiration)) {
    const at = parseInstant(props.expiration);
    return {
      property: "expiration",
      ms: at === undefined ? undefined : at - now,
      text: at === undefined ? String(props.expiration) : new Date(at).toISOString(),
    };
  }
  // A stored key (pulumi policy analyze): its expiry counted from its creation.
  const at =
    typeof props.expiresAtMs === "number" ? props.expiresAtMs : parseInstant(props.expiresAt);
  if (at !== undefined) {
    const created = parseInstant(props.createdAt);
    return { property: "expiresAt", ms: at - (created ?? now), text: new Date(at).toISOString() };
  }
  return { property: "expiresIn", ms: undefined, text: undefined };
}

export const securityLevelOf = (props: Record<string, unknown>): string =>
  str(props.securityLevel) ?? "standard";

export const rolesOf = (props: Record<string, unknown>): string[] =>
  Array.isArray(props.roles) ? props.roles.filter((r): r is string => typeof r === "string") : [];

export const commentOf = (props: Record<string, unknown>): string =>
  typeof props.comment === "string" ? props.comment.trim() : "";

export const rotateBeforeOf = (props: Record<string, unknown>): string | undefined =>
  str(props.rotateBefore);

export const overlapOf = (props: Record<string, unknown>): string | undefined => str(props.overlap);

/** Rotated keys: those with `rotateBefore` or `rotationTriggers`. */
export const isRotated = (props: Record<string, unknown>): boolean =>
  presentOrUnknown(props, "rotateBefore") || presentOrUnknown(props, "rotationTriggers");

/** Inputs say `scope`; a stored key says `hasScope`. */
export const hasScope = (props: Record<string, unknown>): boolean =>
  presentOrUnknown(props, "scope") || props.hasScope === true;
