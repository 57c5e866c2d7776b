/**
 * `auth/verify`: a downstream service asks whether its caller's key is valid, holds a
 * permission, and may see a resource. The hot path: everything comes from the auth cache; the
 * only write is the nonce of an Advanced request.
 */
import type { VerifyResult } from "../../sdk/contract";
import { levelAtLeast } from "../../sdk/contract";
import type { Ctx, Handlers } from "../http/context";
import { reply } from "../http/reply";
import { evaluateScope } from "../authz/scope";

async function verify(c: Ctx<"auth.verify">) {
  const b = c.body;
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(b.headers)) lower.set(k.toLowerCase(), v);
  const settings = await c.svc.cache.getSettings();
  // The source of these failures is the verifying service: it gets the per-address limit, so
  // verify is no faster way to try keys or to fill the limiter; its callers' right keys still pass.
  const out = await c.svc.authenticator.authenticate(
    (n) => lower.get(n),
    `verifier:${c.principal.keyId}`,
    { sharedSource: true },
  );
  const empty: VerifyResult = {
    valid: false,
    reason: null,
    key_id: null,
    security_level: null,
    roles: [],
    permissions: {},
    has_scope: false,
    scope_enforced: settings.sbac_enabled,
    scope: null,
    row_filter: null,
    expiration: null,
  };
  if (!out.ok) {
    // Only a caller that proved the key (a right Standard key, a valid signature) may learn its
    // state: before that, "needs a signature", "revoked" or a malformed signature for a known id
    // would tell which ids exist and what they are. The detail goes to the audit log.
    const unproven =
      out.reason === "SIGNATURE_REQUIRED" ||
      out.reason === "REVOKED" ||
      (out.reason === "MALFORMED" && out.keyId !== null);
    if (unproven) await c.svc.audit.authFailure(c.req, out.keyId, out.reason, "verify");
    return reply({ ...empty, reason: unproven ? "NOT_FOUND" : out.reason, key_id: out.keyId });
  }
  const p = out.principal;
  if (out.nonceReused) await c.svc.audit.nonceReused(null, p);
  const base: VerifyResult = {
    ...empty,
    valid: true,
    key_id: p.keyId,
    security_level: p.securityLevel,
    roles: p.roleNames,
    permissions: p.permissions,
    has_scope: p.scope !== null,
    scope: p.scope,
    expiration: p.expiration,
  };
  if (
    b.permission &&
    !levelAtLeast(
      p.permissions[b.permission.component as keyof typeof p.permissions],
      b.permission.level,
    )
  ) {
    return reply({ ...base, valid: false, reason: "INSUFFICIENT_PERMISSION" as const });
  }
  const d = evaluateScope({
    enforced: settings.sbac_enabled,
    admin: p.admin,
    scopes: p.scope ? [p.scope] : [],
    resource: b.resource,
  });
  if (!d.allowed) return reply({ ...base, valid: false, reason: "OUT_OF_SCOPE" as const });
  return reply({ ...base, row_filter: d.rowFilter });
}

export const verifyHandlers: Handlers = { "auth.verify": verify };
