/**
 * PostgreSQL driver on pg: a pool, `?` placeholders numbered to `$n`, BIGINT read as numbers
 * (every integer we store, epoch ms included, is far below 2^53).
 */
import type * as PG from "pg";
import { UniqueViolation, type Driver, type Param, type RunResult } from "./driver";

const numbered = new Map<string, string>();

/** `?` → `$1, $2, …` (our SQL never has `?` inside string literals). */
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

function mapError(e: unknown): never {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err && err.code === "23505")
    throw new UniqueViolation(err.constraint ?? err.message ?? "unique");
  throw e;
}

type Queryable = Pick<PG.Pool, "query"> | Pick<PG.PoolClient, "query">;

class PgBase {
  readonly dialect = "postgres" as const;
  constructor(protected readonly q: Queryable) {}

  async all<T>(sql: string, params?: Param[]): Promise<T[]> {
    try {
      const r = await this.q.query(toPg(sql), (params ?? []) as unknown[]);
      return r.rows as T[];
    } catch (e) {
      return mapError(e);
    }
  }
  async get<T>(sql: string, params?: Param[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async values<T extends unknown[]>(sql: string, params?: Param[]): Promise<T[]> {
    try {
      const r = await this.q.query({
        text: toPg(sql),
        values: (params ?? []) as unknown[],
        rowMode: "array",
      });
      return r.rows as T[];
    } catch (e) {
      return mapError(e);
    }
  }
  async run(sql: string, params?: Param[]): Promise<RunResult> {
    try {
      const r = await this.q.query(toPg(sql), (params ?? []) as unknown[]);
      return { changes: r.rowCount ?? 0 };
    } catch (e) {
      return mapError(e);
    }
  }
}

export class PostgresDriver extends PgBase implements Driver {
  private constructor(private readonly pool: PG.Pool) {
    super(pool);
  }

  static async open(url: string, poolSize = 10): Promise<PostgresDriver> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when a PostgreSQL URL is used
    const pg = require("pg") as typeof PG;
    const types = {
      getTypeParser: (oid: number, format?: string) => {
        // int8 and numeric as JS numbers.
        if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
        return pg.types.getTypeParser(oid, format as never);
      },
    };
    const pool = new pg.Pool({ connectionString: url, max: poolSize, types: types as never });
    // An idle client that loses its connection must not crash the process.
    pool.on("error", () => undefined);
    const d = new PostgresDriver(pool);
    await d.get("SELECT 1 AS ok");
    return d;
  }

  async tx<T>(fn: (d: Driver) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const inner = new PgTx(client);
    try {
      await client.query("BEGIN");
      const out = await fn(inner);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  /** Runs `fn` holding a session-level advisory lock (migrations across replicas). */
  async withAdvisoryLock<T>(key: number, fn: (d: Driver) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [key]);
      try {
        return await fn(new PgTx(client));
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [key]).catch(() => undefined);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PgTx extends PgBase implements Driver {
  constructor(private readonly client: PG.PoolClient) {
    super(client);
  }
  async tx<T>(fn: (d: Driver) => Promise<T>): Promise<T> {
    // Nested: a savepoint keeps the outer transaction usable if the inner part fails.
    await this.client.query("SAVEPOINT sp");
    try {
      const out = await fn(this);
      await this.client.query("RELEASE SAVEPOINT sp");
      return out;
    } catch (e) {
      await this.client.query("ROLLBACK TO SAVEPOINT sp").catch(() => undefined);
      throw e;
    }
  }
  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }
  async close(): Promise<void> {
    /* released by the owner */
  }
}
