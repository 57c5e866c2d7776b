/** `keyplane keys examples ID`: the Python 3 and curl snippets that call the API with a key. */
import { parse, UsageError } from "../../args";
import { client, ENV_HELP, parseId } from "./client";

const examplesUsage = `usage: keyplane keys examples ID [--python | --curl]

Prints the Python 3 and curl snippets for a key (the page's "View Examples"), with the key id
and server URL filled in and YOUR_API_KEY where the key goes.
${ENV_HELP}`;

export async function examples(argv: string[]): Promise<number> {
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
