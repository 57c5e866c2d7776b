// The pivot menu of a row (right-click, Shift+F10, the row's ⋯ button) and View Examples.

import { api } from "./api.js";
import { confirmAction, dialog } from "./dialogs.js";
import { announce, copy, h } from "./dom.js";
import { readUrl, writeUrl } from "./filters.js";
import { COLUMNS } from "./format.js";
import { openEdit } from "./keyDialogs.js";
import { renderKeys } from "./keys.js";
import { canEdit } from "./state.js";

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

export function openMenu(k, cell, returnTo, at) {
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
