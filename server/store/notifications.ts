/**
 * Notifications of keys about to expire or unused, with the state of their webhook delivery
 * (the scheduler inserts them, the webhook sender works through the due ones).
 */
import type { Driver, Param } from "./driver";
import { countOf, num, type Page, PAGING, str } from "./sql";
import { visibleKeyCondition, type KeyNarrowing } from "./keyVisibility";

export interface NotificationRecord {
  id: number;
  keyId: number;
  lead: "7d" | "1d" | "unused";
  expiration: number;
  title: string;
  message: string;
  createdTs: number;
  read: boolean;
  webhookStatus: "none" | "pending" | "delivered" | "failed";
  webhookAttempts: number;
  webhookNextAt: number | null;
  webhookLastError: string | null;
}

interface NotificationRow {
  id: number | string;
  key_id: number | string;
  lead: string;
  expiration: number | string;
  title: string;
  message: string;
  created_ts: number | string;
  is_read: number | string;
  webhook_status: string;
  webhook_attempts: number | string;
  webhook_next_at: number | string | null;
  webhook_last_error: string | null;
}

function fromRow(r: NotificationRow): NotificationRecord {
  return {
    id: Number(r.id),
    keyId: Number(r.key_id),
    lead: r.lead as NotificationRecord["lead"],
    expiration: Number(r.expiration),
    title: String(r.title),
    message: String(r.message),
    createdTs: Number(r.created_ts),
    read: Number(r.is_read) === 1,
    webhookStatus: r.webhook_status as NotificationRecord["webhookStatus"],
    webhookAttempts: Number(r.webhook_attempts),
    webhookNextAt: num(r.webhook_next_at),
    webhookLastError: str(r.webhook_last_error),
  };
}

export class NotificationStore {
  constructor(private readonly driver: Driver) {}

  /** Inserts a notice unless one exists for (key, lead, expiration); returns it when inserted. */
  async insert(
    n: Omit<NotificationRecord, "id" | "read" | "webhookAttempts" | "webhookLastError">,
  ): Promise<NotificationRecord | undefined> {
    const r = await this.driver.get<NotificationRow>(
      `INSERT INTO notifications (key_id, lead, expiration, title, message, created_ts, is_read, webhook_status, webhook_attempts, webhook_next_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?) ON CONFLICT (key_id, lead, expiration) DO NOTHING RETURNING *`,
      [
        n.keyId,
        n.lead,
        n.expiration,
        n.title,
        n.message,
        n.createdTs,
        n.webhookStatus,
        n.webhookNextAt,
      ],
    );
    return r ? fromRow(r) : undefined;
  }

  async list(
    f: { unread?: boolean; keyId?: number; narrow?: KeyNarrowing },
    offset: number,
    limit: number,
  ): Promise<Page<NotificationRecord>> {
    const where: string[] = [];
    const params: Param[] = [];
    // Only the notices of keys the caller may see (server/authz/keyVisibility.ts).
    const visible = f.narrow && visibleKeyCondition("key_id", f.narrow);
    if (visible) (where.push(visible.count), params.push(...visible.params));
    if (f.unread !== undefined) (where.push("is_read = ?"), params.push(f.unread ? 0 : 1));
    if (f.keyId !== undefined) (where.push("key_id = ?"), params.push(f.keyId));
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const rows = await this.driver.all<NotificationRow>(
      `SELECT * FROM notifications ${w} ORDER BY created_ts DESC, id DESC ${PAGING}`,
      [...params, limit, offset],
    );
    const total = await countOf(
      this.driver,
      `SELECT COUNT(*) AS c FROM notifications ${w}`,
      params,
    );
    return { rows: rows.map(fromRow), total };
  }

  /** Marks a notice; one of a key `narrow` hides is left alone and answered as absent. */
  async setRead(
    id: number,
    read: boolean,
    narrow?: KeyNarrowing,
  ): Promise<NotificationRecord | undefined> {
    const visible = narrow && visibleKeyCondition("key_id", narrow);
    const w = visible ? `id = ? AND ${visible.count}` : "id = ?";
    const ps = [id, ...(visible?.params ?? [])];
    await this.driver.run(`UPDATE notifications SET is_read = ? WHERE ${w}`, [read ? 1 : 0, ...ps]);
    const r = await this.driver.get<NotificationRow>(`SELECT * FROM notifications WHERE ${w}`, ps);
    return r ? fromRow(r) : undefined;
  }

  /** Notices whose webhook delivery is due. */
  async dueWebhooks(now: number, limit = 50): Promise<NotificationRecord[]> {
    const rows = await this.driver.all<NotificationRow>(
      "SELECT * FROM notifications WHERE webhook_status = 'pending' AND (webhook_next_at IS NULL OR webhook_next_at <= ?) ORDER BY id LIMIT CAST(? AS INTEGER)",
      [now, limit],
    );
    return rows.map(fromRow);
  }

  async recordWebhookAttempt(
    id: number,
    r: { status: "pending" | "delivered" | "failed"; nextAt: number | null; error: string | null },
  ): Promise<void> {
    await this.driver.run(
      "UPDATE notifications SET webhook_status = ?, webhook_attempts = webhook_attempts + 1, webhook_next_at = ?, webhook_last_error = ? WHERE id = ?",
      [r.status, r.nextAt, r.error, id],
    );
  }
}
