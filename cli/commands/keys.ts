/**
 * `keyplane keys …` and `keyplane notifications`: the API Keys page's table actions in a
 * terminal, over the SDK, with the same KEYPLANE_* environment variables as the provider.
 */
import * as fs from "node:fs";
import * as readline from "node:readline/promises";
import { stringify } from "csv-stringify/sync";
import { relativeExpiry, parseInstant } from "../../sdk/durations";
import { durationFlag, parse, UsageError, type Command } from "../args";
import type { KeyplaneClient } from "../../sdk";

const ENV_HELP = `Credentials come from KEYPLANE_ENDPOINT, KEYPLANE_API_KEY_ID, KEYPLANE_API_KEY and
KEYPLANE_SECURITY_LEVEL (standard|advanced), as for the Pulumi provider.`;

async function client(): Promise<KeyplaneClient> {
  const { resolveCredentials } = await import("../../provider/credentials");
  let c;
  try {
    c = resolveCredentials({});
  } catch (e) {
    throw new UsageError(
      (e as Error).message.replace("keyplane provider credentials", "credentials"),
    );
  }
  const { KeyplaneClient } = await import("../../sdk");
  return new KeyplaneClient({
    endpoint: c.endpoint,
    apiKeyId: c.apiKeyId,
    apiKey: c.apiKey,
    securityLevel: c.securityLevel,
    userAgent: "keyplane-cli",
  });
}

function parseId(s: string | undefined, what = "ID"): number {
  if (!s || !/^[1-9][0-9]*$/.test(s))
    throw new UsageError(`${what} must be a key id (a positive integer), got '${s ?? ""}'`);
  return Number(s);
}

type Row = Record<string, unknown> & {
  id: number;
  security_level: string;
  roles: string[];
  comment: string | null;
  expiration: number | null;
  creation_time: number;
  status?: string;
  last_used?: number | null;
};

function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const w = headers.map((_, c) => Math.min(60, Math.max(...all.map((r) => (r[c] ?? "").length))));
  return all
    .map((r) =>
      r
        .map((cell, c) =>
          c === r.length - 1
            ? cell
            : cell.length > w[c]!
              ? `${cell.slice(0, w[c]! - 1)}…`
              : cell.padEnd(w[c]!),
        )
        .join("  "),
    )
    .join("\n");
}

/** A CSV cell's text: lists joined with ";", nothing for null (quoting is csv-stringify's). */
function csvText(v: unknown): string {
  return v === null || v === undefined ? "" : Array.isArray(v) ? v.join(";") : String(v);
}

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "" : new Date(ms).toISOString();

function keyLines(k: Row, now: number): string[] {
  return [
    String(k.id),
    k.security_level,
    k.roles.join(", "),
    k.status ?? "",
    relativeExpiry(k.expiration, now),
    k.last_used ? new Date(k.last_used).toISOString().slice(0, 16).replace("T", " ") : "never",
    k.comment ?? "",
  ];
}

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

async function list(argv: string[]): Promise<number> {
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

const showUsage = `usage: keyplane keys show ID [--json]

Prints one key. --json prints the entire row (the page's "copy entire row").
${ENV_HELP}`;

async function show(argv: string[]): Promise<number> {
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

const examplesUsage = `usage: keyplane keys examples ID [--python | --curl]

Prints the Python 3 and curl snippets for a key (the page's "View Examples"), with the key id
and server URL filled in and YOUR_API_KEY where the key goes.
${ENV_HELP}`;

async function examples(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { python: { type: "boolean" }, curl: { type: "boolean" } },
    true,
  );
  if (values.help) return (console.log(examplesUsage), 0);
  if (positionals.length !== 1) throw new UsageError("give exactly one key ID");
  const c = await client();
  try {
    const ex = await c.apiKeys.examples(parseId(positionals[0]));
    if (!values.curl) console.log(`${values.python ? "" : "# Python 3\n"}${ex.python}`);
    if (!values.python) console.log(`${values.curl ? "" : "\n# curl\n"}${ex.curl}`);
    return 0;
  } finally {
    await c.close();
  }
}

const generateUsage = `usage: keyplane keys generate --role R [--role R]... [--level standard|advanced]
                             [--expires-in 90d | --expiration ISO] [--comment TEXT] [--output FILE] [--json]

Generates a key. The key is printed ONCE, with a warning; --output FILE writes it to FILE with
mode 0600 instead (and prints only the id). --json prints {"id", "key"}.
A repeatable option also takes its plural with a comma list: --roles Viewer,Investigator.
${ENV_HELP}`;

async function generate(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    role: { type: "string", multiple: true },
    level: { type: "string" },
    "expires-in": { type: "string" },
    expiration: { type: "string" },
    comment: { type: "string" },
    output: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) return (console.log(generateUsage), 0);
  if (!values.role?.length)
    throw new UsageError("--role is required (repeat it for several roles)");
  const level = values.level ?? "standard";
  if (!["standard", "advanced"].includes(level))
    throw new UsageError(`--level must be standard or advanced, got '${level}'`);
  if (values["expires-in"] && values.expiration)
    throw new UsageError("give --expires-in or --expiration, not both");
  let expiration: number | undefined;
  if (values["expires-in"])
    expiration = Date.now() + durationFlag(values["expires-in"], "--expires-in");
  if (values.expiration) {
    expiration = parseInstant(values.expiration);
    if (expiration === undefined)
      throw new UsageError(
        `--expiration: '${values.expiration}' is not an ISO-8601 date-time or epoch ms`,
      );
  }
  if (values.output && fs.existsSync(values.output))
    throw new UsageError(`--output: ${values.output} exists; it is never overwritten`);
  const c = await client();
  try {
    const r = await c.apiKeys.generate({
      roles: values.role,
      securityLevel: level as "standard" | "advanced",
      expiration,
      comment: values.comment,
    });
    if (values.output) {
      fs.writeFileSync(values.output, `${r.key}\n`, { mode: 0o600, flag: "wx" });
      console.log(
        values.json
          ? JSON.stringify({ id: r.id, output: values.output })
          : `generated ${level} key ${r.id}; the key is in ${values.output} (mode 0600)`,
      );
    } else if (values.json) {
      console.log(JSON.stringify({ id: r.id, key: r.key }));
    } else {
      console.error(
        "WARNING: this is the only time the key is shown. Store it now (or use --output FILE).",
      );
      console.log(`id:  ${r.id}\nkey: ${r.key}`);
    }
    return 0;
  } finally {
    await c.close();
  }
}

const editUsage = `usage: keyplane keys edit ID [--role R]... [--comment TEXT | --no-comment] [--expires-in D | --expiration ISO | --no-expiration]

Changes a key's roles (the list replaces the old one), comment or expiration.
A repeatable option also takes its plural with a comma list: --roles Viewer,Investigator.
${ENV_HELP}`;

async function edit(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      role: { type: "string", multiple: true },
      comment: { type: "string" },
      "no-comment": { type: "boolean" },
      "expires-in": { type: "string" },
      expiration: { type: "string" },
      "no-expiration": { type: "boolean" },
    },
    true,
  );
  if (values.help) return (console.log(editUsage), 0);
  if (positionals.length !== 1) throw new UsageError("give exactly one key ID");
  const id = parseId(positionals[0]);
  const e: { roles?: string[]; comment?: string | null; expiration?: number | null } = {};
  if (values.role?.length) e.roles = values.role;
  if (values.comment !== undefined && values["no-comment"])
    throw new UsageError("give --comment or --no-comment, not both");
  if (values.comment !== undefined) e.comment = values.comment;
  if (values["no-comment"]) e.comment = null;
  const exps = [values["expires-in"], values.expiration, values["no-expiration"]].filter(
    (v) => v !== undefined && v !== false,
  );
  if (exps.length > 1)
    throw new UsageError("give one of --expires-in, --expiration, --no-expiration");
  if (values["expires-in"])
    e.expiration = Date.now() + durationFlag(values["expires-in"], "--expires-in");
  if (values.expiration) {
    const ms = parseInstant(values.expiration);
    if (ms === undefined)
      throw new UsageError(
        `--expiration: '${values.expiration}' is not an ISO-8601 date-time or epoch ms`,
      );
    e.expiration = ms;
  }
  if (values["no-expiration"]) e.expiration = null;
  if (Object.keys(e).length === 0)
    throw new UsageError(
      "nothing to change: give --role, --comment, --no-comment, --expires-in, --expiration or --no-expiration",
    );
  const c = await client();
  try {
    await c.apiKeys.edit(id, e);
    console.log(`key ${id} updated`);
    return 0;
  } finally {
    await c.close();
  }
}

const deleteUsage = `usage: keyplane keys delete ID [ID...] [--yes]

Deletes keys. Asks for confirmation unless --yes (required when stdin is not a terminal).
${ENV_HELP}`;

async function remove(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { yes: { type: "boolean", short: "y" } }, true);
  if (values.help) return (console.log(deleteUsage), 0);
  if (positionals.length === 0) throw new UsageError("give at least one key ID");
  const ids = positionals.map((p) => parseId(p));
  if (!values.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError("refusing to delete without confirmation: pass --yes");
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    const a = await rl.question(
      `Delete key(s) ${ids.join(", ")}? Anything using them stops working. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(a.trim())) {
      console.error("not deleted");
      return 1;
    }
  }
  const c = await client();
  try {
    const n = await c.apiKeys.delete(ids);
    console.log(`deleted ${n} key(s)`);
    return n === ids.length ? 0 : 1;
  } finally {
    await c.close();
  }
}

const SUB: Record<string, { run: (a: string[]) => Promise<number>; summary: string }> = {
  list: { run: list, summary: "list keys (filters, --json, --csv)" },
  show: { run: show, summary: "show one key (--json: the entire row)" },
  examples: { run: examples, summary: "Python 3 and curl snippets for a key" },
  generate: { run: generate, summary: "generate a key (shown once)" },
  edit: { run: edit, summary: "change a key's roles, comment or expiration" },
  delete: { run: remove, summary: "delete keys (asks first unless --yes)" },
};

const keysUsage = `usage: keyplane keys <list|show|examples|generate|edit|delete> [options]

${Object.entries(SUB)
  .map(([n, s]) => `  ${n.padEnd(9)} ${s.summary}`)
  .join("\n")}

Run 'keyplane keys <subcommand> --help' for its options.
${ENV_HELP}`;

export const keysCommand: Command = {
  name: "keys",
  summary: "the API Keys page in a terminal: list, show, examples, generate, edit, delete",
  usage: keysUsage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === "--help" || sub === "-h") {
      console.log(keysUsage);
      return sub ? 0 : 2;
    }
    const s = SUB[sub];
    if (!s) throw new UsageError(`unknown subcommand 'keys ${sub}'`);
    return s.run(rest);
  },
};

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
