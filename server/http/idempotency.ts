/**
 * Idempotency, for the routes whose entry in the route table says `idempotency`: a repeat of the
 * same request (same caller, same route, same Idempotency-Key, same `request_data`) within the
 * window gets the first reply, replayed with `Idempotency-Replayed: true`; the same key with
 * another body is a 409. Records are scoped to the route (`<route id>:<key>`), so a key reused on
 * another route never replays that route's reply (a generate never answers with a role).
 *
 * Before the handler, a stored reply is looked up and, if there is one, sent instead; after a
 * successful handler, its reply is sealed (the keyring, bound to caller and key) and stored.
 * A handler that must store the record in the same transaction as its write (generate: the key
 * is shown once) does so itself through `c.idempotency` and marks it `recorded`.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  IDEMPOTENCY_KEY_RE,
  IDEMPOTENCY_KEY_RULE,
  IDEMPOTENCY_WINDOW_MS,
} from "../../sdk/contract";
import { ApiError, invalid } from "../errors";
import type { Services } from "../services";
import type { Answer, IdempotencyRequest } from "./context";

/** Stable JSON (sorted keys), so that the same request hashes the same however it was spelled. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const aad = (actorKeyId: number, key: string) => `idempotency:${actorKeyId}:${key}`;

/** The request's idempotency, when its route honours the header and it carries one. */
function idempotencyOf(req: FastifyRequest, svc: Services): IdempotencyRequest | undefined {
  const s = req.kp!;
  const header = s.route.idempotency;
  if (!header || !s.principal) return undefined;
  const h = req.headers[header.toLowerCase()];
  if (h === undefined) return undefined;
  if (typeof h !== "string" || !IDEMPOTENCY_KEY_RE.test(h))
    throw invalid(header, IDEMPOTENCY_KEY_RULE);
  const body = (req.body as { request_data?: unknown } | undefined)?.request_data ?? {};
  const key = `${s.route.id}:${h}`;
  const actor = s.principal.keyId;
  return {
    key,
    hash: createHash("sha256").update(stableJson(body)).digest("hex"),
    seal: (reply) =>
      svc.keyring.seal(typeof reply === "string" ? reply : JSON.stringify(reply), aad(actor, key)),
    recorded: false,
  };
}

/** The reply stored for this request, or undefined; a 409 when the key was used with another body. */
export async function storedReply(
  svc: Services,
  actorKeyId: number,
  idem: IdempotencyRequest,
  now: number,
): Promise<Answer | undefined> {
  const prior = await svc.store.getIdempotency(actorKeyId, idem.key, now - IDEMPOTENCY_WINDOW_MS);
  if (!prior || prior.replyEnc === "") return undefined;
  if (prior.requestHash !== idem.hash)
    throw new ApiError(
      "IDEMPOTENCY_CONFLICT",
      "Idempotency-Key was already used with a different request body in the last 24 h",
    );
  return {
    body: JSON.parse(svc.keyring.open(prior.replyEnc, aad(actorKeyId, idem.key))),
    headers: { "idempotent-replayed": "true" },
  };
}

export function registerIdempotency(app: FastifyInstance, svc: Services): void {
  // Most routes do not honour the header: they go on at once, without a promise.
  app.addHook("preHandler", (req, res, done) => {
    if (!req.kp?.route.idempotency) return done();
    return replay(req, res);
  });
  const replay = async (req: FastifyRequest, res: FastifyReply) => {
    const s = req.kp!;
    const idem = idempotencyOf(req, svc);
    if (!idem) return;
    s.idempotency = idem;
    const prior = await storedReply(svc, s.principal!.keyId, idem, s.now);
    if (!prior) return;
    s.replayed = true;
    res
      .status(s.route.status ?? 200)
      .header("x-request-id", String(req.id))
      .headers(prior.headers!);
    return res.send(prior.body);
  };

  app.addHook("onSend", (req, res, payload, done) => {
    const s = req.kp;
    const idem = s?.idempotency;
    if (
      !idem ||
      s.replayed ||
      idem.recorded ||
      res.statusCode >= 300 ||
      typeof payload !== "string"
    )
      return done(null, payload);
    return remember(s.principal!.keyId, s.now, idem, payload);
  });
  const remember = async (
    actorKeyId: number,
    now: number,
    idem: IdempotencyRequest,
    payload: string,
  ) => {
    await svc.store.saveIdempotentReply({
      actorKeyId,
      key: idem.key,
      requestHash: idem.hash,
      replyEnc: idem.seal(payload),
      createdAt: now,
      notBefore: now - IDEMPOTENCY_WINDOW_MS,
    });
    return payload;
  };
}
