/**
 * `keyplane keys …`: the API Keys page's table actions in a terminal, over the SDK, with the same
 * KEYPLANE_* environment variables as the provider. One module per subcommand in `keys/`; this
 * one lists them and dispatches.
 */
import { UsageError, type Command } from "../args";
import { ENV_HELP } from "./keys/client";
import { remove } from "./keys/delete";
import { edit } from "./keys/edit";
import { examples } from "./keys/examples";
import { generate } from "./keys/generate";
import { list } from "./keys/list";
import { show } from "./keys/show";

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
