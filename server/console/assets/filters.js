// Filters of the API Keys table: they live in the URL (a filtered view can be bookmarked), and
// each kind says which get_api_keys filters it means.

import { DAY, state } from "./state.js";

// A filter in the URL is `f=kind:value`; each kind says how it reads and which API filters it means.
const parseDate = (s) => {
  const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.isFinite(t) ? t : null;
};
const parseDays = (s) => (/^[1-9][0-9]{0,4}d$/.test(s) ? Number(s.slice(0, -1)) : null);
export const FILTER_KINDS = {
  id: {
    field: "id",
    label: "ID",
    input: "text",
    hint: "key ids, comma-separated",
    api: (v) => ({
      field: "id",
      operator: "in",
      value: v
        .split(",")
        .map((x) => Number(x.trim()))
        .filter((n) => Number.isInteger(n) && n > 0),
    }),
  },
  security_level: {
    field: "security_level",
    label: "Security Level",
    input: "select",
    options: ["standard", "advanced"],
    api: (v) => ({ field: "security_level", operator: "eq", value: v }),
  },
  roles: {
    field: "roles",
    label: "Roles",
    input: "text",
    hint: "a role name",
    api: (v) => ({ field: "roles", operator: "contains", value: v }),
  },
  comment: {
    field: "comment",
    label: "Comment",
    input: "text",
    hint: "text the comment contains",
    api: (v) => ({ field: "comment", operator: "contains", value: v }),
  },
  created_by: {
    field: "created_by",
    label: "Created By",
    input: "text",
    hint: "e.g. Public API - 1",
    api: (v) => ({ field: "created_by", operator: "eq", value: v }),
  },
  status: {
    field: "status",
    label: "Status",
    input: "select",
    options: ["active", "expired", "revoked"],
    api: (v) => ({ field: "status", operator: "eq", value: v }),
  },
  created_prior: {
    field: "creation_time",
    label: "Creation Time: 30 days prior to",
    input: "date",
    api: (v) => {
      const t = parseDate(v);
      return t === null
        ? null
        : [
            { field: "creation_time", operator: "gte", value: t - 30 * DAY },
            { field: "creation_time", operator: "lte", value: t + DAY - 1 },
          ];
    },
  },
  created_after: {
    field: "creation_time",
    label: "Creation Time after",
    input: "date",
    api: (v) =>
      parseDate(v) === null
        ? null
        : { field: "creation_time", operator: "gte", value: parseDate(v) },
  },
  created_before: {
    field: "creation_time",
    label: "Creation Time before",
    input: "date",
    api: (v) =>
      parseDate(v) === null
        ? null
        : { field: "creation_time", operator: "lte", value: parseDate(v) },
  },
  expires_prior: {
    field: "expiration",
    label: "Expiration: 30 days prior to",
    input: "date",
    api: (v) => {
      const t = parseDate(v);
      return t === null
        ? null
        : [
            { field: "expiration", operator: "gte", value: t - 30 * DAY },
            { field: "expiration", operator: "lte", value: t + DAY - 1 },
          ];
    },
  },
  expiring_within: {
    field: "expiration",
    label: "Expiring within",
    input: "days",
    hint: "e.g. 7d",
    api: (v) => {
      const d = parseDays(v);
      const now = Date.now();
      return d === null
        ? null
        : [
            { field: "expiration", operator: "gte", value: now },
            { field: "expiration", operator: "lte", value: now + d * DAY },
          ];
    },
  },
  unused_for: {
    field: "last_used",
    label: "Unused for",
    input: "days",
    hint: "e.g. 30d",
    api: (v) => {
      const d = parseDays(v);
      return d === null
        ? null
        : { field: "last_used", operator: "lte", value: Date.now() - d * DAY };
    },
  },
};

/** The filters the server takes (from the contract): a kind whose field it does not know is not offered. */
export const offeredKinds = () =>
  Object.entries(FILTER_KINDS).filter(([, d]) =>
    state.contract.key_filter_fields.includes(d.field),
  );

export function readUrl() {
  const q = new URLSearchParams(location.search);
  const filters = q
    .getAll("f")
    .map((s) => {
      const i = s.indexOf(":");
      return { kind: s.slice(0, i), value: s.slice(i + 1) };
    })
    .filter((f) => FILTER_KINDS[f.kind] && f.value !== "");
  const [sf, sk] = (q.get("sort") ?? "creation_time:desc").split(":");
  const page = Math.max(0, Number(q.get("page") ?? 0) || 0);
  return { filters, sort: { field: sf, keyword: sk === "asc" ? "asc" : "desc" }, page };
}

export function writeUrl(v, push = true) {
  const q = new URLSearchParams();
  for (const f of v.filters) q.append("f", `${f.kind}:${f.value}`);
  if (v.sort.field !== "creation_time" || v.sort.keyword !== "desc")
    q.set("sort", `${v.sort.field}:${v.sort.keyword}`);
  if (v.page) q.set("page", String(v.page));
  const url = `/console${q.toString() ? `?${q}` : ""}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

export function apiFilters(filters) {
  const out = [];
  for (const f of filters) {
    const r = FILTER_KINDS[f.kind].api(f.value);
    if (r === null) continue;
    out.push(...(Array.isArray(r) ? r : [r]));
  }
  return out;
}
