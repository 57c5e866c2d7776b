// Server Settings: one labelled control per setting the tenant has.

import { api } from "./api.js";
import { $, announce, h } from "./dom.js";
import { loadSettings } from "./pickers.js";
import { DAY, canEdit, state } from "./state.js";

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

export async function renderSettings() {
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
