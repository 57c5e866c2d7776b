/**
 * SBAC evaluation: does a principal's scope let it see a resource with these attributes?
 * Several scopes combine to the widest access (a user's own scope and its groups'). With SBAC on,
 * a principal with no scope gets no scoped access; administrators are never narrowed.
 */
import type { CanonicalScope, ResourceScope, ScopeMode } from "../../sdk/contract";

export interface ScopeDecision {
  allowed: boolean;
  /** Which area refused, for the reply and the audit entry. */
  deniedArea?: string;
  /** For dataset resources: the row filter to apply (null: all rows). */
  rowFilter: string | null;
}

const intersects = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
  a.some((x) => b.includes(x));

function areaAllows(
  mode: ScopeMode,
  allowed: readonly (string | number)[],
  present: readonly (string | number)[] | undefined,
  emptyOk = false,
): boolean {
  if (present === undefined) return true;
  switch (mode) {
    case "see_all":
      return true;
    case "no_scope":
      return false;
    case "any":
      return present.length > 0;
    case "scope":
      return present.length === 0 ? emptyOk : intersects(allowed, present);
  }
}

function oneScopeAllows(s: CanonicalScope, r: ResourceScope): ScopeDecision {
  if (!areaAllows(s.assets.mode, s.assets.asset_group_ids, r.asset_group_ids))
    return { allowed: false, deniedArea: "assets", rowFilter: null };
  if (
    !areaAllows(
      s.cases_issues.mode,
      s.cases_issues.names,
      r.cases_issues_tags,
      s.cases_issues.include_cases_issues_empty_entities,
    )
  ) {
    return { allowed: false, deniedArea: "cases_issues", rowFilter: null };
  }
  if (
    !areaAllows(
      s.endpoints.endpoint_groups.mode,
      s.endpoints.endpoint_groups.names,
      r.endpoint_groups,
    )
  ) {
    return { allowed: false, deniedArea: "endpoints.endpoint_groups", rowFilter: null };
  }
  if (
    !areaAllows(s.endpoints.endpoint_tags.mode, s.endpoints.endpoint_tags.names, r.endpoint_tags)
  ) {
    return { allowed: false, deniedArea: "endpoints.endpoint_tags", rowFilter: null };
  }
  if (r.dataset !== undefined) {
    const f = s.datasets_rows.filters.find((x) => x.dataset === r.dataset);
    if (f) return { allowed: true, rowFilter: f.filter };
    if (s.datasets_rows.default_filter_mode !== "see_all")
      return { allowed: false, deniedArea: "datasets_rows", rowFilter: null };
  }
  return { allowed: true, rowFilter: null };
}

/** Evaluates a resource against the principal's scopes (widest wins). */
export function evaluateScope(opts: {
  enforced: boolean;
  admin: boolean;
  scopes: CanonicalScope[];
  resource: ResourceScope | undefined;
}): ScopeDecision {
  const r = opts.resource;
  const scoped =
    r &&
    (r.asset_group_ids !== undefined ||
      r.cases_issues_tags !== undefined ||
      r.endpoint_groups !== undefined ||
      r.endpoint_tags !== undefined ||
      r.dataset !== undefined);
  if (!opts.enforced || opts.admin || !scoped) return { allowed: true, rowFilter: null };
  if (opts.scopes.length === 0) return { allowed: false, deniedArea: "no scope", rowFilter: null };
  let firstDenied: ScopeDecision | undefined;
  const filters: string[] = [];
  let unfiltered = false;
  for (const s of opts.scopes) {
    const d = oneScopeAllows(s, r!);
    if (d.allowed) {
      if (d.rowFilter === null) unfiltered = true;
      else filters.push(d.rowFilter);
    } else firstDenied ??= d;
  }
  if (!unfiltered && filters.length === 0) return firstDenied!;
  // The widest access: no filter if any scope gives all rows, else the OR of the filters.
  const rowFilter =
    unfiltered || r!.dataset === undefined
      ? null
      : filters.length === 1
        ? filters[0]!
        : filters.map((f) => `(${f})`).join(" or ");
  return { allowed: true, rowFilter };
}

/**
 * Whether everything area mode `g` (with names `gNames`, seeing untagged items when `gEmpty`)
 * lets a principal see, `c` lets it see too. Mirrors {@link areaAllows}: `see_all` sees
 * everything, `no_scope` nothing, `any` whatever carries at least one name, `scope` whatever
 * carries one of its names (and untagged items when its empty flag is set).
 */
function areaWithin(
  g: { mode: ScopeMode; names: readonly (string | number)[]; empty: boolean },
  c: { mode: ScopeMode; names: readonly (string | number)[]; empty: boolean },
): boolean {
  const gNothing =
    g.mode === "no_scope" || (g.mode === "scope" && g.names.length === 0 && !g.empty);
  if (gNothing || c.mode === "see_all") return true;
  switch (g.mode) {
    case "see_all":
      return false;
    case "any":
      return c.mode === "any";
    default:
      // `scope`: each of its names must be seen by `c`, and untagged items only if `c` sees them.
      if (g.empty && !(c.mode === "scope" && c.empty)) return false;
      if (c.mode === "any") return true;
      return c.mode === "scope" && g.names.every((n) => c.names.includes(n));
  }
}

/** Rows of `dataset` a scope gives: all, none, or one filter's rows. */
function datasetRows(
  s: CanonicalScope,
  dataset: string | undefined,
): { all: boolean; filter: string | null } {
  const f =
    dataset === undefined ? undefined : s.datasets_rows.filters.find((x) => x.dataset === dataset);
  if (f) return { all: false, filter: f.filter };
  return { all: s.datasets_rows.default_filter_mode === "see_all", filter: null };
}

/**
 * The areas in which scope `g` lets a principal see more than scope `c` does (empty: `g` is
 * within `c`). Row filters are compared as text: a filter is within another only when it is the
 * same filter, or when `c` gives that dataset's rows unfiltered.
 */
export function scopeExceeds(g: CanonicalScope, c: CanonicalScope): string[] {
  const out: string[] = [];
  const list = (a: { mode: ScopeMode; names: readonly (string | number)[] }, empty = false) => ({
    mode: a.mode,
    names: a.names,
    empty,
  });
  if (
    !areaWithin(
      list({ mode: g.assets.mode, names: g.assets.asset_group_ids }),
      list({ mode: c.assets.mode, names: c.assets.asset_group_ids }),
    )
  )
    out.push("assets");
  if (
    !areaWithin(
      list(g.cases_issues, g.cases_issues.include_cases_issues_empty_entities),
      list(c.cases_issues, c.cases_issues.include_cases_issues_empty_entities),
    )
  ) {
    out.push("cases_issues");
  }
  if (!areaWithin(list(g.endpoints.endpoint_groups), list(c.endpoints.endpoint_groups)))
    out.push("endpoints.endpoint_groups");
  if (!areaWithin(list(g.endpoints.endpoint_tags), list(c.endpoints.endpoint_tags)))
    out.push("endpoints.endpoint_tags");
  // Datasets: each one either scope names, and every other dataset (the defaults).
  const named = new Set(
    [...g.datasets_rows.filters, ...c.datasets_rows.filters].map((f) => f.dataset),
  );
  const datasetWithin = (d: string | undefined) => {
    const gr = datasetRows(g, d);
    const cr = datasetRows(c, d);
    return cr.all || (!gr.all && (gr.filter === null || gr.filter === cr.filter));
  };
  if (![undefined, ...named].every(datasetWithin)) out.push("datasets_rows");
  return out;
}
