/**
 * The change counter: every write that can change who may do what bumps it inside its own
 * transaction, and replicas poll it to drop their caches.
 */
import type { Driver } from "./driver";

/** Moves the counter on; call it with the transaction handle of the write it belongs to. */
export async function bump(d: Driver): Promise<void> {
  await d.run("UPDATE revision SET n = n + 1 WHERE id = 1");
}

export async function readRevision(d: Driver): Promise<number> {
  const r = await d.get<{ n: number | string }>("SELECT n FROM revision WHERE id = 1");
  return Number(r?.n ?? 0);
}
