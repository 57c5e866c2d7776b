/**
 * `keyplane notifications`: the API Key Expiration and API Key Unused notices, as a table or JSON.
 */
import { relativeExpiry } from "../../sdk/durations";
import { parse, type Command } from "../args";
import { client, ENV_HELP, parseId } from "./keys/client";
import { iso, table } from "./keys/output";

const notificationsUsage = `usage: keyplane notifications [--unread] [--key ID] [--json]

Lists the API Key Expiration notices (one week and one day before each key expires) and the
API Key Unused notices (with the tenant setting unused_key_notice_days).
${ENV_HELP}`;

export const notificationsCommand: Command = {
  name: "notifications",
  summary: "list API Key Expiration notices",
  usage: notificationsUsage,
  async run(argv) {
    const { values } = parse(argv, {
      unread: { type: "boolean" },
      key: { type: "string" },
      json: { type: "boolean" },
    });
    if (values.help) return (console.log(notificationsUsage), 0);
    const c = await client();
    try {
      const page = await c.notifications.list({
        unread: values.unread ? true : undefined,
        keyId: values.key ? parseId(values.key, "--key") : undefined,
      });
      const items = page.items as Array<
        Record<string, unknown> & {
          id: number;
          key_id: number;
          lead: string;
          expiration: number;
          read: boolean;
          message: string;
          created_ts: number;
        }
      >;
      if (values.json) console.log(JSON.stringify(items, null, 2));
      else if (items.length === 0) console.log("no notifications");
      else {
        const now = Date.now();
        console.log(
          table(
            ["ID", "KEY", "LEAD", "KEY EXPIRES", "READ", "CREATED", "MESSAGE"],
            items.map((n) => [
              String(n.id),
              String(n.key_id),
              n.lead,
              relativeExpiry(n.expiration, now),
              n.read ? "yes" : "no",
              iso(n.created_ts).slice(0, 16).replace("T", " "),
              n.message,
            ]),
          ),
        );
      }
      return 0;
    } finally {
      await c.close();
    }
  },
};
