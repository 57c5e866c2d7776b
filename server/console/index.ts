/**
 * The web console at /console: the API Keys page of the Cortex console, served by keyplane.
 *
 * The page is static (an HTML shell, ES modules, one stylesheet; no build step): the browser
 * calls the real API routes, with the session cookie and a CSRF header instead of key headers.
 * So everything the page does is a call of the public API that the same key could make as code,
 * through the same permission checks, validation, scope rules and audit. The only console logic
 * on the server is signing in and out ({@link ConsoleSessions}, whose `authenticate` is the seam
 * the app's pipeline calls) and serving the files.
 *
 * Sign-in proves the key with the same Authenticator as every call: a Standard key is sent once
 * in the sign-in body; an Advanced key never leaves the browser, which signs a server-issued
 * nonce with sha256(key + nonce + timestamp) (WebCrypto), replay-checked like any signed call.
 *
 * Static files come from a fixed list made at start from the assets directory (no path from the
 * URL reaches the file system), so a static-file plugin would add a dependency without removing
 * any risk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import helmet from "@fastify/helmet";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Services } from "../services";
import type { HeaderGet } from "../auth/authenticate";
import type { KeyPrincipal } from "../auth/cache";
import { ApiError, fromZod, unauthorized } from "../errors";
import { refuseAuthentication } from "../http/authenticate";
import { consoleContract } from "./contract";
import { ConsoleSessions, CSRF_HEADER, type SessionOptions } from "./session";

export { ConsoleSessions } from "./session";
export type ConsoleOptions = SessionOptions;

/** The pages of the console; each is the same shell, the script shows the one the path names. */
export const CONSOLE_PAGES = ["/console", "/console/notifications", "/console/settings"] as const;

/** The content type of each kind of file the console serves; other files are not served. */
const ASSET_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * The files served under /console/assets/: the scripts (ES modules; index.html loads the entry,
 * console.js, which imports the others) and the stylesheet, listed once at start.
 */
function assetFiles(dir: string): Record<string, { type: string; body: Buffer }> {
  const out: Record<string, { type: string; body: Buffer }> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const type = ASSET_TYPES[path.extname(name)];
    if (type && /^[A-Za-z0-9_-]+\.[a-z]+$/.test(name))
      out[name] = { type, body: fs.readFileSync(path.join(dir, name)) };
  }
  return out;
}

function assetDir(): string {
  // Compiled: dist/server/console -> server/console/assets; run from source: ./assets.
  for (const d of [
    path.join(__dirname, "assets"),
    path.join(__dirname, "..", "..", "..", "server", "console", "assets"),
  ]) {
    if (fs.existsSync(path.join(d, "index.html"))) return d;
  }
  throw new Error("the console's files (server/console/assets) are missing");
}

const SignIn = z.union([
  z
    .object({
      key_id: z.coerce.string().regex(/^[1-9][0-9]{0,14}$/, "must be a positive integer key id"),
      security_level: z.literal("standard"),
      key: z.string().min(1, "must not be empty").max(512, "must be at most 512 characters"),
    })
    .strict(),
  z
    .object({
      key_id: z.coerce.string().regex(/^[1-9][0-9]{0,14}$/, "must be a positive integer key id"),
      security_level: z.literal("advanced"),
      nonce: z
        .string()
        .regex(/^[0-9a-f]{64}$/, "must be the 64-character nonce from /console/api/challenge"),
      timestamp: z.coerce.string().regex(/^[0-9]{9,16}$/, "must be epoch milliseconds"),
      signature: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, "must be hex sha256(key + nonce + timestamp)"),
    })
    .strict(),
]);

/** What the page learns about the signed-in key: never anything secret but the CSRF token. */
function sessionInfo(p: KeyPrincipal, s: { csrfToken: string; expiresAt: number }, idleMs: number) {
  return {
    key_id: p.keyId,
    display_name: p.displayName,
    security_level: p.securityLevel,
    roles: p.roleNames,
    permissions: p.permissions,
    admin: p.admin,
    csrf_token: s.csrfToken,
    expires_at: s.expiresAt,
    idle_timeout_ms: idleMs,
  };
}

/**
 * Registers the console (pages, files, sign-in routes) on the app, in its own encapsulated
 * context so its security headers apply to it alone. Returns the sessions, whose `authenticate`
 * the app's pipeline calls before header authentication.
 */
export function registerConsole(
  app: FastifyInstance,
  svc: Services,
  o: ConsoleOptions = {},
): ConsoleSessions {
  const sessions = new ConsoleSessions(
    {
      sessions: svc.store.sessions,
      authenticator: svc.authenticator,
      clock: svc.clock,
      random: svc.random,
    },
    o,
  );
  const dir = assetDir();
  const shell = fs.readFileSync(path.join(dir, "index.html"), "utf8");
  const files = assetFiles(dir);

  // Replies of the API to a console request may hold a new key: never cached, never stored.
  app.addHook("onSend", (req, res, payload, done) => {
    if (ConsoleSessions.isConsoleRequest(req)) res.header("cache-control", "no-store");
    done(null, payload);
  });

  app.register(async (c) => {
    await c.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          "default-src": ["'none'"],
          "script-src": ["'self'"],
          "style-src": ["'self'"],
          "img-src": ["'self'", "data:"],
          "connect-src": ["'self'"],
          "form-action": ["'self'"],
          "frame-ancestors": ["'none'"],
          "base-uri": ["'none'"],
        },
      },
      // HSTS only means something over TLS; helmet would send it on plain HTTP too.
      strictTransportSecurity: false,
      referrerPolicy: { policy: "no-referrer" },
      crossOriginEmbedderPolicy: true,
    });
    // A change from another site is refused before anything else (the cookie is SameSite=Strict
    // already; this also stops a cross-site form from signing a browser in as someone else).
    c.addHook("onRequest", async (req) => {
      if (req.method === "GET" || req.method === "HEAD") return;
      const origin = req.headers.origin;
      if (
        req.headers["sec-fetch-site"] === "cross-site" ||
        (typeof origin === "string" && origin !== `${req.protocol}://${req.host}`)
      ) {
        throw new ApiError("FORBIDDEN", "the console refuses requests from another site (Origin)", {
          headers: { "x-keyplane-refused": "origin" },
        });
      }
    });
    c.addHook("onSend", async (req, res, payload) => {
      res.header("cache-control", "no-store");
      if (req.protocol === "https") res.header("strict-transport-security", "max-age=31536000");
      return payload;
    });

    for (const p of CONSOLE_PAGES)
      c.get(p, async (_req, res) => res.type("text/html; charset=utf-8").send(shell));
    for (const [name, f] of Object.entries(files))
      c.get(`/console/assets/${name}`, async (_req, res) => res.type(f.type).send(f.body));

    const contract = consoleContract();
    c.get("/console/api/contract", async (_req, res) => res.send({ reply: contract }));

    const replayWindow = async () => (await svc.cache.getSettings()).replay_window_ms;

    // Challenges live in the database (every replica takes each one once, even when the tenant
    // allows nonce reuse for API clients); those past the replay window go as new ones come, so
    // the table holds at most one window's worth.
    c.post("/console/api/challenge", async (_req, res) => {
      const now = svc.clock.now();
      const nonce = svc.random(32).toString("hex");
      await svc.store.sessions.purgeChallenges(now - (await replayWindow()));
      await svc.store.sessions.issueChallenge(nonce, now);
      return res.send({ reply: { nonce, timestamp: now } });
    });

    c.post("/console/api/session", async (req, res) => {
      const raw = (req.body as { request_data?: unknown } | undefined)?.request_data ?? {};
      const parsed = SignIn.safeParse(raw);
      if (!parsed.success) throw fromZod(parsed.error, "request_data", raw);
      const b = parsed.data;
      const headers: Record<string, string> = { "x-xdr-auth-id": b.key_id };
      if (b.security_level === "standard") headers.authorization = b.key;
      else {
        // The nonce must be one this server issued, unused, inside the replay window.
        if (
          !(await svc.store.sessions.takeChallenge(
            b.nonce,
            svc.clock.now() - (await replayWindow()),
          ))
        ) {
          await svc.audit.authFailure(req, Number(b.key_id), "CHALLENGE_UNKNOWN");
          throw unauthorized();
        }
        Object.assign(headers, {
          authorization: b.signature,
          "x-xdr-nonce": b.nonce,
          "x-xdr-timestamp": b.timestamp,
        });
      }
      const get: HeaderGet = (n) => headers[n];
      const out = await svc.authenticator.authenticate(get, req.ip);
      if (!out.ok) return refuseAuthentication(svc, req, out);
      if (out.principal.securityLevel !== b.security_level) throw unauthorized();
      await sessions.purge(await replayWindow());
      const s = await sessions.start(req, res, out.principal.keyId);
      await svc.audit.record(req, out.principal, {
        entity: "AUTH",
        subtype: "console_sign_in",
        description: `Signed in to the console with ${out.principal.securityLevel} key ${out.principal.keyId}`,
        objectId: out.principal.keyId,
      });
      return res.send({ reply: sessionInfo(out.principal, s, sessions.idleMs) });
    });

    c.get("/console/api/session", async (req, res) => {
      const s = await sessions.current(req);
      if (!s) throw unauthorized();
      const out = await svc.authenticator.principalOfKey(s.record.keyId);
      if (!out.ok) throw unauthorized();
      return res.send({ reply: sessionInfo(out.principal, s.record, sessions.idleMs) });
    });

    c.delete("/console/api/session", async (req: FastifyRequest, res: FastifyReply) => {
      const pending = sessions.authenticate(req);
      if (!pending) throw unauthorized();
      const out = await pending;
      await sessions.end(req, res);
      if (out.ok)
        await svc.audit.record(req, out.principal, {
          entity: "AUTH",
          subtype: "console_sign_out",
          description: `Signed out of the console (key ${out.principal.keyId})`,
          objectId: out.principal.keyId,
        });
      return res.send({ reply: { signed_out: true } });
    });
  });

  return sessions;
}

export { CSRF_HEADER };
