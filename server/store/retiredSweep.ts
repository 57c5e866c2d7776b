/**
 * The scheduler's sweep after retirement (retire.ts): retiring keys whose overlap is over, then
 * retired roles and scope definitions that nothing uses any more.
 */
import type { Driver } from "./driver";
import type { KeyStore } from "./keys";
import { bump } from "./revision";

export class RetiredSweep {
  constructor(
    private readonly driver: Driver,
    private readonly keys: KeyStore,
  ) {}

  /** Deletes retiring keys whose time is up, then retired roles and scope definitions nothing uses. */
  async purge(
    now: number,
  ): Promise<{ keys: number; keyIds: number[]; roles: number; scopes: number }> {
    const ids = (
      await this.driver.all<{ id: number | string }>(
        "SELECT id FROM api_keys WHERE retiring = 1 AND expiration IS NOT NULL AND expiration <= ?",
        [now],
      )
    ).map((r) => Number(r.id));
    const keys = ids.length ? await this.keys.delete(ids) : 0;
    const roles = (
      await this.driver.run(
        "DELETE FROM roles WHERE retired_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM role_bindings b WHERE b.role_id = roles.role_id)",
      )
    ).changes;
    const scopes = (
      await this.driver.run(
        "DELETE FROM scope_definitions WHERE retired_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entity_scopes e WHERE e.scope_definition_id = scope_definitions.scope_id)",
      )
    ).changes;
    if (roles || scopes) await this.driver.tx((d) => bump(d));
    return { keys, keyIds: ids, roles, scopes };
  }
}
