/** `keyplane keys delete ID...`: deletes keys, asking first unless --yes. */
import * as readline from "node:readline/promises";
import { parse, UsageError } from "../../args";
import { client, ENV_HELP, parseId } from "./client";

const deleteUsage = `usage: keyplane keys delete ID [ID...] [--yes]

Deletes keys. Asks for confirmation unless --yes (required when stdin is not a terminal).
${ENV_HELP}`;

export async function remove(argv: string[]): Promise<number> {
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
