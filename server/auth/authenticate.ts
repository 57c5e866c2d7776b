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
 * tell which key ids exist; so does a wrong key for a known id. Only the value that already
 * passed the HMAC on the key's cache entry is checked by its sha256 digest instead (the entry,
 * and what it proved, go with every write). The caller maps every failure to the same 401 body.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import {
  AUTH_ID_HEADER,
  AUTHORIZATION_HEADER,
  NONCE_HEADER,
  TIMESTAMP_HEADER,
  type VerifyReason,
} from "../../sdk/contract";
import type { Clock } from "../clock";
import type { Keyring } from "../crypto/keyring";
import { isWellFormedKey } from "../crypto/keyFormat";
import type { Store } from "../store/store";
import { principalView, type AuthCache, type KeyPrincipal } from "./cache";
import type { LastUsedTracker } from "./lastUsed";
import type { FailureLimiter } from "./rateLimit";

export type AuthOutcome =
  | { ok: true; principal: KeyPrincipal; nonceReused?: true }
  | {
      ok: false;
      reason: VerifyReason;
      keyId: number | null;
      retryAfterSec?: number;
      detail?: VerifyReason;
    };

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
   * Authenticates a request's headers. `source` is who sent them, for rate limiting: the client
   * address for a direct call, the verifying service for `auth/verify` (whose callers' addresses
   * are unknown).
   *
   * Limits never refuse a correct credential because of someone else's failures:
   * - a key id over its limit refuses only wrong tries for it: anyone can name any key id, so
   *   refusing its holder would let anyone lock out any key (the admin key included);
   * - a client address over its limit is refused before anything is checked: it is the one failing;
   * - a shared source (`sharedSource`: a verifying service, which forwards many callers' keys)
   *   over its limit still has its callers' keys checked, so the right ones pass; wrong ones get
   *   RATE_LIMITED and are no longer counted, so a verifier cannot fill the limiter either.
   */
  async authenticate(
    get: HeaderGet,
    source: string,
    o: { sharedSource?: boolean } = {},
  ): Promise<AuthOutcome> {
    // Whether the named key id was over its limit before this try (this try's failure counts next).
    const idRaw = get(AUTH_ID_HEADER)?.trim();
    const waitId = idRaw && ID_RE.test(idRaw) ? this.deps.limiter.blockedFor("keyId", idRaw) : 0;
    const waitSource = this.deps.limiter.blockedFor("address", source);
    if (waitSource > 0 && !o.sharedSource)
      return { ok: false, reason: "RATE_LIMITED", keyId: null, retryAfterSec: waitSource };
    const out = await this.check(get, source, waitSource > 0);
    if (out.ok) return out;
    const wait = Math.max(waitId, waitSource);
    if (wait > 0)
      return {
        ok: false,
        reason: "RATE_LIMITED",
        keyId: out.keyId,
        retryAfterSec: wait,
        detail: out.reason,
      };
    return out;
  }

  /** The checks; `quiet`: do not count failures (the source is over its limit already). */
  private async check(get: HeaderGet, address: string, quiet: boolean): Promise<AuthOutcome> {
    const failed = (reason: VerifyReason, keyId: number | null) =>
      this.failed(reason, keyId, address, quiet);
    const idRaw = get(AUTH_ID_HEADER)?.trim();
    const authz = get(AUTHORIZATION_HEADER)?.trim();
    if (!idRaw || !authz || !ID_RE.test(idRaw) || authz.length > 512) {
      return failed("MALFORMED", null);
    }
    const keyId = Number(idRaw);

    const nonce = get(NONCE_HEADER)?.trim();
    const tsRaw = get(TIMESTAMP_HEADER)?.trim();
    const signed = nonce !== undefined || tsRaw !== undefined;

    const cached = await this.deps.cache.key(keyId);
    if (!cached) {
      // Same work as a real Standard check.
      this.deps.keyring.verifyKey(authz, DUMMY_HASH, this.deps.keyring.activePepperId);
      return failed("NOT_FOUND", keyId);
    }
    const now = this.deps.clock.now();

    if (cached.securityLevel === "advanced") {
      if (!signed) return failed("SIGNATURE_REQUIRED", keyId);
      if (
        !nonce ||
        !tsRaw ||
        !NONCE_RE.test(nonce) ||
        !TS_RE.test(tsRaw) ||
        !HEX64_RE.test(authz)
      ) {
        return failed("MALFORMED", keyId);
      }
      if (cached.status === "revoked" || !cached.secret) return failed("REVOKED", keyId);
      const expected = createHash("sha256")
        .update(cached.secret + nonce + tsRaw, "utf8")
        .digest();
      const got = Buffer.from(authz, "hex");
      if (!timingSafeEqual(expected, got)) return failed("NOT_FOUND", keyId);
      if (cached.expiration !== null && cached.expiration <= now) return failed("EXPIRED", keyId);
      // Both timestamp styles are milliseconds; a 10-digit value is taken as seconds.
      let ts = Number(tsRaw);
      if (ts < 1e11) ts *= 1000;
      const settings = await this.deps.cache.getSettings();
      if (Math.abs(now - ts) > settings.replay_window_ms) return failed("STALE_TIMESTAMP", keyId);
      if (!(await this.deps.store.recordNonce(keyId, nonce, now))) {
        // The signature covers the timestamp, so "signed at most N ms ago" cannot be forged.
        const reuse = settings.nonce_reuse_window_ms;
        if (reuse > 0 && now - ts <= reuse) {
          this.deps.lastUsed.note(keyId, now);
          return { ok: true, principal: principalView(cached), nonceReused: true };
        }
        return failed("REPLAYED", keyId);
      }
    } else {
      // Nonce and timestamp headers beside a Standard key are ignored (see the top of the file).
      // The value that passed the keyed hash on this cache entry before compares as a digest;
      // any other value (a wrong key included) pays the full HMAC chain, as an unknown id does.
      const proven = cached.isProven(authz);
      if (!proven && !isWellFormedKey(authz)) {
        // A string that cannot be a key (a signature, for instance): still pay the HMAC.
        this.deps.keyring.verifyKey(authz, DUMMY_HASH, this.deps.keyring.activePepperId);
        return failed("NOT_FOUND", keyId);
      }
      if (cached.status === "revoked" || !cached.hasSecretHash || !cached.pepperChain) {
        this.deps.keyring.verifyKey(authz, DUMMY_HASH, this.deps.keyring.activePepperId);
        return failed("REVOKED", keyId);
      }
      if (!proven) {
        const stored = cached.secretHash;
        if (stored === null) {
          // Another value proved itself on this entry: this one is wrong. Same chain, same work.
          this.deps.keyring.verifyKey(authz, DUMMY_HASH, cached.pepperChain);
          return failed("NOT_FOUND", keyId);
        }
        if (!this.deps.keyring.verifyKey(authz, stored, cached.pepperChain))
          return failed("NOT_FOUND", keyId);
        cached.remember(authz);
      }
      if (cached.expiration !== null && cached.expiration <= now) return failed("EXPIRED", keyId);
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
    if (cached.expiration !== null && cached.expiration <= now)
      return { ok: false, reason: "EXPIRED", keyId };
    this.deps.lastUsed.note(keyId, now);
    return { ok: true, principal: principalView(cached) };
  }

  private async failed(
    reason: VerifyReason,
    keyId: number | null,
    address: string,
    quiet: boolean,
  ): Promise<AuthOutcome> {
    if (quiet) return { ok: false, reason, keyId };
    await Promise.all([
      this.deps.limiter.fail("address", address),
      keyId !== null ? this.deps.limiter.fail("keyId", String(keyId)) : undefined,
    ]);
    return { ok: false, reason, keyId };
  }
}
