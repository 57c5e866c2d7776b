/** Small helpers the commands share: argument parsing, usage errors, output. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDuration } from "../sdk/durations";

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Edit distance between two option names (small strings: the plain dynamic programme). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known option closest to an unknown one, if it is close enough to be what was meant. */
export function didYouMean(unknown: string, known: string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = k.startsWith(unknown) || unknown.startsWith(k) ? 1 : distance(unknown, k);
    if (d <= Math.max(1, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

/**
 * Parses flags strictly; unknown flags and missing values are usage errors, an unknown flag with
 * the closest known one ("unknown option --rol; did you mean --role?"). A repeatable option
 * `--role` also takes its plural with a comma-separated list (`--roles a,b`), so both
 * `--role a --role b` and `--roles a,b` give `values.role = ["a", "b"]`.
 */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  allowPositionals = false,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command reads its own flags; parseArgs's inferred type of a spread config is not usable
): { values: any; positionals: string[] } {
  const all: NonNullable<ParseArgsConfig["options"]> = {
    ...options,
    help: { type: "boolean", short: "h" },
  };
  const plurals = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.multiple && o.type === "string" && !(`${name}s` in all)) {
      plurals.set(`${name}s`, name);
      all[`${name}s`] = { type: "string", multiple: true };
    }
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: all, allowPositionals, strict: true }) as never;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /'(-{1,2}[^'=]+)/.exec(err.message)?.[1] ?? "";
      const near = flag.startsWith("--") ? didYouMean(flag.slice(2), Object.keys(all)) : undefined;
      throw new UsageError(`unknown option ${flag}${near ? `; did you mean --${near}?` : ""}`);
    }
    throw new UsageError(err.message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
  for (const [plural, name] of plurals) {
    const list = parsed.values[plural] as string[] | undefined;
    if (!list) continue;
    const items = list.flatMap((v) => v.split(",")).map((v) => v.trim());
    if (items.some((v) => v === ""))
      throw new UsageError(`--${plural}: '${list.join(",")}' has an empty item`);
    parsed.values[name] = [...((parsed.values[name] as string[] | undefined) ?? []), ...items];
    delete parsed.values[plural];
  }
  return parsed;
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
  if (ms === undefined)
    throw new UsageError(`${flag}: '${s}' is not a duration (use e.g. 30d, 12h, 90m)`);
  return ms;
}

/** An error for people: the Pulumi CLI's own `error:` lines when the Automation API failed, else the message. */
export function describeError(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  const cliErrors = [...msg.matchAll(/^error: (.+)$/gm)].map((m) => m[1]!.trim());
  if (cliErrors.length) return [...new Set(cliErrors)].join("; ");
  return msg;
}
