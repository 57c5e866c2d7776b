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

const intersects = (a: readonly (string | number)[], b: readonly (string | number)[]) => a.some((x) => b.includes(x));

function areaAllows(mode: ScopeMode, allowed: readonly (string | number)[], present: readonly (string | number)[] | undefined, emptyOk = false): boolean {
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
  if (!areaAllows(s.assets.mode, s.assets.asset_group_ids, r.asset_group_ids)) return { allowed: false, deniedArea: "assets", rowFilter: null };
  if (!areaAllows(s.cases_issues.mode, s.cases_issues.names, r.cases_issues_tags, s.cases_issues.include_cases_issues_empty_entities)) {
    return { allowed: false, deniedArea: "cases_issues", rowFilter: null };
  }
  if (!areaAllows(s.endpoints.endpoint_groups.mode, s.endpoints.endpoint_groups.names, r.endpoint_groups)) {
    return { allowed: false, deniedArea: "endpoints.endpoint_groups", rowFilter: null };
  }
  if (!areaAllows(s.endpoints.endpoint_tags.mode, s.endpoints.endpoint_tags.names, r.endpoint_tags)) {
    return { allowed: false, deniedArea: "endpoints.endpoint_tags", rowFilter: null };
  }
  if (r.dataset !== undefined) {
    const f = s.datasets_rows.filters.find((x) => x.dataset === r.dataset);
    if (f) return { allowed: true, rowFilter: f.filter };
    if (s.datasets_rows.default_filter_mode !== "see_all") return { allowed: false, deniedArea: "datasets_rows", rowFilter: null };
  }
  return { allowed: true, rowFilter: null };
}

/** Evaluates a resource against the principal's scopes (widest wins). */
export function evaluateScope(opts: { enforced: boolean; admin: boolean; scopes: CanonicalScope[]; resource: ResourceScope | undefined }): ScopeDecision {
  const r = opts.resource;
  const scoped =
    r && (r.asset_group_ids !== undefined || r.cases_issues_tags !== undefined || r.endpoint_groups !== undefined || r.endpoint_tags !== undefined || r.dataset !== undefined);
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
  const rowFilter = unfiltered || r!.dataset === undefined ? null : filters.length === 1 ? filters[0]! : filters.map((f) => `(${f})`).join(" or ");
  return { allowed: true, rowFilter };
}
