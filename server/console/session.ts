/**
 * Console sessions: sign-in turns a key that proved itself (through the same Authenticator as
 * every API call) into a server-side session; the browser holds only a random id in an HttpOnly,
 * SameSite=Strict cookie (Secure behind TLS) and a CSRF token in page memory.
 *
 * THE SEAM. {@link ConsoleSessions.authenticate} is the one place where the console meets the
 * API's request pipeline: for a request that carries no key headers but a session cookie, it
 * checks the session (idle and absolute timeouts, the CSRF token on every call, reads included)
 * and answers with the session's key principal, exactly as header authentication would. From
 * there the API's own permission check, validation, handler, scope rules and audit run
 * unchanged, so the page can do nothing the key could not do as code.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { parse as parseCookie, serialize as serializeCookie } from "cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AuthOutcome, Authenticator } from "../auth/authenticate";
import type { Clock } from "../clock";
import type { RandomBytes } from "../crypto/keyFormat";
import { ApiError } from "../errors";
import type { SessionRecord, SessionStore } from "../store/sessions";

export const SESSION_COOKIE = "kp_session";
export const CSRF_HEADER = "x-keyplane-csrf";

export interface SessionOptions {
  /** A session unused this long ends (default 30 min). */
  idleMs?: number;
  /** A session ends this long after sign-in, however busy (default 8 h). */
  absoluteMs?: number;
}

const hashId = (id: string) => createHash("sha256").update(id, "utf8").digest("hex");

const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
};

type SessionRequest = FastifyRequest & {
  consoleSession?: { idHash: string; record: SessionRecord };
};

export class ConsoleSessions {
  readonly idleMs: number;
  readonly absoluteMs: number;

  constructor(
    private readonly deps: {
      sessions: SessionStore;
      authenticator: Authenticator;
      clock: Clock;
      random: RandomBytes;
    },
    o: SessionOptions = {},
  ) {
    this.idleMs = o.idleMs ?? 30 * 60_000;
    this.absoluteMs = o.absoluteMs ?? 8 * 3_600_000;
  }

  /** Starts a session for a key that has just authenticated; sets the cookie. */
  async start(req: FastifyRequest, res: FastifyReply, keyId: number): Promise<SessionRecord> {
    // A new id at every sign-in (no fixation), and the session the browser held before ends.
    const prior = this.cookieId(req);
    if (prior) await this.deps.sessions.delete(hashId(prior));
    const now = this.deps.clock.now();
    const id = this.deps.random(32).toString("base64url");
    const record: SessionRecord = {
      keyId,
      csrfToken: this.deps.random(32).toString("base64url"),
      createdAt: now,
      lastSeen: now,
      expiresAt: now + this.absoluteMs,
    };
    await this.deps.sessions.create(hashId(id), record);
    res.header("set-cookie", this.cookie(req, id, Math.floor(this.absoluteMs / 1000)));
    return record;
  }

  /** Ends the request's session (if any) and clears the cookie. */
  async end(req: FastifyRequest, res: FastifyReply): Promise<boolean> {
    const id = this.cookieId(req);
    res.header("set-cookie", this.cookie(req, "", 0));
    return id ? this.deps.sessions.delete(hashId(id)) : false;
  }

  /** The request's live session, or undefined (no cookie, unknown, idle too long, past its end). */
  async current(
    req: FastifyRequest,
  ): Promise<{ idHash: string; record: SessionRecord } | undefined> {
    const id = this.cookieId(req);
    if (!id) return undefined;
    const idHash = hashId(id);
    const record = await this.deps.sessions.get(idHash);
    if (!record) return undefined;
    const now = this.deps.clock.now();
    if (record.expiresAt <= now || record.lastSeen + this.idleMs <= now) {
      await this.deps.sessions.delete(idHash);
      return undefined;
    }
    await this.deps.sessions.touch(idHash, now);
    return { idHash, record };
  }

  /**
   * The seam (see the file's comment). Undefined: not a console request, authenticate the key
   * headers as usual. Otherwise the outcome, as the Authenticator gives it; a missing or wrong
   * CSRF token is a 403 of its own (the promise rejects).
   */
  authenticate(req: FastifyRequest): Promise<AuthOutcome> | undefined {
    // Decided synchronously, so an API client's request pays no promise for the console.
    if (
      req.headers["x-xdr-auth-id"] !== undefined ||
      req.headers.authorization !== undefined ||
      req.headers.cookie === undefined
    )
      return undefined;
    if (!this.cookieId(req)) return undefined;
    return this.sessionOutcome(req);
  }

  private async sessionOutcome(req: FastifyRequest): Promise<AuthOutcome> {
    const s = await this.current(req);
    if (!s) return { ok: false, reason: "EXPIRED", keyId: null };
    const token = req.headers[CSRF_HEADER];
    if (typeof token !== "string" || !sameToken(token, s.record.csrfToken)) {
      // The wire body of a 403 is fixed; the header says which check refused.
      throw new ApiError(
        "FORBIDDEN",
        `the console's CSRF token is missing or wrong (header ${CSRF_HEADER}); reload the page`,
        { headers: { "x-keyplane-refused": "csrf" } },
      );
    }
    (req as SessionRequest).consoleSession = s;
    return this.deps.authenticator.principalOfKey(s.record.keyId);
  }

  /** Whether the request was authenticated through a console session. */
  static isConsoleRequest(req: FastifyRequest): boolean {
    return (req as SessionRequest).consoleSession !== undefined;
  }

  /** Drops ended sessions and stale challenges (at each sign-in). */
  async purge(challengeTtlMs: number): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.sessions.purge(now, this.idleMs);
    await this.deps.sessions.purgeChallenges(now - challengeTtlMs);
  }

  private cookieId(req: FastifyRequest): string | undefined {
    const raw = req.headers.cookie;
    if (typeof raw !== "string") return undefined;
    const v = parseCookie(raw)[SESSION_COOKIE];
    return v && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
  }

  private cookie(req: FastifyRequest, value: string, maxAge: number): string {
    return serializeCookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: "strict",
      secure: req.protocol === "https",
      path: "/",
      maxAge,
    });
  }
}
