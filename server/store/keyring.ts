/**
 * What the keyring (master keys and peppers) touches in the store: every key's secret material
 * for re-encryption and re-peppering, the check values of keyring versions
 * (server/crypto/keyringCheck.ts), and the versions stored material depends on.
 */
import type { Driver } from "./driver";
import { secretFromRow, type KeyRow, type KeySecret, type SecurityLevel } from "./keyRows";
import { bump } from "./revision";

export interface KeyringCheck {
  kind: "master_key" | "pepper";
  id: string;
  check: string;
}

export class KeyringStore {
  constructor(private readonly driver: Driver) {}

  /** Every key's stored secret material (for re-encryption and re-peppering). */
  async allKeySecrets(): Promise<Array<KeySecret & { id: number; securityLevel: SecurityLevel }>> {
    const rows = await this.driver.all<KeyRow>(
      "SELECT id, security_level, secret_hash, pepper_chain, secret_enc, master_key_id FROM api_keys WHERE status = 'active' ORDER BY id",
    );
    return rows.map((r) => ({
      id: Number(r.id),
      securityLevel: r.security_level as SecurityLevel,
      ...secretFromRow(r),
    }));
  }

  /** Replaces key secret material in one transaction (key-rotation command). */
  async replaceKeySecrets(entries: Array<{ id: number } & KeySecret>): Promise<void> {
    await this.driver.tx(async (d) => {
      for (const e of entries) {
        await d.run(
          "UPDATE api_keys SET secret_hash = ?, pepper_chain = ?, secret_enc = ?, master_key_id = ? WHERE id = ?",
          [e.secretHash, e.pepperChain, e.secretEnc, e.masterKeyId, e.id],
        );
      }
      await bump(d);
    });
  }

  /** The keyring check values recorded so far (see server/crypto/keyringCheck.ts). */
  async checks(): Promise<KeyringCheck[]> {
    const rows = await this.driver.all<{ kind: string; version_id: string; check_value: string }>(
      "SELECT kind, version_id, check_value FROM keyring_checks",
    );
    return rows.map((r) => ({
      kind: r.kind as KeyringCheck["kind"],
      id: String(r.version_id),
      check: String(r.check_value),
    }));
  }

  /** Records check values of keyring versions not recorded yet (a recorded one is never replaced). */
  async addChecks(entries: KeyringCheck[]): Promise<void> {
    if (entries.length === 0) return;
    await this.driver.tx(async (d) => {
      for (const e of entries) {
        await d.run(
          "INSERT INTO keyring_checks (kind, version_id, check_value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          [e.kind, e.id, e.check],
        );
      }
    });
  }

  /**
   * The keyring versions stored material depends on: master keys of Advanced secrets and the
   * peppers of Standard hash chains, with one Advanced secret per master key to try decrypting.
   */
  async versionsInUse(): Promise<{
    masterKeys: Map<string, { id: number; secretEnc: string }>;
    peppers: Set<string>;
  }> {
    const adv = await this.driver.all<{ master_key_id: string; id: number | string }>(
      "SELECT master_key_id, MIN(id) AS id FROM api_keys WHERE secret_enc IS NOT NULL AND master_key_id IS NOT NULL GROUP BY master_key_id",
    );
    const masterKeys = new Map<string, { id: number; secretEnc: string }>();
    for (const r of adv) {
      const row = await this.driver.get<KeyRow>("SELECT secret_enc FROM api_keys WHERE id = ?", [
        Number(r.id),
      ]);
      if (row?.secret_enc)
        masterKeys.set(String(r.master_key_id), {
          id: Number(r.id),
          secretEnc: String(row.secret_enc),
        });
    }
    const chains = await this.driver.all<{ pepper_chain: string }>(
      "SELECT DISTINCT pepper_chain FROM api_keys WHERE pepper_chain IS NOT NULL",
    );
    const peppers = new Set<string>();
    for (const r of chains) for (const id of String(r.pepper_chain).split(",")) peppers.add(id);
    return { masterKeys, peppers };
  }
}
