/** `keyplane keys edit ID`: a key's roles, comment or expiration. */
import { parseInstant } from "../../../sdk/durations";
import { durationFlag, parse, UsageError } from "../../args";
import { client, ENV_HELP, parseId } from "./client";

const editUsage = `usage: keyplane keys edit ID [--role R]... [--comment TEXT | --no-comment] [--expires-in D | --expiration ISO | --no-expiration]

Changes a key's roles (the list replaces the old one), comment or expiration.
A repeatable option also takes its plural with a comma list: --roles Viewer,Investigator.
${ENV_HELP}`;

export async function edit(argv: string[]): Promise<number> {
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
