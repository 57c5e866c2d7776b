/**
 * Opens the driver a database URL names. Apart from driver.ts so that the interface does not
 * import its implementations (which import the interface): no cycle.
 */
import type { Driver } from "./driver";

/** Opens a driver from a URL: `sqlite:PATH`, a bare path, or `postgres://…`. */
export async function openDriver(url: string, opts: { poolSize?: number } = {}): Promise<Driver> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { PostgresDriver } = await import("./postgres");
    return PostgresDriver.open(url, opts.poolSize);
  }
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
  const { SqliteDriver } = await import("./sqlite");
  return SqliteDriver.open(path);
}
