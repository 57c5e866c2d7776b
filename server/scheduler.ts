/**
 * API Key Expiration notices: one per key per lead (one week, one day before its expiration),
 * saying the real time left (a key edited to expire in 3 days gets "expires in 3 days"), and,
 * when the tenant sets `unused_key_notice_days`, API Key Unused notices (one per stretch of
 * non-use: a key used again and then left idle gets a new one),
 * created by a scheduler that holds a lease in the database, so with several replicas one of
 * them works at a time. The unique (key, lead, expiration) row makes a notice exist at most once
 * even if two replicas ever ran together; a restart resumes from the table. Notices are also
 * POSTed to the tenant's webhook, retried with backoff (the retry state lives in the table too).
 */
import { MAX_REPLAY_WINDOW_MS } from "../sdk/contract";
import { webhookRefusal } from "./webhookTarget";
import type { AuthCache } from "./auth/cache";
import type { Clock } from "./clock";
import type { NotificationRecord, Store } from "./store/store";

const DAY = 86_400_000;
export const LEADS: Array<{ lead: "7d" | "1d"; ms: number; words: string }> = [
  { lead: "7d", ms: 7 * DAY, words: "one week" },
  { lead: "1d", ms: DAY, words: "one day" },
];
/** The time left, in at most two units: "3 days", "6 days 23 hours", "5 hours 10 minutes". */
export function timeLeft(ms: number): string {
  const units: Array<[number, string]> = [
    [DAY, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, ms);
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(n === 0 ? "" : `${n} ${name}${n === 1 ? "" : "s"}`);
    if (parts.length === 2) break;
  }
  const text = parts.filter(Boolean).join(" ");
  return text || "less than a minute";
}

const LEASE = "notification-scheduler";
const LEASE_TTL = 60_000;
export const WEBHOOK_MAX_ATTEMPTS = 8;

/** Sends one webhook POST; resolves with the HTTP status or rejects on a transport error. */
export type WebhookSender = (url: string, body: unknown) => Promise<number>;

/** The default sender: undici's fetch with a 10 s timeout. */
export const fetchWebhook: WebhookSender = async (url, body) => {
  const { fetch } = await import("undici");
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "keyplane-notifier" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
};

export class NotificationScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      cache: AuthCache;
      replicaId: string;
      webhook?: WebhookSender;
      authFailureWindowMs?: number;
      /** Deliver to loopback and private addresses too (server/webhookTarget.ts). */
      allowPrivateWebhooks?: boolean;
    },
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), intervalMs);
    this.timer.unref();
    void this.tick().catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Gives the lease up (on shutdown), so that another replica, or this one restarted, takes over at once. */
  async release(): Promise<void> {
    await this.deps.store.releaseLease(LEASE, this.deps.replicaId);
  }

  /** One pass: create due notices, deliver due webhooks, purge old nonces. Returns the notices created. */
  async tick(): Promise<NotificationRecord[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const { store, clock, replicaId } = this.deps;
      const now = clock.now();
      if (!(await store.acquireLease(LEASE, replicaId, now, LEASE_TTL))) return [];
      const settings = await this.deps.cache.getSettings();
      const created: NotificationRecord[] = [];
      for (let i = 0; i < LEADS.length; i++) {
        const { lead, ms } = LEADS[i]!;
        // The most urgent notice only: a key already inside the one-day window gets no one-week notice.
        const nearer = LEADS[i + 1]?.ms ?? 0;
        for (const k of await store.keysExpiringBetween(now + nearer, now + ms)) {
          const n = await store.insertNotification({
            keyId: k.id,
            lead,
            expiration: k.expiration,
            title: "API Key Expiration",
            message: `API key ${k.id} expires in ${timeLeft(k.expiration - now)}, at ${new Date(k.expiration).toISOString()}. Rotate it before then.`,
            createdTs: now,
            webhookStatus: settings.notification_webhook ? "pending" : "none",
            webhookNextAt: settings.notification_webhook ? now : null,
          });
          if (n) created.push(n);
        }
      }
      if (settings.unused_key_notice_days !== null) {
        const idle = settings.unused_key_notice_days * DAY;
        for (const k of await store.keysUnusedSince(now - idle, now)) {
          const n = await store.insertNotification({
            keyId: k.id,
            lead: "unused",
            // The stretch of non-use this notice is about: one notice per stretch.
            expiration: k.since,
            title: "API Key Unused",
            message: `API key ${k.id} has not been used for ${timeLeft(now - k.since)} (${k.lastUsed === null ? `never used since it was made at ${new Date(k.since).toISOString()}` : `last used at ${new Date(k.since).toISOString()}`}). Delete it if nothing needs it.`,
            createdTs: now,
            webhookStatus: settings.notification_webhook ? "pending" : "none",
            webhookNextAt: settings.notification_webhook ? now : null,
          });
          if (n) created.push(n);
        }
      }
      await this.deliver(now, settings.notification_webhook);
      // A nonce must outlive every window that could still accept its timestamp, including one
      // raised later: keyed to the current window, raising it re-opened purged requests. A
      // timestamp accepted at time s is within the widest window of s, so a replay after
      // s + 2 × the widest window is stale under any setting.
      await store.purgeNonces(now - 2 * MAX_REPLAY_WINDOW_MS);
      if (settings.audit_retention_days !== null)
        await store.purgeAudit(now - settings.audit_retention_days * 86_400_000);
      // Failure counts of windows that are over (kept one more window for clocks a little apart).
      await store.purgeAuthFailures(now - 2 * (this.deps.authFailureWindowMs ?? 60_000));
      // Keys whose overlap ended, and the retired roles and scope definitions they kept alive.
      const purged = await store.purgeRetired(now);
      if (purged.keys || purged.roles || purged.scopes) {
        this.deps.cache.invalidate();
        await store.insertAudit({
          ts: now,
          actorKeyId: null,
          ownerName: "system",
          ownerEmail: null,
          entity: "API_KEY",
          subtype: "delete",
          result: "SUCCESS",
          reason: "overlap ended",
          description: `Deleted ${purged.keys} retiring key(s) whose overlap ended${purged.keyIds.length ? ` (${purged.keyIds.join(", ")})` : ""}, ${purged.roles} retired role(s), ${purged.scopes} retired scope definition(s)`,
          objectId: purged.keyIds.length === 1 ? String(purged.keyIds[0]) : null,
          assetNames: null,
          sourceIp: null,
          userAgent: null,
          userRoles: [],
          additional: {
            key_ids: purged.keyIds,
            roles: purged.roles,
            scope_definitions: purged.scopes,
          },
          severity: "SEV_020_LOW",
        });
      }
      await store.purgeIdempotency(now - DAY);
      return created;
    } finally {
      this.running = false;
    }
  }

  private async deliver(now: number, url: string | null): Promise<void> {
    const { store } = this.deps;
    const due = await store.dueWebhooks(now);
    if (due.length === 0) return;
    const send = this.deps.webhook ?? fetchWebhook;
    for (const n of due) {
      if (!url) {
        await store.recordWebhookAttempt(n.id, {
          status: "failed",
          nextAt: null,
          error: "no webhook configured",
        });
        continue;
      }
      let error: string | null = null;
      // Checked again at each delivery: the host name may resolve elsewhere than when it was set.
      const why = this.deps.allowPrivateWebhooks ? null : await webhookRefusal(url);
      if (why) {
        await store.recordWebhookAttempt(n.id, {
          status: "failed",
          nextAt: null,
          error: `refused: ${why}`,
        });
        continue;
      }
      try {
        const status = await send(url, {
          type: n.lead === "unused" ? "API Key Unused" : "API Key Expiration",
          id: n.id,
          key_id: n.keyId,
          lead: n.lead,
          expiration: n.expiration,
          title: n.title,
          message: n.message,
          created_ts: n.createdTs,
        });
        if (status >= 200 && status < 300) {
          await store.recordWebhookAttempt(n.id, {
            status: "delivered",
            nextAt: null,
            error: null,
          });
          continue;
        }
        error = `HTTP ${status}`;
      } catch (e) {
        error = (e as Error).message.slice(0, 200);
      }
      const attempts = n.webhookAttempts + 1;
      const give = attempts >= WEBHOOK_MAX_ATTEMPTS;
      // 5 s, 10 s, 20 s … capped at 10 minutes.
      const backoff = Math.min(600_000, 5000 * 2 ** (attempts - 1));
      await store.recordWebhookAttempt(n.id, {
        status: give ? "failed" : "pending",
        nextAt: give ? null : now + backoff,
        error,
      });
    }
  }
}
