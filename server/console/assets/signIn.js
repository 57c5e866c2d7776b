// The header (navigation, who is signed in, Sign out) and the sign-in form: a Standard key is
// sent once; an Advanced key signs a server challenge with WebCrypto and never leaves the page.

import { ApiFailure, api } from "./api.js";
import { $, h } from "./dom.js";
import { fmtLevel } from "./format.js";
import { route } from "./router.js";
import { state } from "./state.js";

export function renderShell() {
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

export function renderSignIn(message) {
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
