/**
 * The property fuzzer's request generator: the vocabulary of the request schemas (enum values,
 * property names, bounds), values that tend to break things, and `Gen`, which makes a value for
 * a JSON schema — mostly valid, with random parts broken.
 */
import fc from "fast-check";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON from fast-check
export type JS = Record<string, any>;

/** Every enum/const value and property name in the request schemas: the fuzzer's vocabulary. */
export function vocabulary(schemas: JS[]): { strings: string[]; numbers: number[] } {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const walk = (s: unknown): void => {
    if (Array.isArray(s)) return s.forEach(walk);
    if (!s || typeof s !== "object") return;
    const o = s as JS;
    for (const v of [...(o.enum ?? []), ...(o.const !== undefined ? [o.const] : [])]) {
      if (typeof v === "string") strings.add(v);
      if (typeof v === "number") numbers.add(v);
    }
    if (o.properties) for (const k of Object.keys(o.properties)) strings.add(k);
    for (const k of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])
      if (typeof o[k] === "number") numbers.add(o[k]);
    Object.values(o).forEach(walk);
  };
  schemas.forEach(walk);
  return { strings: [...strings], numbers: [...numbers] };
}

/** Values that tend to break things, whatever the schema says. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0,
    1e308,
    -1e308,
    2 ** 53 + 2,
    "",
    " ",
    "0",
    "null",
    "__proto__",
    "constructor",
    "\u0000",
    "\uFFFD",
    "😀",
    "a".repeat(5000),
    [],
    {},
  ),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ maxLength: 5 }),
    fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)),
    { maxKeys: 3 },
  ),
);

export class Gen {
  constructor(
    private readonly words: { strings: string[]; numbers: number[] },
    /** Values known to be meaningful for a property name (existing roles, ids, future instants…). */
    private readonly hints: Record<string, fc.Arbitrary<unknown>> = {},
  ) {}

  /** A value for schema `s`: mostly valid, sometimes junk. */
  any(s: JS | undefined, depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof(
      { weight: 10, arbitrary: this.valid(s ?? {}, depth) },
      { weight: 1, arbitrary: junk },
    );
  }

  /** A property's value: a hint for its name when there is one, else from its schema. */
  prop(name: string, s: JS, depth: number): fc.Arbitrary<unknown> {
    const h = this.hints[name];
    return h
      ? fc.oneof({ weight: 3, arbitrary: h }, { weight: 2, arbitrary: this.any(s, depth) })
      : this.any(s, depth);
  }

  private strings(s: JS): fc.Arbitrary<string> {
    const min = s.minLength ?? 0;
    const max = Math.min(s.maxLength ?? 40, 60);
    const fits = (x: string) => x.length >= min && x.length <= (s.maxLength ?? Infinity);
    const words = this.words.strings.filter(fits);
    const options: Array<fc.WeightedArbitrary<string>> = [
      { weight: 3, arbitrary: fc.string({ minLength: Math.min(min, max), maxLength: max }) },
      {
        weight: 1,
        arbitrary: fc.string({ unit: "binary", minLength: Math.min(min, max), maxLength: max }),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(`${"x".repeat(Math.max(0, (s.maxLength ?? 300) + 1))}`),
      },
    ];
    if (words.length) options.push({ weight: 4, arbitrary: fc.constantFrom(...words) });
    if (s.format === "email" || /@/.test(s.pattern ?? ""))
      options.push({ weight: 4, arbitrary: fc.emailAddress() });
    if (s.format === "uri") options.push({ weight: 4, arbitrary: fc.webUrl() });
    return fc.oneof(...options);
  }

  private integers(s: JS, integer: boolean): fc.Arbitrary<number> {
    const lo =
      typeof s.exclusiveMinimum === "number"
        ? s.exclusiveMinimum + (integer ? 1 : 1e-9)
        : (s.minimum ?? -1e6);
    const hi =
      typeof s.exclusiveMaximum === "number"
        ? s.exclusiveMaximum - (integer ? 1 : 1e-9)
        : (s.maximum ?? 1e9);
    const small = integer
      ? fc.integer({ min: Math.max(lo, -1000), max: Math.min(hi, Math.max(lo, -1000) + 2000) })
      : fc.double({ min: lo, max: hi, noNaN: true });
    const edges = fc.constantFrom(lo, hi, lo - 1, hi + 1, 0, ...this.words.numbers);
    const wide = integer
      ? fc.integer({
          min: Math.max(lo, Number.MIN_SAFE_INTEGER),
          max: Math.min(hi, Number.MAX_SAFE_INTEGER),
        })
      : fc.double({ noNaN: true });
    return fc.oneof(
      { weight: 4, arbitrary: small },
      { weight: 2, arbitrary: edges },
      { weight: 1, arbitrary: wide },
    );
  }

  private valid(s: JS, depth: number): fc.Arbitrary<unknown> {
    if (depth > 6) return fc.constant(null);
    if (s.const !== undefined) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
    const branches = s.anyOf ?? s.oneOf;
    if (Array.isArray(branches) && branches.length)
      return fc.oneof(
        ...branches.map((b: JS) =>
          this.any({ ...s, anyOf: undefined, oneOf: undefined, ...b }, depth + 1),
        ),
      );
    if (Array.isArray(s.allOf) && s.allOf.length) {
      const merged: JS = { ...s, allOf: undefined };
      for (const p of s.allOf as JS[]) {
        Object.assign(merged, p, {
          properties: { ...(merged.properties ?? {}), ...(p.properties ?? {}) },
          required: [...(merged.required ?? []), ...(p.required ?? [])],
        });
      }
      return this.valid(merged, depth + 1);
    }
    const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : undefined;
    if (type && type.length > 1)
      return fc.oneof(...type.map((t: string) => this.valid({ ...s, type: t }, depth)));
    switch (type?.[0]) {
      case "object": {
        const props: JS = s.properties ?? {};
        const model = Object.fromEntries(
          Object.entries(props).map(([k, v]) => [k, this.prop(k, v as JS, depth + 1)]),
        );
        const required = (s.required ?? []) as string[];
        const rec = fc.record(model, { requiredKeys: required.filter((k) => k in model) });
        const extraValue =
          s.additionalProperties && typeof s.additionalProperties === "object"
            ? this.any(s.additionalProperties, depth + 1)
            : junk;
        const extraKey = Array.isArray(s.propertyNames?.enum)
          ? fc.constantFrom(...(s.propertyNames.enum as string[]))
          : this.strings({ maxLength: 20 });
        const extras = fc.dictionary(extraKey, extraValue, {
          maxKeys: s.additionalProperties === false ? 1 : 3,
        });
        // Unknown keys on a closed object only now and then: it is a single, always-refused case.
        const withExtras =
          s.additionalProperties === false
            ? fc.oneof({ weight: 8, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extras })
            : extras;
        return fc.tuple(rec, withExtras).map(([r, e]) => ({ ...e, ...r }));
      }
      case "array": {
        const max = Math.min(s.maxItems ?? 4, 4);
        const min = Math.min(s.minItems ?? 0, max);
        return fc.oneof(
          {
            weight: 8,
            arbitrary: fc.array(this.any(s.items, depth + 1), { minLength: min, maxLength: max }),
          },
          { weight: 1, arbitrary: fc.constant([]) },
        );
      }
      case "string":
        return this.strings(s);
      case "integer":
        return this.integers(s, true);
      case "number":
        return this.integers(s, false);
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }
}
