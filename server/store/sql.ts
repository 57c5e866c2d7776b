/**
 * Small helpers every store module shares: reading nullable columns (PostgreSQL returns BIGINT as
 * a string, SQLite as a number), building `IN (?, ?, …)` lists and LIKE patterns, and the
 * case-insensitive name key that roles, groups and scope definitions are unique by.
 */
import type { Driver } from "./driver";

/** A page of rows and the number of rows matching without paging. */
export interface Page<T> {
  rows: T[];
  total: number;
}

/**
 * The paging clause: its two parameters are the limit and the offset. They are expressions, not
 * bare parameters: SQLite (3.53) plans with a bare bound LIMIT's value, so each new value expired
 * the cached statement and every call prepared it again (bench/RESULTS.md: 31 -> 17 us CPU for a
 * key list by id). Same plans on both databases.
 */
export const PAGING = "LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)";

export const num = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v);
export const str = (v: unknown): string | null =>
  v === null || v === undefined ? null : String(v);

/** The key a display name is unique and sorted by: trimmed, lower case. */
export const nameKey = (s: string) => s.trim().toLowerCase();

export function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

/** A lower-cased LIKE operand with `\` as its escape character. */
export function likeEscape(s: string): string {
  return s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `SELECT COUNT(*) AS c …` read as a number. */
export async function countOf(d: Driver, sql: string, params?: Parameters<Driver["get"]>[1]) {
  const r = await d.get<{ c: number | string }>(sql, params);
  return Number(r?.c ?? 0);
}
