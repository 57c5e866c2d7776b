/** `keyplane keys generate`: a new key, its value shown once. */
import * as fs from "node:fs";
import { parseInstant } from "../../../sdk/durations";
import { durationFlag, parse, UsageError } from "../../args";
import { client, ENV_HELP } from "./client";

const generateUsage = `usage: keyplane keys generate --role R [--role R]... [--level standard|advanced]
                             [--expires-in 90d | --expiration ISO] [--comment TEXT] [--output FILE] [--json]

Generates a key. The key is printed ONCE, with a warning; --output FILE writes it to FILE with
mode 0600 instead (and prints only the id). --json prints {"id", "key"}.
A repeatable option also takes its plural with a comma list: --roles Viewer,Investigator.
${ENV_HELP}`;

export async function generate(argv: string[]): Promise<number> {
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
