// How values read in the table, and the table's columns.

import { DAY } from "./state.js";

export const fmtTime = (ms) =>
  ms === null || ms === undefined
    ? "—"
    : new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
function fmtIn(ms) {
  const d = ms - Date.now();
  const abs = Math.abs(d);
  const unit =
    abs >= DAY
      ? `${Math.round(abs / DAY)} d`
      : abs >= 3_600_000
        ? `${Math.round(abs / 3_600_000)} h`
        : `${Math.max(1, Math.round(abs / 60_000))} min`;
  return d <= 0 ? "expired" : `in ${unit}`;
}
const fmtExpiration = (k) =>
  k.expiration === null ? "Never" : `${fmtTime(k.expiration)} (${fmtIn(k.expiration)})`;
export const fmtLevel = (l) => (l === "advanced" ? "Advanced" : "Standard");
const fmtStatus = (s) => (s ? s[0].toUpperCase() + s.slice(1) : "Active");
const fmtScope = (k) =>
  k.scope_definition_id ? k.scope_definition_id : k.has_scope ? "Custom" : "None";

/** The table's columns: label, the key's field, how a cell reads, whether the API sorts by it. */
export const COLUMNS = [
  { label: "ID", field: "id", text: (k) => String(k.id), sort: "id" },
  {
    label: "Security Level",
    field: "security_level",
    text: (k) => fmtLevel(k.security_level),
    sort: "security_level",
  },
  { label: "Roles", field: "roles", text: (k) => k.roles.join(", "), sort: "roles" },
  { label: "Comment", field: "comment", text: (k) => k.comment ?? "", sort: "comment" },
  { label: "Expiration", field: "expiration", text: fmtExpiration, sort: "expiration" },
  {
    label: "Creation Time",
    field: "creation_time",
    text: (k) => fmtTime(k.creation_time),
    sort: "creation_time",
  },
  { label: "Created By", field: "created_by", text: (k) => k.created_by ?? "" },
  {
    label: "Last Used",
    field: "last_used",
    text: (k) => (k.last_used ? fmtTime(k.last_used) : "Never"),
    sort: "last_used",
  },
  { label: "Status", field: "status", text: (k) => fmtStatus(k.status) },
  { label: "Scope", field: "scope", text: fmtScope },
];
