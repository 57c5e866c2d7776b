/** `client.notifications`: the Notification Center's API Key Expiration notices (extension). */
import type { Notification } from "../contract";
import type { CallOptions } from "../transport";
import { CallGroup, totalOf, type Page, type PageRange } from "./base";

/** Re-exported from the contract (zod output types). */
export type { Notification };

/** `list` input. */
export interface ListNotificationsInput extends PageRange {
  /** Only unread (true) or only read (false) notices. */
  unread?: boolean;
  /** Only notices about this key (wire `key_id`). */
  keyId?: number;
}

/** Notifications. */
export class NotificationsApi extends CallGroup {
  /** A page of notices, newest first. */
  async list(input: ListNotificationsInput = {}, opts?: CallOptions): Promise<Page<Notification>> {
    const query = {
      search_from: input.searchFrom,
      search_to: input.searchTo,
      unread: input.unread,
      key_id: input.keyId,
    };
    const b = (await this.call("notifications.list", { query }, opts)).body;
    return { items: b.data, totalCount: totalOf(b) };
  }

  /** Marks a notice read (or, with `read: false`, unread); returns it. */
  async markRead(id: number, read = true, opts?: CallOptions): Promise<Notification> {
    return (await this.call("notifications.patch", { params: { id }, body: { read } }, opts)).body
      .data;
  }
}
