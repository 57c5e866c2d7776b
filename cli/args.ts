/** Small helpers the commands share: argument parsing, usage errors, output. */
import { parseArgs, type ParseArgsConfig } from "node:util";

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

/** Parses a duration such as 30d, 12h, 90m, 45s or 1w into milliseconds. */
export function parseDuration(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(w|d|h|m|s|ms)$/.exec(s.trim());
  if (!m) throw new UsageError(`${flag}: '${s}' is not a duration (use e.g. 30d, 12h, 90m)`);
  const n = Number(m[1]);
  const unit = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as "w" | "d" | "h" | "m" | "s" | "ms"];
  return Math.round(n * unit);
}
