/** The Notification Center (extension): API Key Expiration notices, one per key per lead, and API Key Unused notices. */
import { z } from "zod";
import { dataEnvelope } from "./common";

export const NotificationLead = z.enum(["7d", "1d", "unused"]);

export const Notification = z.object({
  id: z.number(),
  type: z.enum(["API Key Expiration", "API Key Unused"]),
  title: z.string(),
  message: z.string(),
  key_id: z.number(),
  lead: NotificationLead.describe(
    "`7d`: one week before expiry; `1d`: one day before; `unused`: an API Key Unused notice.",
  ),
  expiration: z
    .number()
    .describe(
      "The key's expiration the notice is about, epoch ms; for `unused`, when the key was last used (or made, if never used).",
    ),
  created_ts: z.number(),
  read: z.boolean(),
  webhook_status: z.enum(["none", "pending", "delivered", "failed"]),
  webhook_attempts: z.number(),
});
export type Notification = z.infer<typeof Notification>;

export const NotificationListReply = dataEnvelope(z.array(Notification));
export const NotificationReply = dataEnvelope(Notification);

/** `PATCH /platform/notifications/v1/notifications/{id}` request_data. */
export const PatchNotificationRequest = z.object({
  read: z.boolean({ error: "must be true or false" }),
});
