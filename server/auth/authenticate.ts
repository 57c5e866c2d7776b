/**
 * Key authentication, for every call and for `auth/verify`.
 *
 * Standard: `x-xdr-auth-id` and the raw key in `Authorization`, checked against its HMAC.
 * Advanced: also `x-xdr-nonce` and `x-xdr-timestamp`; `Authorization` must equal
 * hex sha256(key + nonce + timestamp). The timestamp must sit inside the tenant's replay window
 * and the nonce must be new for that key (the nonce table is shared by all replicas).
 *
 * A Standard key ignores stray `x-xdr-nonce` / `x-xdr-timestamp` headers: Palo Alto's XSOAR
 * integration sends them beside the raw key in its "prevent only" mode. Only the key decides.
 *
 * A repeated nonce is a replay and is refused, unless the tenant turned on
 * `nonce_reuse_window_ms` (off by default) for clients that build their headers once and reuse
 * them for a whole run (the XSOAR `CoreClient`): then a repeated nonce whose signed timestamp is
 * at most that old is accepted, and the outcome says so, so that the caller audits it.
 *
 * Every comparison is constant-time. Unknown ids still pay for an HMAC, so timing does not
 * tell which key ids exist. The caller maps every failure to the same 401 body.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { AUTH_ID_HEADER, AUTHORIZATION_HEADER, NONCE_HEADER, TIMESTAMP_HEADER, type VerifyReason } from "../../sdk/contract";
import type { Clock } from "../clock";
import type { Keyring } from "../crypto/keyring";
import { isWellFormedKey } from "../crypto/keyFormat";
import type { Store } from "../store/store";
import { principalView, type AuthCache, type KeyPrincipal } from "./cache";
import type { LastUsedTracker } from "./lastUsed";
import type { FailureLimiter } from "./rateLimit";

export type AuthOutcome =
  | { ok: true; principal: KeyPrincipal; nonceReused?: true }
  | { ok: false; reason: VerifyReason; keyId: number | null; retryAfterSec?: number };

/** Header lookup that returns a single string value, or undefined when absent or repeated. */
export type HeaderGet = (name: string) => string | undefined;

const ID_RE = /^[1-9][0-9]{0,14}$/;
const NONCE_RE = /^[A-Za-z0-9_-]{16,128}$/;
const TS_RE = /^[0-9]{9,16}$/;
const HEX64_RE = /^[0-9a-fA-F]{64}$/;
// Burned for unknown ids so their timing matches a real HMAC check.
const DUMMY_HASH = createHash("sha256").update("keyplane-dummy").digest("hex");

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Authenticator {
  constructor(
    private readonly deps: {
      store: Store;
      cache: AuthCache;
      keyring: Keyring;
      clock: Clock;
      limiter: FailureLimiter;
      lastUsed: LastUsedTracker;
    },
  ) {}

  /**
   * Authenticates a request's headers. `address` is the client address for rate limiting
   * (null when verifying forwarded headers: the original address is unknown).
   */
  async authenticate(get: HeaderGet, address: string | null): Promise<AuthOutcome> {
    const { limiter } = this.deps;
    if (address !== null) {
      const wait = limiter.blockedFor("address", address);
      if (wait > 0) return { ok: false, reason: "RATE_LIMITED", keyId: null, retryAfterSec: wait };
    }
    const idRaw = get(AUTH_ID_HEADER)?.trim();
    const authz = get(AUTHORIZATION_HEADER)?.trim();
    if (!idRaw || !authz || !ID_RE.test(idRaw) || authz.length > 512) {
      return this.failed("MALFORMED", null, address);
    }
    const keyId = Number(idRaw);
    const waitId = limiter.blockedFor("keyId", idRaw);
    if (waitId > 0) return { ok: false, reason: "RATE_LIMITED", keyId, retryAfterSec: waitId };

    const nonce = get(NONCE_HEADER)?.trim();
    const tsRaw = get(TIMESTAMP_HEADER)?.trim();
    const signed = nonce !== undefined || tsRaw !== undefined;

    const cached = await this.deps.cache.key(keyId);
    if (!cached) {
      // Same work as a real Standard check.
      this.deps.keyring.verifyKey(authz, DUMMY_HASH, this.deps.keyring.activePepperId);
      return this.failed("NOT_FOUND", keyId, address);
    }
    const now = this.deps.clock.now();

    if (cached.securityLevel === "advanced") {
      if (!signed) return this.failed("SIGNATURE_REQUIRED", keyId, address);
      if (!nonce || !tsRaw || !NONCE_RE.test(nonce) || !TS_RE.test(tsRaw) || !HEX64_RE.test(authz)) {
        return this.failed("MALFORMED", keyId, address);
      }
      if (cached.status === "revoked" || !cached.secret) return this.failed("REVOKED", keyId, address);
      const expected = createHash("sha256").update(cached.secret + nonce + tsRaw, "utf8").digest();
      const got = Buffer.from(authz, "hex");
      if (!timingSafeEqual(expected, got)) return this.failed("NOT_FOUND", keyId, address);
      if (cached.expiration !== null && cached.expiration <= now) return this.failed("EXPIRED", keyId, address);
      // Both timestamp styles are milliseconds; a 10-digit value is taken as seconds.
      let ts = Number(tsRaw);
      if (ts < 1e11) ts *= 1000;
      const settings = await this.deps.cache.getSettings();
      if (Math.abs(now - ts) > settings.replay_window_ms) return this.failed("STALE_TIMESTAMP", keyId, address);
      if (!(await this.deps.store.recordNonce(keyId, nonce, now))) {
        // The signature covers the timestamp, so "signed at most N ms ago" cannot be forged.
        const reuse = settings.nonce_reuse_window_ms;
        if (reuse > 0 && now - ts <= reuse) {
          this.deps.lastUsed.note(keyId, now);
          return { ok: true, principal: principalView(cached), nonceReused: true };
        }
        return this.failed("REPLAYED", keyId, address);
      }
    } else {
      // Nonce and timestamp headers beside a Standard key are ignored (see the top of the file).
      if (!isWellFormedKey(authz)) {
        // A string that cannot be a key (a signature, for instance): still pay the HMAC.
        this.deps.keyring.verifyKey(authz, DUMMY_HASH, this.deps.keyring.activePepperId);
        return this.failed("NOT_FOUND", keyId, address);
      }
      if (cached.status === "revoked" || !cached.secretHash || !cached.pepperChain) {
        this.deps.keyring.verifyKey(authz, DUMMY_HASH, this.deps.keyring.activePepperId);
        return this.failed("REVOKED", keyId, address);
      }
      if (!this.deps.keyring.verifyKey(authz, cached.secretHash, cached.pepperChain)) return this.failed("NOT_FOUND", keyId, address);
      if (cached.expiration !== null && cached.expiration <= now) return this.failed("EXPIRED", keyId, address);
      // Let the other requests read in this turn of the event loop authenticate too before any
      // of them goes on (an Advanced request yields anyway, waiting for its nonce batch). Their
      // handlers and replies then run back to back, which under load costs the server about a
      // third less CPU per request (bench/RESULTS.md); alone, a request waits one loop turn.
      await yieldToLoop();
    }
    this.deps.lastUsed.note(keyId, now);
    return { ok: true, principal: principalView(cached) };
  }

  /**
   * The principal of a key that proved itself earlier (a console session): the same checks that
   * end a key's requests (deleted, revoked, expired) end its session's too, with the same reasons.
   */
  async principalOfKey(keyId: number): Promise<AuthOutcome> {
    const cached = await this.deps.cache.key(keyId);
    if (!cached) return { ok: false, reason: "NOT_FOUND", keyId };
    if (cached.status === "revoked") return { ok: false, reason: "REVOKED", keyId };
    const now = this.deps.clock.now();
    if (cached.expiration !== null && cached.expiration <= now) return { ok: false, reason: "EXPIRED", keyId };
    this.deps.lastUsed.note(keyId, now);
    return { ok: true, principal: principalView(cached) };
  }

  private async failed(reason: VerifyReason, keyId: number | null, address: string | null): Promise<AuthOutcome> {
    await Promise.all([
      address !== null ? this.deps.limiter.fail("address", address) : undefined,
      keyId !== null ? this.deps.limiter.fail("keyId", String(keyId)) : undefined,
    ]);
    return { ok: false, reason, keyId };
  }
}
