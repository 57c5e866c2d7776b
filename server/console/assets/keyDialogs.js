// New Key (Generate, then the key shown once) and Edit.

import { api } from "./api.js";
import { dialog } from "./dialogs.js";
import { announce, copy, h } from "./dom.js";
import { renderKeys } from "./keys.js";
import {
  expirationPicker,
  loadRoles,
  loadSettings,
  policyText,
  rolePicker,
  scopePicker,
} from "./pickers.js";
import { state } from "./state.js";

export async function openNewKey() {
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

export async function openEdit(k) {
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
