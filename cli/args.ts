/** Small helpers the commands share: argument parsing, usage errors, output. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDuration } from "../provider/durations";

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses flags strictly; unknown flags and missing values are usage errors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, allowPositionals = false): { values: any; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true }) as never;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Parses a duration flag such as 30d, 12h, 90m, 45s or 1w into milliseconds. */
export function durationFlag(s: string, flag: string): number {
  const ms = parseDuration(s);
  if (ms === undefined) throw new UsageError(`${flag}: '${s}' is not a duration (use e.g. 30d, 12h, 90m)`);
  return ms;
}

/** An error for people: the Pulumi CLI's own `error:` lines when the Automation API failed, else the message. */
export function describeError(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  const cliErrors = [...msg.matchAll(/^error: (.+)$/gm)].map((m) => m[1]!.trim());
  if (cliErrors.length) return [...new Set(cliErrors)].join("; ");
  return msg;
}
