/**
 * The management audit log: who did what to which object, when, from where, with what result.
 * Entries never hold a secret: callers pass ids, names and outcomes, never request bodies.
 */
import type { FastifyRequest } from "fastify";
import type { RouteDef } from "../sdk/contract";
import type { KeyPrincipal } from "./auth/cache";
import type { Clock } from "./clock";
import type { NewAudit, Store } from "./store/store";

/** Audit entities, a subset of the reference's AUDIT_ENTITY enum. */
export type AuditEntity =
  | "API_KEY"
  | "PUBLIC_API"
  | "PERMISSIONS"
  | "AUTH"
  | "SERVER_SETTINGS"
  | "USER"
  | "USER_GROUP"
  | "ROLE"
  | "ROLE_BINDING"
  | "SCOPE"
  | "NOTIFICATION";

export interface AuditEvent {
  entity: AuditEntity;
  subtype: string;
  result?: "SUCCESS" | "FAIL";
  description: string;
  objectId?: string | number | null;
  reason?: string | null;
  assetNames?: string | null;
  additional?: Record<string, unknown>;
  severity?: string;
}

const ua = (req: FastifyRequest) => {
  const v = req.headers["user-agent"];
  return typeof v === "string" ? v.slice(0, 256) : null;
};

export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async record(
    req: FastifyRequest | null,
    actor: KeyPrincipal | null,
    e: AuditEvent,
  ): Promise<void> {
    const entry: NewAudit = {
      ts: this.clock.now(),
      actorKeyId: actor?.keyId ?? null,
      ownerName: actor?.displayName ?? (req ? null : "system"),
      ownerEmail: null,
      entity: e.entity,
      subtype: e.subtype,
      result: e.result ?? "SUCCESS",
      reason: e.reason ?? null,
      description: e.description,
      objectId: e.objectId === undefined || e.objectId === null ? null : String(e.objectId),
      assetNames: e.assetNames ?? null,
      sourceIp: req?.ip ?? null,
      userAgent: req ? ua(req) : null,
      userRoles: actor?.roleNames ?? [],
      additional: { ...(e.additional ?? {}), ...(req ? { request_id: String(req.id) } : {}) },
      severity: e.severity ?? (e.result === "FAIL" ? "SEV_030_MEDIUM" : "SEV_020_LOW"),
    };
    await this.store.insertAudit(entry);
  }

  /**
   * Failed authentications, aggregated: one entry per source address, key id and reason per
   * minute on this replica; the failures in between are counted into the next entry's
   * `additional.repeated`. (One row per failure let anyone grow the audit log without a key.)
   */
  private readonly failures = new Map<
    string,
    {
      at: number;
      repeated: number;
      req: FastifyRequest;
      keyId: number | null;
      reason: string;
      how: "authenticate" | "verify";
    }
  >();

  /**
   * Writes the failures counted but not written yet (one entry each, with its `repeated`), so
   * none is lost when the server stops; the app calls it on close.
   */
  async flushFailures(): Promise<void> {
    const pending = [...this.failures.values()].filter((f) => f.repeated > 0);
    this.failures.clear();
    for (const f of pending) await this.writeFailure(f.req, f.keyId, f.reason, f.how, f.repeated);
  }

  /** A refused authentication: the claimed key id and the reason, nothing the caller sent as a key. */
  async authFailure(
    req: FastifyRequest,
    keyId: number | null,
    reason: string,
    how: "authenticate" | "verify" = "authenticate",
  ): Promise<void> {
    const now = this.clock.now();
    const k = `${how}|${req.ip}|${keyId}|${reason}`;
    const seen = this.failures.get(k);
    if (seen && now - seen.at < 60_000) {
      seen.repeated++;
      return;
    }
    if (this.failures.size >= 10_000) await this.flushFailures();
    // Only what an entry needs of the request is kept, not the request itself.
    const light = {
      ip: req.ip,
      url: req.url,
      id: req.id,
      headers: { "user-agent": req.headers["user-agent"] },
    } as unknown as FastifyRequest;
    this.failures.set(k, { at: now, repeated: 0, req: light, keyId, reason, how });
    await this.writeFailure(req, keyId, reason, how, seen?.repeated ?? 0);
  }

  private async writeFailure(
    req: FastifyRequest,
    keyId: number | null,
    reason: string,
    how: "authenticate" | "verify",
    repeated: number,
  ): Promise<void> {
    await this.record(req, null, {
      entity: "AUTH",
      subtype: how,
      result: "FAIL",
      description: `${how === "verify" ? "Verify refused the forwarded key" : "Authentication refused"}${keyId !== null ? ` for key id ${keyId}` : ""}`,
      reason,
      objectId: keyId,
      additional: { path: req.url.split("?")[0], ...(repeated ? { repeated } : {}) },
    });
  }

  /** An Advanced request accepted with a repeated nonce, because the tenant allows it (`nonce_reuse_window_ms`). */
  async nonceReused(req: FastifyRequest | null, actor: KeyPrincipal): Promise<void> {
    await this.record(req, actor, {
      entity: "AUTH",
      subtype: "nonce_reused",
      description: `Accepted a repeated nonce for key id ${actor.keyId} (setting nonce_reuse_window_ms)`,
      reason: "NONCE_REUSED",
      objectId: actor.keyId,
      severity: "SEV_030_MEDIUM",
      ...(req ? { additional: { path: req.url.split("?")[0] } } : {}),
    });
  }

  /** A refused permission check. */
  async permissionDenied(req: FastifyRequest, actor: KeyPrincipal, route: RouteDef): Promise<void> {
    await this.record(req, actor, {
      entity: "PERMISSIONS",
      subtype: "check",
      result: "FAIL",
      description: `${route.method} ${route.path} needs ${route.permission!.component}:${route.permission!.level}`,
      reason: "INSUFFICIENT_PERMISSION",
      additional: { route: route.id },
    });
  }
}
