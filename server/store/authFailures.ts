/**
 * Failed authentications per subject, counted in fixed windows that all replicas share (the
 * lockout after repeated failures).
 */
import type { Driver } from "./driver";

export class AuthFailureStore {
  constructor(private readonly driver: Driver) {}

  /**
   * Adds one failed authentication of `subject` (all replicas count together). A window starts at
   * a subject's first failure and lasts `windowMs`; a failure after it starts a new one. Returns
   * the window and its count.
   */
  async count(
    subject: string,
    now: number,
    windowMs: number,
  ): Promise<{ start: number; n: number }> {
    const over = now - windowMs;
    const r = await this.driver.get<{ n: number | string; window_start: number | string }>(
      `INSERT INTO auth_failures (subject, window_start, n) VALUES (?, ?, 1)
       ON CONFLICT (subject) DO UPDATE SET
         n = CASE WHEN auth_failures.window_start <= ? THEN 1 ELSE auth_failures.n + 1 END,
         window_start = CASE WHEN auth_failures.window_start <= ? THEN excluded.window_start ELSE auth_failures.window_start END
       RETURNING n, window_start`,
      [subject, now, over, over],
    );
    return { start: Number(r!.window_start), n: Number(r!.n) };
  }

  async purge(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM auth_failures WHERE window_start < ?", [before]))
      .changes;
  }
}
