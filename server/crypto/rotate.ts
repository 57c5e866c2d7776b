/**
 * Rotating the master key and the pepper without losing a key.
 *
 *  1. The new versions are ADDED to the keyring file (old ones stay), atomically. Running
 *     servers reload the file within a second and can read both; new material uses the new ones.
 *  2. Every stored secret is rewrapped: Advanced keys and idempotent replies are decrypted with
 *     their version and encrypted with the new master key; Standard hashes are chained through the
 *     new pepper (HMAC(new, stored)), which needs no key value.
 *  3. With `prune`, after servers have had time to reload, stragglers are rewrapped once more and
 *     the old versions are removed from the file, only if no stored row still uses them.
 * Each step leaves a consistent state: a crash between steps loses nothing, and rerunning the
 * command finishes the job.
 */
import * as fs from "node:fs";
import { Keyring, KeyringError } from "./keyring";
import type { Store } from "../store/store";

export interface RotateOptions {
  keyringFile: string;
  store: Store;
  newMasterKey: boolean;
  newPepper: boolean;
  prune: boolean;
  /** How long to wait for running servers to reload before pruning (ms). */
  settleMs?: number;
  now?: Date;
  log?: (line: string) => void;
}

export interface RotateResult {
  masterKey: { active: string; removed: string[] };
  pepper: { active: string; removed: string[] };
  rewrapped: { standard: number; advanced: number; replies: number };
}

function versionId(prefix: string, existing: string[], now: Date): string {
  const base = `${prefix}-${now.toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
  let id = base;
  for (let i = 2; existing.includes(id); i++) id = `${base}-${i}`;
  return id;
}

/** Rewraps every stored secret under the keyring's active versions; returns what it changed. */
async function rewrapAll(store: Store, keyring: Keyring): Promise<RotateResult["rewrapped"]> {
  const counts = { standard: 0, advanced: 0, replies: 0 };
  const changes = [];
  for (const k of await store.allKeySecrets()) {
    if (
      k.securityLevel === "standard" &&
      k.secretHash &&
      k.pepperChain &&
      !k.pepperChain.endsWith(keyring.activePepperId)
    ) {
      const h = keyring.rewrapHash(k.secretHash, k.pepperChain);
      changes.push({
        id: k.id,
        secretHash: h.hash,
        pepperChain: h.chain,
        secretEnc: null,
        masterKeyId: null,
      });
      counts.standard++;
    } else if (
      k.securityLevel === "advanced" &&
      k.secretEnc &&
      k.masterKeyId &&
      k.masterKeyId !== keyring.activeMasterKeyId
    ) {
      const plain = keyring.decrypt(k.secretEnc, k.masterKeyId, `api-key:${k.id}`);
      const e = keyring.encrypt(plain, `api-key:${k.id}`);
      plain.fill(0);
      changes.push({
        id: k.id,
        secretHash: null,
        pepperChain: null,
        secretEnc: e.enc,
        masterKeyId: e.keyId,
      });
      counts.advanced++;
    }
  }
  if (changes.length) await store.replaceKeySecrets(changes);
  const replies = [];
  for (const r of await store.allIdempotencyReplies()) {
    if (!r.replyEnc || r.replyEnc.startsWith(`${keyring.activeMasterKeyId}:`)) continue;
    const aad = `idempotency:${r.actorKeyId}:${r.key}`;
    replies.push({ ...r, replyEnc: keyring.seal(keyring.open(r.replyEnc, aad), aad) });
  }
  if (replies.length) await store.replaceIdempotencyReplies(replies);
  counts.replies = replies.length;
  return counts;
}

/** The versions stored rows still use. */
async function versionsInUse(
  store: Store,
): Promise<{ masters: Set<string>; peppers: Set<string> }> {
  const masters = new Set<string>();
  const peppers = new Set<string>();
  for (const k of await store.allKeySecrets()) {
    if (k.masterKeyId) masters.add(k.masterKeyId);
    for (const p of k.pepperChain?.split(",") ?? []) peppers.add(p);
  }
  for (const r of await store.allIdempotencyReplies())
    if (r.replyEnc) masters.add(r.replyEnc.slice(0, r.replyEnc.indexOf(":")));
  return { masters, peppers };
}

export async function rotateKeyring(o: RotateOptions): Promise<RotateResult> {
  const log = o.log ?? (() => undefined);
  const now = o.now ?? new Date();
  if (!fs.existsSync(o.keyringFile)) throw new KeyringError(`${o.keyringFile} does not exist`);
  let keyring = Keyring.load(o.keyringFile, {}).keyring;
  const oldMasters = keyring.masterKeyIds.filter(
    (id) => id !== keyring.activeMasterKeyId || o.newMasterKey,
  );
  const oldPeppers = keyring.pepperIds.filter((id) => id !== keyring.activePepperId || o.newPepper);
  if (o.newMasterKey)
    keyring = keyring.withNewMasterKey(versionId("mk", keyring.masterKeyIds, now));
  if (o.newPepper) keyring = keyring.withNewPepper(versionId("pp", keyring.pepperIds, now));
  if (o.newMasterKey || o.newPepper) {
    keyring.save(o.keyringFile);
    log(
      `added ${o.newMasterKey ? `master key ${keyring.activeMasterKeyId}` : ""}${o.newMasterKey && o.newPepper ? " and " : ""}${o.newPepper ? `pepper ${keyring.activePepperId}` : ""} to ${o.keyringFile}`,
    );
  }
  const rewrapped = await rewrapAll(o.store, keyring);
  log(
    `rewrapped ${rewrapped.standard} Standard hash(es), ${rewrapped.advanced} Advanced key(s), ${rewrapped.replies} idempotent repl(ies)`,
  );
  const removed = { masters: [] as string[], peppers: [] as string[] };
  if (o.prune) {
    const settle = o.settleMs ?? 3000;
    if (settle > 0) {
      log(`waiting ${settle} ms for running servers to reload the keyring before pruning`);
      await new Promise((r) => setTimeout(r, settle));
    }
    // Material written by a server that had not reloaded yet.
    const again = await rewrapAll(o.store, keyring);
    if (again.standard + again.advanced + again.replies)
      log(`rewrapped ${again.standard + again.advanced + again.replies} more written meanwhile`);
    const used = await versionsInUse(o.store);
    removed.masters = oldMasters.filter(
      (id) => id !== keyring.activeMasterKeyId && !used.masters.has(id),
    );
    // A pepper stays in a hash's chain for good (it was applied first): only unused ones can go.
    removed.peppers = oldPeppers.filter(
      (id) => id !== keyring.activePepperId && !used.peppers.has(id),
    );
    keyring = keyring.without(removed.masters, removed.peppers);
    keyring.save(o.keyringFile);
    log(
      `removed master key(s) [${removed.masters.join(", ")}] and pepper(s) [${removed.peppers.join(", ")}] from ${o.keyringFile}`,
    );
  }
  return {
    masterKey: { active: keyring.activeMasterKeyId, removed: removed.masters },
    pepper: { active: keyring.activePepperId, removed: removed.peppers },
    rewrapped,
  };
}
