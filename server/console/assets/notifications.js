// Notification Center: the API Key Expiration and API Key Unused notices.

import { api } from "./api.js";
import { $, h } from "./dom.js";
import { fmtTime } from "./format.js";
import { route } from "./router.js";
import { canView } from "./state.js";

export async function renderNotifications() {
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
