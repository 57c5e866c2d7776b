/**
 * Is this keyring the one the stored keys were made with? A wrong or regenerated keyring used to
 * start (or be reloaded) in silence: then Standard keys got 401 and Advanced keys 500. The check
 * runs at start and before every reload, and refuses loudly, keeping the old keyring in use:
 *
 * - every version the stored keys depend on (master keys of Advanced secrets, peppers of Standard
 *   hash chains) must be in the keyring;
 * - every version whose check value the database records must match it (the same date-stamped
 *   ids with new material, as a regenerated keyring has, do not);
 * - one Advanced secret per master key must decrypt (databases from before check values).
 *
 * Versions that pass and are not recorded yet are recorded (a rotation adds versions).
 */
import type { Store } from "../store/store";
import { KeyringError, type Keyring } from "./keyring";

export async function checkKeyring(store: Store, keyring: Keyring, source: string): Promise<void> {
  const recorded = new Map(
    (await store.keyringChecks()).map((c) => [`${c.kind}:${c.id}`, c.check]),
  );
  const mine = keyring.checkValues();
  const problems: string[] = [];
  for (const c of mine) {
    const want = recorded.get(`${c.kind}:${c.id}`);
    if (want !== undefined && want !== c.check)
      problems.push(
        `${c.kind === "pepper" ? "pepper" : "master key"} '${c.id}' is not the one the database was used with`,
      );
  }
  const inUse = await store.keyringVersionsInUse();
  for (const id of inUse.peppers)
    if (!keyring.pepperIds.includes(id))
      problems.push(`pepper '${id}', which stored Standard keys are hashed with, is missing`);
  for (const [id, sample] of inUse.masterKeys) {
    if (!keyring.masterKeyIds.includes(id)) {
      problems.push(
        `master key '${id}', which stored Advanced keys are encrypted with, is missing`,
      );
      continue;
    }
    try {
      keyring.decrypt(sample.secretEnc, id, `api-key:${sample.id}`);
    } catch {
      problems.push(`master key '${id}' does not decrypt the stored Advanced key ${sample.id}`);
    }
  }
  if (problems.length)
    throw new KeyringError(
      `the keyring ${source} does not match this database: ${problems.join("; ")}`,
    );
  await store.addKeyringChecks(mine.filter((c) => !recorded.has(`${c.kind}:${c.id}`)));
}
