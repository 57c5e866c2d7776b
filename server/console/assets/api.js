// Calls of the public API: the session cookie plus the CSRF header stand in for the key
// headers. A 401 ends the page's session and shows the sign-in form.

import { renderSignIn } from "./signIn.js";
import { state } from "./state.js";

export class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(method, path, body) {
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
