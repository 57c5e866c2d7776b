// Which page the path names (every page is the same shell).

import { renderKeys } from "./keys.js";
import { renderNotifications } from "./notifications.js";
import { renderSettings } from "./settings.js";
import { renderShell, renderSignIn } from "./signIn.js";
import { state } from "./state.js";

export async function route() {
  renderShell();
  const p = location.pathname.replace(/\/+$/, "");
  if (!state.session) return renderSignIn();
  if (p === "/console/notifications") return renderNotifications();
  if (p === "/console/settings") return renderSettings();
  return renderKeys();
}
window.addEventListener("popstate", () => void route());
