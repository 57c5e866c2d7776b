/**
 * The database driver interface that the SQL store runs on, with SQLite (better-sqlite3) and
 * PostgreSQL (pg) implementations. SQL is written once with `?` placeholders; the PostgreSQL
 * driver numbers them. Dialect differences that remain (DDL types, locks) are asked of
 * `dialect`.
 */
export type Dialect = "sqlite" | "postgres";

export type Param = string | number | bigint | null | Buffer;

export interface RunResult {
  /** Rows changed. */
  changes: number;
}

export interface Driver {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: Param[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: Param[]): Promise<T | undefined>;
  /**
   * Rows as arrays of their column values, in the SELECT's order: no object per row and no
   * column names, for a hot statement that decodes its rows itself (the key list by id).
   */
  values<T extends unknown[] = unknown[]>(sql: string, params?: Param[]): Promise<T[]>;
  run(sql: string, params?: Param[]): Promise<RunResult>;
  /** Runs `fn` in one transaction: all of it commits or none of it does. */
  tx<T>(fn: (d: Driver) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by drivers for a unique-constraint violation, so the store can turn it into a 409. */
export class UniqueViolation extends Error {
  constructor(public readonly constraint: string) {
    super(`unique constraint violated: ${constraint}`);
    this.name = "UniqueViolation";
  }
}
