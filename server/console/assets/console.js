// The keyplane console: the API Keys page, Notification Center and Server Settings.
// Every action is a call of the public API (the session cookie plus the CSRF header stand in for
// the key headers), so the server's rules apply as they do to code. No build step, no inline
// script (the Content-Security-Policy forbids it), and every element is built with the DOM API
// from text, never from HTML strings.

const state = {
  session: null,
  contract: null,
  roles: null,
  settings: null,
  keys: [],
  total: 0,
  filtered: 0,
};
const PAGE_SIZE = 25;
const DAY = 86_400_000;
const canEdit = (component) => state.session?.permissions?.[component] === "view_edit";
const canView = (component) =>
  ["view", "view_edit"].includes(state.session?.permissions?.[component]);

// ------------------------------------------------------------------ DOM helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const $ = (sel, root = document) => root.querySelector(sel);
const announce = (msg) => {
  const live = $("#live");
  live.textContent = "";
  setTimeout(() => (live.textContent = msg), 30);
};

// ------------------------------------------------------------------ the API

class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { "x-keyplane-csrf": state.session?.csrf_token ?? "" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify({ request_data: body }),
    credentials: "same-origin",
    cache: "no-store",
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const msg = json?.reply?.err_msg ?? json?.data?.err_msg ?? `HTTP ${res.status}`;
    if (res.status === 401 && state.session && !path.startsWith("/console/api/session")) {
      state.session = null;
      renderSignIn("Your session has ended. Sign in again.");
    }
    throw new ApiFailure(res.status, msg);
  }
  return json;
}

// ------------------------------------------------------------------ formatting

const fmtTime = (ms) =>
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
const fmtLevel = (l) => (l === "advanced" ? "Advanced" : "Standard");
const fmtStatus = (s) => (s ? s[0].toUpperCase() + s.slice(1) : "Active");
const fmtScope = (k) =>
  k.scope_definition_id ? k.scope_definition_id : k.has_scope ? "Custom" : "None";

/** The table's columns: label, the key's field, how a cell reads, whether the API sorts by it. */
const COLUMNS = [
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

// ------------------------------------------------------------------ filters (they live in the URL)

// A filter in the URL is `f=kind:value`; each kind says how it reads and which API filters it means.
const parseDate = (s) => {
  const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.isFinite(t) ? t : null;
};
const parseDays = (s) => (/^[1-9][0-9]{0,4}d$/.test(s) ? Number(s.slice(0, -1)) : null);
const FILTER_KINDS = {
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
const offeredKinds = () =>
  Object.entries(FILTER_KINDS).filter(([, d]) =>
    state.contract.key_filter_fields.includes(d.field),
  );

function readUrl() {
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

function writeUrl(v, push = true) {
  const q = new URLSearchParams();
  for (const f of v.filters) q.append("f", `${f.kind}:${f.value}`);
  if (v.sort.field !== "creation_time" || v.sort.keyword !== "desc")
    q.set("sort", `${v.sort.field}:${v.sort.keyword}`);
  if (v.page) q.set("page", String(v.page));
  const url = `/console${q.toString() ? `?${q}` : ""}`;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

function apiFilters(filters) {
  const out = [];
  for (const f of filters) {
    const r = FILTER_KINDS[f.kind].api(f.value);
    if (r === null) continue;
    out.push(...(Array.isArray(r) ? r : [r]));
  }
  return out;
}

// ------------------------------------------------------------------ shell, navigation, sign-in

function renderShell() {
  const nav = $("#nav");
  nav.replaceChildren();
  const who = $("#who");
  who.replaceChildren();
  if (!state.session) return;
  const here = location.pathname;
  const link = (href, label) =>
    h(
      "a",
      {
        href,
        "aria-current": here === href ? "page" : undefined,
        onclick: (e) => {
          e.preventDefault();
          history.pushState(null, "", href);
          route();
        },
      },
      label,
    );
  nav.append(
    link("/console", "API Keys"),
    link("/console/notifications", "Notification Center"),
    link("/console/settings", "Server Settings"),
  );
  who.append(
    h(
      "span",
      {},
      `Signed in as ${state.session.display_name} (${fmtLevel(state.session.security_level)}, ${state.session.roles.join(", ")})`,
    ),
    " ",
    h("button", { type: "button", id: "sign-out", onclick: signOut }, "Sign out"),
  );
}

async function signOut() {
  try {
    await api("DELETE", "/console/api/session");
  } catch {
    // Ended already: the page forgets it either way.
  }
  state.session = null;
  history.pushState(null, "", "/console");
  renderSignIn("You are signed out.");
}

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function renderSignIn(message) {
  renderShell();
  const err = h("p", { id: "sign-in-error", class: "error", role: "alert" });
  const form = h(
    "form",
    { id: "sign-in", "aria-labelledby": "sign-in-title", novalidate: true },
    h("h1", { id: "sign-in-title" }, "Sign in with an API key"),
    message ? h("p", { class: "notice" }, message) : null,
    h(
      "fieldset",
      {},
      h("legend", {}, "Security Level"),
      h(
        "label",
        {},
        h("input", { type: "radio", name: "level", value: "standard", checked: true }),
        " Standard",
      ),
      h("label", {}, h("input", { type: "radio", name: "level", value: "advanced" }), " Advanced"),
    ),
    h(
      "p",
      { class: "help" },
      "An Advanced key never leaves this browser: the page signs a server challenge with sha256(key + nonce + timestamp).",
    ),
    h("label", { for: "key-id" }, "Key ID"),
    h("input", {
      id: "key-id",
      name: "key_id",
      inputmode: "numeric",
      autocomplete: "username",
      required: true,
    }),
    h("label", { for: "key" }, "Key"),
    h("input", {
      id: "key",
      name: "key",
      type: "password",
      autocomplete: "current-password",
      required: true,
    }),
    err,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.textContent = "";
    const level = form.querySelector("input[name=level]:checked").value;
    const keyInput = $("#key", form);
    const keyId = $("#key-id", form).value.trim();
    const key = keyInput.value.trim();
    if (!/^[1-9][0-9]*$/.test(keyId))
      return void (err.textContent = "Key ID: must be a positive integer");
    if (!key) return void (err.textContent = "Key: must not be empty");
    try {
      let body;
      if (level === "standard") body = { key_id: keyId, security_level: "standard", key };
      else {
        if (!crypto.subtle)
          throw new ApiFailure(0, "Advanced sign-in needs a secure page (HTTPS or localhost)");
        const ch = (await api("POST", "/console/api/challenge", {})).reply;
        const timestamp = String(ch.timestamp);
        const digest = await crypto.subtle.digest(
          "SHA-256",
          new TextEncoder().encode(key + ch.nonce + timestamp),
        );
        body = {
          key_id: keyId,
          security_level: "advanced",
          nonce: ch.nonce,
          timestamp,
          signature: hex(digest),
        };
      }
      keyInput.value = "";
      state.session = (await api("POST", "/console/api/session", body)).reply;
      await route();
    } catch (x) {
      keyInput.value = "";
      err.textContent =
        x.status === 401
          ? "Sign-in refused: check the key ID, the key and its security level."
          : x.message;
    }
  });
  $("#main").replaceChildren(form);
  $("#key-id").focus();
}

// ------------------------------------------------------------------ routing

async function route() {
  renderShell();
  const p = location.pathname.replace(/\/+$/, "");
  if (!state.session) return renderSignIn();
  if (p === "/console/notifications") return renderNotifications();
  if (p === "/console/settings") return renderSettings();
  return renderKeys();
}
window.addEventListener("popstate", () => void route());

async function boot() {
  state.contract = (await api("GET", "/console/api/contract")).reply;
  try {
    state.session = (await api("GET", "/console/api/session")).reply;
  } catch {
    state.session = null;
  }
  await route();
}

// ------------------------------------------------------------------ the API Keys page

async function renderKeys() {
  const view = readUrl();
  const main = $("#main");
  const title = h("h1", {}, "API Keys");
  const toolbar = h("div", { class: "toolbar" });
  if (canEdit("public_api"))
    toolbar.append(
      h(
        "button",
        { type: "button", id: "new-key", class: "primary", onclick: () => openNewKey() },
        "New Key",
      ),
    );
  toolbar.append(
    h(
      "button",
      {
        type: "button",
        id: "filter-button",
        "aria-expanded": "false",
        "aria-controls": "filter-form",
        onclick: toggleFilterForm,
      },
      "Filter API keys",
    ),
  );
  const chips = h("ul", { class: "chips", "aria-label": "Active filters" });
  for (const f of view.filters) {
    const label = `${FILTER_KINDS[f.kind].label}: ${f.value}`;
    chips.append(
      h(
        "li",
        { class: "chip" },
        h("span", {}, label),
        h(
          "button",
          {
            type: "button",
            "aria-label": `Remove filter ${label}`,
            onclick: () => {
              view.filters = view.filters.filter((x) => x !== f);
              view.page = 0;
              writeUrl(view);
              void renderKeys();
            },
          },
          "×",
        ),
      ),
    );
  }
  const filterForm = buildFilterForm(view);
  const table = h("table", { id: "keys", "aria-label": "API Keys" });
  const status = h("p", { id: "table-status" }, "Loading…");
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  main.replaceChildren(title, toolbar, filterForm, chips, status, table, pager);

  let res;
  try {
    res = await api("POST", "/public_api/v1/api_keys/get_api_keys", {
      filters: apiFilters(view.filters),
      sort: view.sort,
      search_from: view.page * PAGE_SIZE,
      search_to: (view.page + 1) * PAGE_SIZE,
    });
  } catch (x) {
    status.textContent = `Could not load the keys: ${x.message}`;
    status.className = "error";
    return;
  }
  state.keys = res.reply.DATA;
  state.filtered = res.reply.FILTER_COUNT;
  state.total = res.reply.TOTAL_COUNT;
  const from = state.filtered === 0 ? 0 : view.page * PAGE_SIZE + 1;
  status.textContent = `${from}–${view.page * PAGE_SIZE + state.keys.length} of ${state.filtered} keys${view.filters.length ? ` (filtered from ${state.total})` : ""}`;

  const head = h("tr", {});
  for (const c of COLUMNS) {
    const sorted = view.sort.field === c.sort;
    const th = h("th", {
      scope: "col",
      "aria-sort": sorted ? (view.sort.keyword === "asc" ? "ascending" : "descending") : undefined,
    });
    if (c.sort && state.contract.key_sort_fields.includes(c.sort)) {
      th.append(
        h(
          "button",
          {
            type: "button",
            class: "sort",
            onclick: () => {
              view.sort = {
                field: c.sort,
                keyword: sorted && view.sort.keyword === "asc" ? "desc" : "asc",
              };
              view.page = 0;
              writeUrl(view);
              void renderKeys();
            },
          },
          c.label,
          sorted ? (view.sort.keyword === "asc" ? " ▲" : " ▼") : "",
        ),
      );
    } else th.append(c.label);
    head.append(th);
  }
  head.append(h("th", { scope: "col" }, h("span", { class: "sr" }, "Actions")));
  const body = h("tbody", {});
  for (const k of state.keys) {
    const tr = h("tr", { "data-key-id": k.id, tabindex: "0", "aria-label": `Key ${k.id}` });
    for (const c of COLUMNS)
      tr.append(
        h(
          c.field === "id" ? "th" : "td",
          { "data-field": c.field, ...(c.field === "id" ? { scope: "row" } : {}) },
          c.text(k),
        ),
      );
    tr.append(
      h(
        "td",
        {},
        h(
          "button",
          {
            type: "button",
            class: "more",
            "aria-label": `Actions for key ${k.id}`,
            "aria-haspopup": "menu",
            onclick: (e) => {
              e.stopPropagation();
              openMenu(k, null, e.currentTarget);
            },
          },
          "⋯",
        ),
      ),
    );
    tr.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      const cell = e.target.closest("[data-field]");
      openMenu(k, cell, tr, { x: e.clientX, y: e.clientY });
    });
    tr.addEventListener("keydown", (e) => {
      if (e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey)) {
        e.preventDefault();
        const cell =
          document.activeElement?.closest?.("[data-field]") ?? tr.querySelector("[data-field]");
        openMenu(k, cell, tr);
      }
    });
    body.append(tr);
  }
  table.append(h("thead", {}, head), body);
  if (view.page > 0)
    pager.append(
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            view.page -= 1;
            writeUrl(view);
            void renderKeys();
          },
        },
        "Previous page",
      ),
    );
  if ((view.page + 1) * PAGE_SIZE < state.filtered)
    pager.append(
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            view.page += 1;
            writeUrl(view);
            void renderKeys();
          },
        },
        "Next page",
      ),
    );
}

function toggleFilterForm() {
  const b = $("#filter-button");
  const f = $("#filter-form");
  const open = f.hidden;
  f.hidden = !open;
  b.setAttribute("aria-expanded", String(open));
  if (open) $("#filter-kind").focus();
}

function buildFilterForm(view) {
  const kind = h(
    "select",
    { id: "filter-kind", name: "kind" },
    offeredKinds().map(([k, d]) => h("option", { value: k }, d.label)),
  );
  const valueWrap = h("span", {});
  const err = h("span", { class: "error", role: "alert", id: "filter-error" });
  const renderValue = () => {
    const d = FILTER_KINDS[kind.value];
    const input =
      d.input === "select"
        ? h(
            "select",
            { id: "filter-value", name: "value" },
            d.options.map((o) => h("option", { value: o }, o)),
          )
        : h("input", {
            id: "filter-value",
            name: "value",
            type: d.input === "date" ? "date" : "text",
            placeholder: d.hint ?? "",
          });
    valueWrap.replaceChildren(h("label", { for: "filter-value" }, "Value"), input);
  };
  kind.addEventListener("change", renderValue);
  renderValue();
  const form = h(
    "form",
    { id: "filter-form", hidden: true, class: "filter-form", "aria-label": "Filter API keys" },
    h("label", { for: "filter-kind" }, "Field"),
    kind,
    valueWrap,
    h("button", { type: "submit" }, "Add filter"),
    err,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("#filter-value", form).value.trim();
    const d = FILTER_KINDS[kind.value];
    if (!value || d.api(value) === null)
      return void (err.textContent = `${d.label}: ${d.input === "days" ? "give a number of days, e.g. 7d" : "give a value"}`);
    view.filters.push({ kind: kind.value, value });
    view.page = 0;
    writeUrl(view);
    void renderKeys();
  });
  return form;
}

// ------------------------------------------------------------------ the pivot menu

let menuEl = null;
function closeMenu(returnFocus) {
  if (!menuEl) return;
  const back = menuEl.returnTo;
  menuEl.remove();
  menuEl = null;
  if (returnFocus && back?.isConnected) back.focus();
}
document.addEventListener("click", (e) => {
  if (menuEl && !menuEl.contains(e.target)) closeMenu(false);
});

/** The value a cell stands for when filtering by it, or null when no filter fits. */
function cellFilter(k, field) {
  switch (field) {
    case "id":
      return { kind: "id", value: String(k.id) };
    case "security_level":
      return { kind: "security_level", value: k.security_level };
    case "roles":
      return k.roles[0] ? { kind: "roles", value: k.roles[0] } : null;
    case "comment":
      return k.comment ? { kind: "comment", value: k.comment } : null;
    case "created_by":
      return k.created_by ? { kind: "created_by", value: k.created_by } : null;
    case "status":
      return { kind: "status", value: k.status ?? "active" };
    case "creation_time":
      return { kind: "created_prior", value: new Date(k.creation_time).toISOString().slice(0, 10) };
    case "expiration":
      return k.expiration === null
        ? null
        : { kind: "expires_prior", value: new Date(k.expiration).toISOString().slice(0, 10) };
    default:
      return null;
  }
}

function rowText(k) {
  return COLUMNS.map((c) => `${c.label}: ${c.text(k)}`).join("\n");
}

async function copy(text, what) {
  await navigator.clipboard.writeText(text);
  announce(`${what} copied to the clipboard`);
}

function openMenu(k, cell, returnTo, at) {
  closeMenu(false);
  const field = cell?.getAttribute("data-field") ?? "id";
  const column = COLUMNS.find((c) => c.field === field);
  const items = [
    ["View Examples", () => viewExamples(k)],
    ["Copy text to clipboard", () => copy(column.text(k), column.label)],
    ["Copy entire row", () => copy(rowText(k), "The row")],
  ];
  const f = cellFilter(k, field);
  if (f)
    items.push([
      `Filter by ${column.label}`,
      () => {
        const v = readUrl();
        v.filters.push(f);
        v.page = 0;
        writeUrl(v);
        void renderKeys();
      },
    ]);
  if (canEdit("public_api") && k.status !== "revoked")
    items.push(["Edit", () => openEdit(k)], ["Revoke", () => confirmAction(k, "revoke")]);
  if (canEdit("public_api")) items.push(["Delete", () => confirmAction(k, "delete")]);
  const menu = h("ul", {
    role: "menu",
    id: "pivot-menu",
    class: "menu",
    "aria-label": `Actions for key ${k.id}`,
  });
  for (const [label, act] of items) {
    const li = h("li", { role: "menuitem", tabindex: "-1" }, label);
    li.addEventListener("click", (e) => {
      e.stopPropagation();
      closeMenu(true);
      void Promise.resolve(act()).catch((x) => announce(x.message));
    });
    menu.append(li);
  }
  menu.addEventListener("keydown", (e) => {
    const all = [...menu.querySelectorAll("[role=menuitem]")];
    const i = all.indexOf(document.activeElement);
    if (e.key === "ArrowDown") all[(i + 1) % all.length].focus();
    else if (e.key === "ArrowUp") all[(i - 1 + all.length) % all.length].focus();
    else if (e.key === "Home") all[0].focus();
    else if (e.key === "End") all[all.length - 1].focus();
    else if (e.key === "Escape" || e.key === "Tab") closeMenu(true);
    else if (e.key === "Enter" || e.key === " ") document.activeElement?.click();
    else return;
    e.preventDefault();
  });
  menu.returnTo = returnTo;
  const r = (cell ?? returnTo).getBoundingClientRect();
  menu.style.left = `${Math.round(at?.x ?? r.left) + window.scrollX}px`;
  menu.style.top = `${Math.round(at?.y ?? r.bottom) + window.scrollY}px`;
  document.body.append(menu);
  menuEl = menu;
  menu.querySelector("[role=menuitem]").focus();
}

async function viewExamples(k) {
  const ex = (await api("POST", "/public_api/v1/api_keys/examples", { id: k.id })).reply;
  await copy(ex.python, "The Python 3 example");
  const d = dialog(
    `Examples for key ${k.id}`,
    h(
      "p",
      {},
      `The Python 3 example for ${ex.security_level === "advanced" ? "an Advanced" : "a Standard"} key is on the clipboard. Put your key where it says so.`,
    ),
    h("pre", { id: "example-python", tabindex: "0" }, ex.python),
  );
  d.footer.append(h("button", { type: "button", onclick: () => d.close() }, "Close"));
  d.open();
}

// ------------------------------------------------------------------ dialogs

/** A modal <dialog> (focus stays inside; Escape closes; focus returns where it came from). */
function dialog(title, ...content) {
  const back = document.activeElement;
  const id = `dlg-${Math.random().toString(36).slice(2)}`;
  const footer = h("div", { class: "dialog-footer" });
  const el = h("dialog", { "aria-labelledby": id }, h("h2", { id }, title), ...content, footer);
  el.addEventListener("close", () => {
    el.remove();
    if (back?.isConnected) back.focus();
  });
  document.body.append(el);
  return { el, footer, open: () => el.showModal(), close: () => el.close() };
}

function confirmAction(k, action) {
  const verb = action === "revoke" ? "Revoke" : "Delete";
  const d = dialog(
    `${verb} API key ${k.id}?`,
    h(
      "p",
      {},
      action === "revoke"
        ? "The key stays listed as revoked and never authenticates again."
        : "The key is removed and never authenticates again. This cannot be undone.",
    ),
  );
  const err = h("p", { class: "error", role: "alert" });
  d.footer.append(
    err,
    h("button", { type: "button", onclick: () => d.close() }, "Cancel"),
    h(
      "button",
      {
        type: "button",
        class: "danger",
        onclick: async () => {
          try {
            await api("POST", `/public_api/v1/api_keys/${action}`, {
              filters: [{ field: "id", operator: "in", value: [k.id] }],
            });
            d.close();
            announce(`Key ${k.id}: ${action === "revoke" ? "revoked" : "deleted"}`);
            void renderKeys();
          } catch (x) {
            err.textContent = x.message;
          }
        },
      },
      verb,
    ),
  );
  d.open();
}

async function loadRoles() {
  if (state.roles) return state.roles;
  try {
    state.roles = (await api("GET", "/platform/iam/v1/role?search_to=1000")).data;
  } catch {
    state.roles = null; // without access_management:view the role list is not ours to read
  }
  return state.roles;
}

async function loadSettings() {
  try {
    state.settings = (await api("GET", "/platform/iam/v1/settings")).data;
  } catch {
    state.settings = null;
  }
  return state.settings;
}

const componentName = (c) => state.contract.components.find((x) => x.name === c)?.display_name ?? c;

/** Role checkboxes, each with its Components expandable; a text field when roles cannot be listed. */
function rolePicker(roles, chosen) {
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

function policyText(s) {
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

function expirationPicker(current) {
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

function scopePicker(sbacOn) {
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

async function openNewKey() {
  const [roles, settings] = await Promise.all([loadRoles(), loadSettings()]);
  const level = h(
    "fieldset",
    { class: "level" },
    h("legend", {}, "Security Level"),
    h(
      "div",
      {},
      h("input", {
        type: "radio",
        name: "security_level",
        id: "lvl-advanced",
        value: "advanced",
        checked: true,
      }),
      h("label", { for: "lvl-advanced" }, "Advanced"),
    ),
    h(
      "p",
      { class: "help" },
      "Advanced: the client hashes the key with a nonce and a timestamp on every request, so the key never crosses the wire and a captured request cannot be replayed.",
    ),
    h(
      "div",
      {},
      h("input", { type: "radio", name: "security_level", id: "lvl-standard", value: "standard" }),
      h("label", { for: "lvl-standard" }, "Standard"),
    ),
    h("p", { class: "help" }, "Standard: the key itself is sent with every request."),
  );
  const picker = rolePicker(roles, []);
  const comment = h("textarea", {
    id: "new-comment",
    rows: "2",
    maxlength: String(state.contract.max_comment),
  });
  const exp = expirationPicker(null);
  const scope = scopePicker(settings?.sbac_enabled ?? false);
  const roleTab = h(
    "div",
    { role: "tabpanel", id: "tab-role-panel", "aria-labelledby": "tab-role" },
    level,
    picker.el,
    h("label", { for: "new-comment" }, "Comment (optional)"),
    comment,
    exp.el,
    h("p", { class: "help", id: "policy" }, policyText(settings)),
  );
  const scopeTab = h(
    "div",
    { role: "tabpanel", id: "tab-scope-panel", "aria-labelledby": "tab-scope", hidden: true },
    scope.el,
  );
  const tabs = h("div", { role: "tablist", "aria-label": "New key" });
  const tab = (id, label, panel, selected) => {
    const b = h(
      "button",
      {
        type: "button",
        role: "tab",
        id,
        "aria-controls": panel.id,
        "aria-selected": String(selected),
        tabindex: selected ? "0" : "-1",
      },
      label,
    );
    b.addEventListener("click", () => {
      for (const t of tabs.querySelectorAll("[role=tab]")) {
        t.setAttribute("aria-selected", String(t === b));
        t.tabIndex = t === b ? 0 : -1;
      }
      roleTab.hidden = panel !== roleTab;
      scopeTab.hidden = panel !== scopeTab;
    });
    b.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
      const other = [...tabs.querySelectorAll("[role=tab]")].find((t) => t !== b);
      other.focus();
      other.click();
    });
    return b;
  };
  tabs.append(tab("tab-role", "Role", roleTab, true), tab("tab-scope", "Scope", scopeTab, false));
  const err = h("p", { class: "error", role: "alert", id: "new-key-error" });
  const d = dialog("New Key", tabs, roleTab, scopeTab, err);
  const generate = h("button", { type: "button", class: "primary", id: "generate" }, "Generate");
  d.footer.append(h("button", { type: "button", onclick: () => d.close() }, "Cancel"), generate);
  generate.addEventListener("click", async () => {
    err.textContent = "";
    let body;
    try {
      const expiration = exp.value();
      body = {
        security_level: d.el.querySelector("input[name=security_level]:checked").value,
        roles: picker.value(),
        comment: comment.value.trim() || undefined,
        ...(expiration !== null ? { expiration } : {}),
        scope: scope.value(),
      };
      if (!body.roles.length) throw new Error("Role: choose at least one role");
    } catch (x) {
      err.textContent = x.message;
      return;
    }
    try {
      const r = (await api("POST", "/public_api/v1/api_keys/generate", body)).reply;
      showKeyOnce(d, r.id, r.key);
    } catch (x) {
      err.textContent = x.message;
    }
  });
  d.open();
}

/** The key, shown this once; after Done it is gone from the page and from every variable. */
function showKeyOnce(d, id, key) {
  let secret = key;
  const out = h("input", {
    id: "new-key-value",
    readonly: true,
    value: secret,
    "aria-label": "API Key",
    class: "secret",
  });
  const copyBtn = h(
    "button",
    {
      type: "button",
      id: "copy-key",
      onclick: async () => {
        await copy(secret, "The API key");
        copyBtn.textContent = "Copied";
      },
    },
    "Copy",
  );
  const done = h("button", { type: "button", class: "primary", id: "done" }, "Done");
  const panel = h(
    "div",
    { id: "key-once" },
    h("p", {}, `API Key ID: ${id}`),
    h("label", { for: "new-key-value" }, "API Key"),
    h("div", { class: "secret-row" }, out, copyBtn),
    h(
      "p",
      { class: "warning", role: "alert" },
      "Copy the key now: you will not be able to view the API Key again after you click Done.",
    ),
  );
  d.el.replaceChildren(
    h("h2", { id: d.el.getAttribute("aria-labelledby") }, "API Key Generated"),
    panel,
    h("div", { class: "dialog-footer" }, done),
  );
  const forget = () => {
    secret = null;
    out.value = "";
    panel.remove();
  };
  done.addEventListener("click", () => {
    forget();
    d.close();
    void renderKeys();
  });
  d.el.addEventListener("close", forget, { once: true });
  out.focus();
  out.select();
}

async function openEdit(k) {
  const roles = await loadRoles();
  const picker = rolePicker(roles, k.roles);
  const comment = h(
    "textarea",
    { id: "edit-comment", rows: "2", maxlength: String(state.contract.max_comment) },
    k.comment ?? "",
  );
  const exp = expirationPicker(k.expiration);
  const err = h("p", { class: "error", role: "alert" });
  const d = dialog(
    `Edit API key ${k.id}`,
    picker.el,
    h("label", { for: "edit-comment" }, "Comment"),
    comment,
    exp.el,
    h("p", { class: "help" }, policyText(await loadSettings())),
    err,
  );
  d.footer.append(
    h("button", { type: "button", onclick: () => d.close() }, "Cancel"),
    h(
      "button",
      {
        type: "button",
        class: "primary",
        id: "save-edit",
        onclick: async () => {
          try {
            const body = {
              roles: picker.value(),
              comment: comment.value.trim() || null,
              expiration: exp.value(),
            };
            await api("PUT", `/platform/iam/v1/api-key/${k.id}`, body);
            d.close();
            announce(`Key ${k.id} saved`);
            void renderKeys();
          } catch (x) {
            err.textContent = x.message;
          }
        },
      },
      "Save",
    ),
  );
  d.open();
}

// ------------------------------------------------------------------ Notification Center

async function renderNotifications() {
  const main = $("#main");
  const list = h("ul", { id: "notifications", class: "notifications" });
  main.replaceChildren(h("h1", {}, "Notification Center"), list);
  if (!canView("notifications"))
    return void list.replaceWith(h("p", {}, "This key may not read notifications."));
  let res;
  try {
    res = await api("GET", "/platform/notifications/v1/notifications?search_to=200");
  } catch (x) {
    return void list.replaceWith(
      h("p", { class: "error" }, `Could not load the notifications: ${x.message}`),
    );
  }
  if (!res.data.length) list.append(h("li", {}, "No notifications."));
  for (const n of res.data) {
    const href = `/console?f=${encodeURIComponent(`id:${n.key_id}`)}`;
    list.append(
      h(
        "li",
        {
          class: n.read ? "read" : "unread",
          "data-notification": n.id,
          "data-lead": n.lead,
          "data-key-id": n.key_id,
        },
        h("h2", {}, n.title || n.type),
        h("p", { class: "notice-kind" }, noticeKind(n)),
        h("p", {}, n.message),
        h(
          "p",
          {},
          h(
            "a",
            {
              href,
              onclick: (e) => {
                e.preventDefault();
                history.pushState(null, "", href);
                void route();
              },
            },
            `Show key ${n.key_id}`,
          ),
        ),
      ),
    );
  }
}

// What a notice is about, by its own lead: a week or a day before an expiration, or a key left unused.
function noticeKind(n) {
  if (n.lead === "7d")
    return `Expiration, one week ahead: the key expires at ${fmtTime(n.expiration)}.`;
  if (n.lead === "1d")
    return `Expiration, one day ahead: the key expires at ${fmtTime(n.expiration)}.`;
  if (n.lead === "unused") return `Unused key: not used since ${fmtTime(n.expiration)}.`;
  return `${n.type}: ${fmtTime(n.expiration)}.`;
}

// ------------------------------------------------------------------ Server Settings

// Every setting of the tenant (sdk/contract/settings.ts), one labelled control each. A save sends
// only what was changed, through the same PUT the API uses, so the server's rules and messages apply.
const SETTING_FIELDS = [
  {
    key: "sbac_enabled",
    kind: "bool",
    id: "sbac",
    label: "Enable Scope Based Access Control",
    help: "Off: scopes are stored but not enforced. On: every principal sees only what its scope allows.",
  },
  { heading: "API key policy" },
  {
    key: "default_key_lifetime_ms",
    kind: "days-ms",
    id: "default-lifetime",
    label: "Default key lifetime (days)",
    help: "Lifetime of a key generated without an expiration. Empty: such keys never expire.",
  },
  {
    key: "max_key_lifetime_ms",
    kind: "days-ms",
    id: "max-lifetime",
    label: "Longest key lifetime (days)",
    help: "Empty: no limit (and keys may never expire).",
  },
  {
    key: "key_expiration_required",
    kind: "bool",
    id: "key-expiration-required",
    label: "Every key must have an expiration date",
    help: "A key generated without an expiration (and no default lifetime), or edited to none, is refused.",
  },
  {
    key: "key_comment_required",
    kind: "bool",
    id: "key-comment-required",
    label: "Every key must have a comment",
  },
  {
    key: "key_advanced_roles",
    kind: "list",
    id: "key-advanced-roles",
    label: "Roles whose keys must be Advanced (role ids, comma-separated)",
    help: "For example instance_administrator. Empty: none.",
  },
  {
    key: "unused_key_notice_days",
    kind: "int",
    id: "unused-key-notice-days",
    label: "API Key Unused notice after (days unused)",
    help: "Posts an API Key Unused notice for a key not used (or, never used, not created) for this many days. Empty: none.",
  },
  { heading: "Advanced keys" },
  {
    key: "replay_window_ms",
    kind: "int",
    id: "replay-window",
    label: "Replay window (milliseconds)",
    help: "Accepted clock skew of the signed timestamp, and how long a nonce is remembered.",
  },
  {
    key: "nonce_reuse_window_ms",
    kind: "int",
    id: "nonce-reuse-window",
    label: "Nonce reuse window (milliseconds)",
    help: "0: every repeated nonce is refused. Above 0: a repeated nonce is accepted for the same key while its timestamp is at most this old.",
  },
  { heading: "Notifications, examples and audit" },
  {
    key: "notification_webhook",
    kind: "text",
    id: "notification-webhook",
    type: "url",
    label: "Notification webhook URL",
    help: "Receives each notice as a JSON POST. Empty: none.",
  },
  {
    key: "tenant_fqdn",
    kind: "text",
    id: "tenant-fqdn",
    label: "Tenant host name (View Examples)",
    help: "Host name shown in the View Examples snippets. Empty: the address the page came from.",
  },
  {
    key: "audit_retention_days",
    kind: "int",
    id: "audit-retention",
    label: "Audit retention (days)",
    help: "Audit entries older than this are deleted. Empty: kept for ever.",
  },
];

function settingShown(f, v) {
  if (f.kind === "bool") return Boolean(v);
  if (v === null || v === undefined) return "";
  if (f.kind === "days-ms") return String(Math.round(v / DAY));
  if (f.kind === "list") return v.join(", ");
  return String(v);
}

// The input's text as the API's value; a malformed number is named here, the rest is the server's to judge.
function settingValue(f, input) {
  if (f.kind === "bool") return input.checked;
  const v = input.value.trim();
  if (f.kind === "list")
    return v === ""
      ? []
      : v
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
  if (v === "") return null;
  if (f.kind === "text") return v;
  if (!/^[0-9]+$/.test(v)) throw new Error(`${f.label}: must be a whole number`);
  return f.kind === "days-ms" ? Number(v) * DAY : Number(v);
}

async function renderSettings() {
  const main = $("#main");
  main.replaceChildren(h("h1", {}, "Server Settings"));
  const s = await loadSettings();
  if (!s) return void main.append(h("p", {}, "This key may not read the server settings."));
  const ro = !canEdit("server_settings");
  const inputs = new Map();
  const parts = [];
  for (const f of SETTING_FIELDS) {
    if (f.heading) {
      parts.push(h("h2", {}, f.heading));
      continue;
    }
    const helpId = f.help ? `${f.id}-help` : undefined;
    const help = f.help ? h("p", { class: "help", id: helpId }, f.help) : null;
    const shown = settingShown(f, s[f.key]);
    if (f.kind === "bool") {
      const input = h("input", {
        type: "checkbox",
        id: f.id,
        name: f.key,
        checked: shown,
        disabled: ro,
        "aria-describedby": helpId,
      });
      inputs.set(f.key, { f, input, initial: shown });
      parts.push(h("div", {}, input, h("label", { for: f.id }, f.label)), help);
    } else {
      const numeric = f.kind === "int" || f.kind === "days-ms";
      const input = h("input", {
        id: f.id,
        name: f.key,
        type: f.type ?? "text",
        inputmode: numeric ? "numeric" : undefined,
        value: shown,
        disabled: ro,
        "aria-describedby": helpId,
        class: "setting",
      });
      inputs.set(f.key, { f, input, initial: shown });
      parts.push(h("label", { for: f.id }, f.label), input, help);
    }
  }
  const err = h("p", { class: "error", role: "alert", id: "settings-error" });
  const form = h(
    "form",
    { id: "settings-form", "aria-label": "Server Settings" },
    ...parts,
    err,
    ro
      ? h("p", {}, "This key may read these settings but not change them.")
      : h("button", { type: "submit", class: "primary" }, "Save"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.textContent = "";
    try {
      const body = {};
      for (const [key, { f, input, initial }] of inputs) {
        const now = f.kind === "bool" ? input.checked : input.value;
        if (now !== initial) body[key] = settingValue(f, input);
      }
      const res = await api("PUT", "/platform/iam/v1/settings", body);
      state.settings = res.data;
      for (const [key, entry] of inputs) {
        entry.initial = settingShown(entry.f, res.data[key]);
        if (entry.f.kind === "bool") entry.input.checked = entry.initial;
        else entry.input.value = entry.initial;
      }
      const breaking = res.metadata?.keys_breaking_policy_count;
      announce(
        breaking
          ? `Settings saved. ${breaking} existing key(s) break the key policy now; they keep working until fixed or rotated.`
          : "Settings saved",
      );
    } catch (x) {
      err.textContent = x.message;
    }
  });
  main.append(form);
}

void boot();
