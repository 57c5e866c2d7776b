/**
 * The auth headers of both security levels, shared by the SDK (which signs) and the server
 * (which checks). Advanced: `Authorization` = hex sha256(key + nonce + timestamp).
 */
import { createHash, randomInt } from "node:crypto";

export const AUTH_ID_HEADER = "x-xdr-auth-id";
export const NONCE_HEADER = "x-xdr-nonce";
export const TIMESTAMP_HEADER = "x-xdr-timestamp";
export const AUTHORIZATION_HEADER = "authorization";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random alphanumeric string from the CSPRNG (no modulo bias: randomInt is uniform). */
export function randomAlnum(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** hex sha256(key + nonce + timestamp), the Advanced `Authorization` value. */
export function advancedSignature(key: string, nonce: string, timestamp: string): string {
  return createHash("sha256")
    .update(key + nonce + timestamp, "utf8")
    .digest("hex");
}

/** The headers a request carries for the given key. */
export function authHeaders(
  opts: { apiKeyId: number | string; apiKey: string; securityLevel?: "standard" | "advanced" },
  now: () => number = Date.now,
  nonce: () => string = () => randomAlnum(64),
): Record<string, string> {
  const id = String(opts.apiKeyId);
  if ((opts.securityLevel ?? "standard") === "standard") {
    return { [AUTH_ID_HEADER]: id, [AUTHORIZATION_HEADER]: opts.apiKey };
  }
  const n = nonce();
  const ts = String(now());
  return {
    [AUTH_ID_HEADER]: id,
    [AUTHORIZATION_HEADER]: advancedSignature(opts.apiKey, n, ts),
    [NONCE_HEADER]: n,
    [TIMESTAMP_HEADER]: ts,
  };
}
