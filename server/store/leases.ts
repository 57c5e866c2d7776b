/** Named leases: one replica at a time runs each scheduled job. */
import type { Driver } from "./driver";

export class LeaseStore {
  constructor(private readonly driver: Driver) {}

  /** Takes or renews a named lease; true when `holder` holds it until `now + ttl`. */
  async acquire(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const r = await this.driver.run(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.expires_at < ? OR leases.holder = excluded.holder`,
      [name, holder, now + ttlMs, now],
    );
    return r.changes === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.driver.run("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder]);
  }
}
