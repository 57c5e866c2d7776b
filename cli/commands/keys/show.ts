/** `keyplane keys show ID`: one key, or with --json its entire row. */
import { relativeExpiry } from "../../../sdk/durations";
import { parse, UsageError } from "../../args";
import { client, ENV_HELP, parseId } from "./client";
import { iso, type Row } from "./output";

const showUsage = `usage: keyplane keys show ID [--json]

Prints one key. --json prints the entire row (the page's "copy entire row").
${ENV_HELP}`;

export async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" } }, true);
  if (values.help) return (console.log(showUsage), 0);
  if (positionals.length !== 1) throw new UsageError("give exactly one key ID");
  const id = parseId(positionals[0]);
  const c = await client();
  try {
    const k = (await c.apiKeys.get(id)) as unknown as Row;
    if (values.json) console.log(JSON.stringify(k, null, 2));
    else {
      const now = Date.now();
      const lines: Array<[string, string]> = [
        ["id", String(k.id)],
        ["security level", k.security_level],
        ["roles", k.roles.join(", ")],
        ["status", k.status ?? ""],
        [
          "expires",
          k.expiration ? `${iso(k.expiration)} (${relativeExpiry(k.expiration, now)})` : "never",
        ],
        ["created", `${iso(k.creation_time)} by ${k.created_by ?? "?"}`],
        ["last used", k.last_used ? iso(k.last_used) : "never"],
        [
          "scope",
          k.scope_definition_id
            ? `scope definition ${k.scope_definition_id}`
            : k.has_scope
              ? "inline areas"
              : "none",
        ],
        ["comment", k.comment ?? ""],
      ];
      console.log(lines.map(([a, b]) => `${a.padEnd(15)}${b}`).join("\n"));
    }
    return 0;
  } finally {
    await c.close();
  }
}
