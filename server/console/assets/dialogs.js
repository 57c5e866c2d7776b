// Modal dialogs, and the confirmation before Revoke and Delete.

import { api } from "./api.js";
import { announce, h } from "./dom.js";
import { renderKeys } from "./keys.js";

/** A modal <dialog> (focus stays inside; Escape closes; focus returns where it came from). */
export function dialog(title, ...content) {
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

export function confirmAction(k, action) {
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
