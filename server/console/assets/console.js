// The keyplane console: the API Keys page, Notification Center and Server Settings.
// Every action is a call of the public API (the session cookie plus the CSRF header stand in for
// the key headers), so the server's rules apply as they do to code. No build step: the browser
// loads this module and the modules it imports (all from this origin, as the
// Content-Security-Policy wants; no inline script), and every element is built with the DOM API
// from text, never from HTML strings.

import { api } from "./api.js";
import { route } from "./router.js";
import { state } from "./state.js";

async function boot() {
  state.contract = (await api("GET", "/console/api/contract")).reply;
  try {
    state.session = (await api("GET", "/console/api/session")).reply;
  } catch {
    state.session = null;
  }
  await route();
}

void boot();
