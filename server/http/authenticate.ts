/**
 * Authentication, from the headers alone, before the body is read: a caller without a valid key
 * never gets a body parsed (or a megabyte buffered) on its behalf. Refusals are audited and all
 * look the same (401), except a rate-limited caller, who learns when to come back.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuthOutcome, HeaderGet } from "../auth/authenticate";
import type { ConsoleSessions } from "../console/session";
import { ApiError, unauthorized } from "../errors";
import type { Services } from "../services";

// A credential header sent twice is no credential: Node.js keeps the first Authorization and
// drops the rest before we see them, so count them in the raw headers.
const AUTH_HEADERS = new Set(["authorization", "x-xdr-auth-id", "x-xdr-nonce", "x-xdr-timestamp"]);

// Their lengths: a header name of another length is skipped without lower-casing it.
const AUTH_HEADER_LENGTHS = new Set([...AUTH_HEADERS].map((n) => n.length));

export function credentialHeaders(req: FastifyRequest): HeaderGet {
  let repeated: Set<string> | undefined;
  let seen = "";
  const raw = req.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!AUTH_HEADER_LENGTHS.has(raw[i]!.length)) continue;
    const n = raw[i]!.toLowerCase();
    if (!AUTH_HEADERS.has(n)) continue;
    // Names seen so far, each between newlines (at most four of them).
    if (seen.includes(`\n${n}\n`)) (repeated ??= new Set()).add(n);
    else seen += `\n${n}\n`;
  }
  const headers = req.headers;
  return (name) => {
    if (repeated?.has(name)) return undefined;
    const v = headers[name];
    return typeof v === "string" ? v : undefined;
  };
}

/**
 * Refuses a failed authentication: audited, and the same 401 whatever the reason, except a
 * rate-limited caller, who learns when to come back. The API and the console's sign-in share it.
 */
export async function refuseAuthentication(
  svc: Services,
  req: FastifyRequest,
  out: Extract<AuthOutcome, { ok: false }>,
): Promise<never> {
  if (out.reason === "RATE_LIMITED")
    throw new ApiError("RATE_LIMITED", "too many failed authentications; retry later", {
      retryAfterSec: out.retryAfterSec,
    });
  await svc.audit.authFailure(req, out.keyId, out.reason);
  throw unauthorized();
}

/**
 * `sessions.current`, once the console is registered, may claim a request as a console session's
 * (a session cookie and no key headers); otherwise the key headers decide.
 */
export function registerAuthentication(
  app: FastifyInstance,
  svc: Services,
  sessions: { current?: ConsoleSessions },
): void {
  app.addHook("onRequest", async (req) => {
    const s = req.kp;
    if (!s?.route.auth) return;
    const viaSession = sessions.current?.authenticate(req);
    const out = viaSession
      ? await viaSession
      : await svc.authenticator.authenticate(credentialHeaders(req), req.ip);
    if (!out.ok) return refuseAuthentication(svc, req, out);
    s.principal = out.principal;
    if (out.nonceReused) await svc.audit.nonceReused(req, out.principal);
  });
}
