/**
 * What every suite of the harness needs on the wire, in one place: Advanced signing with a chosen
 * nonce and timestamp (for replay and window cases), and polling for a condition that another
 * process or replica makes true.
 */
import { advancedSignature, randomAlnum } from "../../sdk/contract";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Advanced headers with a chosen timestamp string and nonce (defaults: now and fresh). */
export function signed(
  cred: { id: number; key: string },
  timestamp: string | number = Date.now(),
  nonce = randomAlnum(64),
): Record<string, string> {
  const ts = String(timestamp);
  return {
    "x-xdr-auth-id": String(cred.id),
    authorization: advancedSignature(cred.key, nonce, ts),
    "x-xdr-nonce": nonce,
    "x-xdr-timestamp": ts,
  };
}

/** Polls `check` every `everyMs` until it returns true or `withinMs` passes; returns the elapsed ms. */
export async function pollUntil(
  check: () => Promise<boolean>,
  withinMs: number,
  everyMs = 20,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > withinMs) throw new Error(`condition not met within ${withinMs} ms`);
    await sleep(everyMs);
  }
}
