/** Reading a database directly (SQLite read-only, or PostgreSQL), as the scan and the fault suites do. */

export async function dbQuery<T = Record<string, unknown>>(
  dbUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  if (dbUrl.startsWith("sqlite:")) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when SQLite is queried
    const Database = require("better-sqlite3") as typeof import("better-sqlite3");
    const db = new Database(dbUrl.slice("sqlite:".length), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...(params as never[])) as T[];
    } finally {
      db.close();
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when PostgreSQL is queried
  const pg = require("pg") as typeof import("pg");
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    let n = 0;
    return (
      await c.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows as T[];
  } finally {
    await c.end();
  }
}
