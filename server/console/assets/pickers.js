// The controls of the key dialogs: roles with their Components, expiration within the tenant's
// policy, and the Scope Definition areas (from the contract).

import { api } from "./api.js";
import { $, h } from "./dom.js";
import { DAY, state } from "./state.js";

export async function loadRoles() {
  if (state.roles) return state.roles;
  try {
    state.roles = (await api("GET", "/platform/iam/v1/role?search_to=1000")).data;
  } catch {
    state.roles = null; // without access_management:view the role list is not ours to read
  }
  return state.roles;
}

export async function loadSettings() {
  try {
    state.settings = (await api("GET", "/platform/iam/v1/settings")).data;
  } catch {
    state.settings = null;
  }
  return state.settings;
}

const componentName = (c) => state.contract.components.find((x) => x.name === c)?.display_name ?? c;

/** Role checkboxes, each with its Components expandable; a text field when roles cannot be listed. */
export function rolePicker(roles, chosen) {
  const box = h("fieldset", { class: "roles" }, h("legend", {}, "Role"));
  if (!roles) {
    box.append(
      h("label", { for: "roles-text" }, "Role names, comma-separated"),
      h("input", { id: "roles-text", name: "roles", value: chosen.join(", ") }),
    );
    return {
      el: box,
      value: () =>
        $("#roles-text", box)
          .value.split(",")
          .map((s) => s.trim())
          .filter(Boolean),
    };
  }
  for (const r of roles) {
    const id = `role-${r.role_id}`;
    const comps = Object.entries(r.components ?? {}).filter(([, l]) => l !== "none");
    box.append(
      h(
        "div",
        { class: "role" },
        h("input", {
          type: "checkbox",
          id,
          name: "role",
          value: r.pretty_name,
          checked: chosen.includes(r.pretty_name),
        }),
        h("label", { for: id }, r.pretty_name, r.is_custom ? " (custom)" : ""),
        h(
          "details",
          {},
          h("summary", {}, "Components"),
          h(
            "table",
            { class: "components", "aria-label": `Components of ${r.pretty_name}` },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Component"),
                h("th", { scope: "col" }, "Permission"),
              ),
            ),
            h(
              "tbody",
              {},
              comps.map(([c, l]) =>
                h(
                  "tr",
                  {},
                  h("td", {}, componentName(c)),
                  h("td", {}, l === "view_edit" ? "View / Edit" : "View"),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return {
    el: box,
    value: () => [...box.querySelectorAll("input[name=role]:checked")].map((i) => i.value),
  };
}

export function policyText(s) {
  if (!s) return "The tenant's key policy could not be read with this key.";
  const parts = [];
  parts.push(
    s.max_key_lifetime_ms
      ? `Keys may live at most ${Math.round(s.max_key_lifetime_ms / DAY)} days, so an expiration date is required.`
      : "The tenant sets no longest lifetime.",
  );
  if (s.default_key_lifetime_ms)
    parts.push(
      `Without a date, a key expires after ${Math.round(s.default_key_lifetime_ms / DAY)} days.`,
    );
  return parts.join(" ");
}

export function expirationPicker(current) {
  const on = h("input", {
    type: "checkbox",
    id: "exp-on",
    checked: current !== null && current !== undefined,
  });
  const iso = current
    ? new Date(current).toISOString()
    : new Date(Date.now() + 30 * DAY).toISOString();
  const date = h("input", { type: "date", id: "exp-date", value: iso.slice(0, 10) });
  const time = h("input", { type: "time", id: "exp-time", value: iso.slice(11, 16) });
  const fields = h(
    "div",
    { class: "exp-fields", hidden: !on.checked },
    h("label", { for: "exp-date" }, "Date (UTC)"),
    date,
    h("label", { for: "exp-time" }, "Time (UTC)"),
    time,
  );
  on.addEventListener("change", () => (fields.hidden = !on.checked));
  const el = h(
    "div",
    { class: "expiration" },
    h("div", {}, on, h("label", { for: "exp-on" }, "Enable Expiration Date")),
    fields,
  );
  return {
    el,
    /** undefined: not set (tenant default); a number; or throws naming the field. */
    value: () => {
      if (!on.checked) return null;
      const t = Date.parse(`${date.value}T${time.value || "00:00"}:00Z`);
      if (!Number.isFinite(t)) throw new Error("Expiration Date: give a date and a time");
      return t;
    },
  };
}

// The areas and their modes come from the contract; the page only names them.
const AREA_LABEL = {
  assets: "Assets",
  cases_issues: "Cases and Issues",
  "endpoints.endpoint_groups": "Endpoint Groups",
  "endpoints.endpoint_tags": "Endpoint Tags",
  datasets_rows: "Datasets Rows",
};
const LIST_LABEL = {
  assets: "Asset group ids",
  cases_issues: "Tags",
  "endpoints.endpoint_groups": "Endpoint group names",
  "endpoints.endpoint_tags": "Endpoint tags",
};
const MODE_LABEL = {
  no_scope: "No scope",
  see_all: "See all",
  scope: "Scope (only those listed)",
  any: "Any (at least one)",
};

export function scopePicker(sbacOn) {
  const wrap = h("div", { class: "scope" }, h("h3", {}, "Scope Definition"));
  if (!sbacOn)
    wrap.append(
      h(
        "p",
        { class: "notice", id: "sbac-off-note" },
        "Scope Based Access Control is off: scopes are stored but not enforced. ",
        h("a", { href: "/console/settings" }, "Change it in Server Settings"),
      ),
    );
  const areas = state.contract.scope_areas;
  for (const a of areas) {
    const id = a.key.replace(".", "-");
    const mode = h(
      "select",
      { id: `scope-${id}-mode` },
      h("option", { value: "" }, "Not set"),
      a.modes.map((m) => h("option", { value: m }, MODE_LABEL[m] ?? m)),
    );
    const list = a.list_field
      ? h("input", { id: `scope-${id}-list`, placeholder: "comma-separated" })
      : null;
    wrap.append(
      h(
        "details",
        { class: "area", "data-area": a.key },
        h(
          "summary",
          {},
          h("span", { class: "chevron", "aria-hidden": "true" }, "›"),
          " ",
          AREA_LABEL[a.key] ?? a.key,
        ),
        h("label", { for: `scope-${id}-mode` }, "Mode"),
        mode,
        list
          ? [h("label", { for: `scope-${id}-list` }, LIST_LABEL[a.key] ?? a.list_field), list]
          : null,
      ),
    );
  }
  return {
    el: wrap,
    value: () => {
      const out = {};
      for (const a of areas) {
        const id = a.key.replace(".", "-");
        const m = $(`#scope-${id}-mode`, wrap).value;
        if (!m) continue;
        const entry = { [a.mode_field]: m };
        if (a.list_field) {
          const raw = $(`#scope-${id}-list`, wrap)
            .value.split(",")
            .map((s) => s.trim())
            .filter(Boolean);
          if (raw.length) entry[a.list_field] = a.list_of_numbers ? raw.map(Number) : raw;
        }
        const [top, sub] = a.key.split(".");
        if (sub) out[top] = { ...(out[top] ?? {}), [sub]: entry };
        else out[top] = entry;
      }
      return Object.keys(out).length ? out : undefined;
    },
  };
}
