/**
 * Mapping the SDK's camelCase inputs onto the wire's names and units: snake_case keys, epoch
 * milliseconds for times, and the scope shapes of the reference.
 */
import type { ScopeAreasWrite } from "./contract";
import { InvalidArgumentError } from "./errors";

/**
 * A point in time: a `Date`, an ISO-8601 string (`2026-03-01`, `2026-03-01T12:00:00Z`; without an
 * offset it is local time, as `Date.parse` reads it), or epoch milliseconds (a number or a string of
 * digits).
 */
export type TimeInput = Date | string | number;

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Epoch milliseconds of a {@link TimeInput}; throws {@link InvalidArgumentError} naming `argument`. */
export function toEpochMs(v: TimeInput, argument: string): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === "number") ms = v;
  else if (typeof v === "string") {
    const s = v.trim();
    if (/^\d+$/.test(s)) ms = Number(s);
    else if (ISO_8601.test(s)) ms = Date.parse(s.replace(" ", "T"));
    else
      throw new InvalidArgumentError(
        argument,
        "must be a Date, an ISO-8601 string or epoch milliseconds",
      );
  } else {
    throw new InvalidArgumentError(
      argument,
      "must be a Date, an ISO-8601 string or epoch milliseconds",
    );
  }
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(argument, "is not a valid point in time");
  if (ms < 0) throw new InvalidArgumentError(argument, "must not be before 1970");
  return Math.round(ms);
}

/** Like {@link toEpochMs}, passing `null` (clear) and `undefined` (leave out) through. */
export function toEpochMsOrNull<T extends null | undefined>(
  v: TimeInput | T,
  argument: string,
): number | T {
  if (v === null || v === undefined) return v as T;
  return toEpochMs(v, argument);
}

/** `assetGroupIds` → `asset_group_ids`; names already in snake_case are left alone. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

/**
 * Converts the keys of plain objects (deeply, through arrays) to snake_case. Only for inputs whose
 * keys are all schema names (scope areas), never for records keyed by user data.
 */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (
    v &&
    typeof v === "object" &&
    !(v instanceof Date) &&
    Object.getPrototypeOf(v) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [snakeCase(k), snakeKeys(x)]),
    );
  }
  return v;
}

/** Drops `undefined` values, so that a field left out is not sent. */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A scope mode of an area (see the reference: `no_scope`, `see_all`, `scope`, `any`). */
export type ScopeModeInput = "no_scope" | "see_all" | "scope";

/** Names with a mode, for endpoint groups and endpoint tags (`any`: whatever carries at least one). */
export interface EndpointScopeInput {
  /** `no_scope`, `see_all`, `scope` (only `names`) or `any`. */
  mode: ScopeModeInput | "any";
  /** Names, with mode `scope`. */
  names?: string[];
}

/**
 * Scope areas in camelCase (wire: the reference's write shape). An area left out means `no_scope`.
 * The wire shape (`asset_group_ids`, `cases_issues`, ...) is accepted too.
 */
export interface ScopeAreas {
  /** Asset groups (wire `assets`). */
  assets?: {
    mode: ScopeModeInput;
    /** Asset group ids, with mode `scope` (wire `asset_group_ids`). */ assetGroupIds?: number[];
  };
  /** Cases and issues by tag (wire `cases_issues`). */
  casesIssues?: {
    mode: ScopeModeInput;
    /** Tags, with mode `scope`. */
    names?: string[];
    /** With mode `scope`: also untagged cases and issues (wire `include_cases_issues_empty_entities`). */
    includeCasesIssuesEmptyEntities?: boolean;
  };
  /** Endpoints by endpoint group and endpoint tag (wire `endpoints`). */
  endpoints?: { endpointGroups?: EndpointScopeInput; endpointTags?: EndpointScopeInput };
  /** Row filters per dataset (wire `datasets_rows`). */
  datasetsRows?: {
    /** For datasets not in `filters`: `no_scope` or `see_all` (wire `default_filter_mode`). */
    defaultFilterMode: "no_scope" | "see_all";
    /** XQL row filters per dataset. */
    filters?: Array<{ dataset: string; filter: string }>;
  };
}

/** Scope areas in either spelling: camelCase ({@link ScopeAreas}) or the wire's snake_case. */
export type ScopeAreasInput = ScopeAreas | ScopeAreasWrite;

/** A key's scope at generate: a named scope definition, or inline areas. */
export type KeyScopeInput =
  { scopeDefinitionId: string } | { scope_definition_id: string } | ScopeAreasInput;

/** Scope areas on the wire. */
export function scopeAreasToWire(a: ScopeAreasInput): ScopeAreasWrite {
  return snakeKeys(a) as ScopeAreasWrite;
}
