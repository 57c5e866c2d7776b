/** `keyplane keys list`: the API Keys page's table, with its filters and sort, or every field as JSON or CSV. */
import { stringify } from "csv-stringify/sync";
import { durationFlag, parse, UsageError } from "../../args";
import { client, ENV_HELP } from "./client";
import { csvText, iso, keyLines, table, type Row } from "./output";

const listUsage = `usage: keyplane keys list [--expiring-within 30d] [--expired] [--unused-for 30d] [--role R]... [--level standard|advanced]
                         [--comment TEXT] [--sort FIELD[:asc|desc]] [--json | --csv]

Lists API keys as the API Keys page does. Filters combine (AND):
  --expiring-within D  keys that expire within D from now (and have not expired)
  --expired            keys whose expiration has passed
  --unused-for D       keys not used for D (a key never used: made at least D ago)
  --role R             keys holding role R (repeatable, or --roles A,B: any of them)
  --level L            standard or advanced
  --comment TEXT       comment contains TEXT
  --sort F[:dir]       id, creation_time, expiration, security_level, comment, roles, last_used
Output: a table (expiry as "in 5 d" / "expired 2 d ago"), or --json / --csv with every field.
${ENV_HELP}`;

export async function list(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    "expiring-within": { type: "string" },
    expired: { type: "boolean" },
    "unused-for": { type: "string" },
    role: { type: "string", multiple: true },
    level: { type: "string" },
    comment: { type: "string" },
    sort: { type: "string" },
    json: { type: "boolean" },
    csv: { type: "boolean" },
  });
  if (values.help) return (console.log(listUsage), 0);
  if (values.json && values.csv) throw new UsageError("--json and --csv are exclusive");
  const now = Date.now();
  const filters: Array<Record<string, unknown>> = [];
  if (values["expiring-within"]) {
    const d = durationFlag(values["expiring-within"], "--expiring-within");
    filters.push(
      { field: "expiration", operator: "lte", value: now + d },
      { field: "status", operator: "in", value: ["active"] },
    );
  }
  if (values.expired) filters.push({ field: "status", operator: "in", value: ["expired"] });
  if (values["unused-for"]) {
    // Not used since then, and made before then: a key made yesterday is not unused for 30 days.
    const since = now - durationFlag(values["unused-for"], "--unused-for");
    filters.push(
      { field: "lastUsed", operator: "lte", value: since },
      { field: "creationTime", operator: "lte", value: since },
    );
  }
  if (values.role?.length)
    filters.push({ field: "roles", operator: "contains", value: values.role });
  if (values.level) {
    if (!["standard", "advanced"].includes(values.level))
      throw new UsageError(`--level must be standard or advanced, got '${values.level}'`);
    filters.push({ field: "securityLevel", operator: "in", value: [values.level] });
  }
  if (values.comment)
    filters.push({ field: "comment", operator: "contains", value: values.comment });
  let sort: { field: string; order: "asc" | "desc" } | undefined;
  if (values.sort) {
    const [field, dir = "asc"] = String(values.sort).split(":");
    const fields: Record<string, string> = {
      id: "id",
      creation_time: "creationTime",
      expiration: "expiration",
      security_level: "securityLevel",
      comment: "comment",
      roles: "roles",
      last_used: "lastUsed",
    };
    if (!fields[field!] || !["asc", "desc"].includes(dir))
      throw new UsageError(
        `--sort: '${values.sort}' is not FIELD[:asc|desc] with FIELD one of ${Object.keys(fields).join(", ")}`,
      );
    sort = { field: fields[field!]!, order: dir as "asc" | "desc" };
  }
  const c = await client();
  try {
    const rows: Row[] = [];
    for await (const k of c.apiKeys.iterate({ filters: filters as never, sort: sort as never }))
      rows.push(k as unknown as Row);
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else if (values.csv) {
      const cols = [
        "id",
        "security_level",
        "roles",
        "status",
        "expiration",
        "creation_time",
        "created_by",
        "user_name",
        "last_used",
        "comment",
        "scope_definition_id",
      ];
      const cells = rows.map((r) =>
        cols.map((f) =>
          csvText(
            f === "expiration" || f === "creation_time" || f === "last_used"
              ? iso(r[f] as number)
              : r[f],
          ),
        ),
      );
      process.stdout.write(stringify([cols, ...cells]));
    } else if (rows.length === 0) console.log("no keys match");
    else
      console.log(
        table(
          ["ID", "LEVEL", "ROLES", "STATUS", "EXPIRES", "LAST USED", "COMMENT"],
          rows.map((r) => keyLines(r, now)),
        ),
      );
    return 0;
  } finally {
    await c.close();
  }
}
