#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * The keyplane command line: `keyplane <command> [args]`. Every command has --help; exit codes
 * are 0 (ok), 1 (error), 2 (usage); errors go to stderr.
 */
import { describeError, UsageError, type Command } from "./args";
import { docsCommand } from "./commands/docs";
import { driftCommand } from "./commands/drift";
import { keyringCommand } from "./commands/keyring";
import { keysCommand } from "./commands/keys";
import { notificationsCommand } from "./commands/notifications";
import { openapiCommand } from "./commands/openapi";
import { pluginCommand } from "./commands/plugin";
import { serverCommand } from "./commands/server";
import { unsealCommand } from "./commands/unseal";

const COMMANDS: Command[] = [
  serverCommand,
  keysCommand,
  notificationsCommand,
  driftCommand,
  unsealCommand,
  keyringCommand,
  openapiCommand,
  docsCommand,
  pluginCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: keyplane <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run 'keyplane <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-V") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir; read at run time
    console.log(require("../../package.json").version);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`keyplane: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(
        `keyplane ${cmd.name}: ${e.message}\nRun 'keyplane ${cmd.name} --help' for usage.`,
      );
      return 2;
    }
    console.error(`keyplane ${cmd.name}: ${describeError(e)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`keyplane: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
