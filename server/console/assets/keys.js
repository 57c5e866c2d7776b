// The API Keys page: the table (paged and sorted by the server), its toolbar and filter form.

import { api } from "./api.js";
import { $, h } from "./dom.js";
import { FILTER_KINDS, apiFilters, offeredKinds, readUrl, writeUrl } from "./filters.js";
import { COLUMNS } from "./format.js";
import { openNewKey } from "./keyDialogs.js";
import { openMenu } from "./menu.js";
import { PAGE_SIZE, canEdit, state } from "./state.js";

export async function renderKeys() {
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
