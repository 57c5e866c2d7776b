/** Tenant settings: one JSON value per name; names not stored read as their defaults. */
import { DEFAULT_SETTINGS, type Settings } from "../../sdk/contract/settings";
import type { Driver } from "./driver";
import { bump } from "./revision";

interface SettingRow {
  k: string;
  v: string;
}

export class SettingsStore {
  constructor(private readonly driver: Driver) {}

  async get(): Promise<Settings> {
    const rows = await this.driver.all<SettingRow>("SELECT k, v FROM settings");
    const s: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of rows)
      if (String(r.k) in DEFAULT_SETTINGS) s[String(r.k)] = JSON.parse(String(r.v));
    return s as Settings;
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    await this.driver.tx(async (d) => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        await d.run(
          "INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
          [k, JSON.stringify(v)],
        );
      }
      await bump(d);
    });
    return this.get();
  }
}
