/**
 * How keys are shown: the table the terminal gets (widths capped, the last column free), CSV
 * cells, ISO instants, and a key's row as the API Keys page shows it.
 */
import { relativeExpiry } from "../../../sdk/durations";

export type Row = Record<string, unknown> & {
  id: number;
  security_level: string;
  roles: string[];
  comment: string | null;
  expiration: number | null;
  creation_time: number;
  status?: string;
  last_used?: number | null;
};

export function table(headers: string[], rows: string[][]): string {
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
export function csvText(v: unknown): string {
  return v === null || v === undefined ? "" : Array.isArray(v) ? v.join(";") : String(v);
}

export const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "" : new Date(ms).toISOString();

export function keyLines(k: Row, now: number): string[] {
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
