/**
 * Sealed delivery: an ApiKey with `sealTo` is encrypted to its consumers' age recipients inside
 * the provider, right after generate, and only the ciphertext (`sealedKey`, ASCII-armored age
 * v1) reaches the engine. The plaintext never leaves the provider process, so neither the state
 * (not even Pulumi-encrypted) nor the engine's logs hold it. The consumer opens it with its
 * identity: `keyplane unseal --identity FILE < sealed`, or any age tool (`age -d -i FILE`).
 *
 * age itself is `age-encryption` (typage, by age's author): an ES module, loaded here through
 * Node's require(esm) (Node >= 20.19). The file key and ephemeral shares come from its CSPRNG.
 * It is loaded on first use: most keys are not sealed, and every provider plugin process would
 * otherwise pay for loading it (and its curves) at start.
 */
import type * as Age from "age-encryption";
import { z } from "zod";

let loaded: typeof Age | undefined;
function age(): typeof Age {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  loaded ??= require("age-encryption") as typeof Age;
  return loaded;
}

/** What `key` holds for a sealed key: a note, never the value. */
export const SEALED_KEY_VALUE =
  "(sealed: the key is in sealedKey, encrypted to the sealTo recipients; open it with `keyplane unseal`)";

/** Whether age accepts a recipient string (bech32 `age1…`, checksum included). */
export function recipientError(r: string): string | undefined {
  if (!/^age1[0-9a-z]+$/.test(r))
    return `'${r.slice(0, 24)}${r.length > 24 ? "…" : ""}' is not an age recipient (age1…)`;
  try {
    new (age().Encrypter)().addRecipient(r);
    return undefined;
  } catch (e) {
    return `'${r.slice(0, 24)}…' is not a valid age recipient (${(e as Error).message})`;
  }
}

/** The `sealTo` input: one recipient or a list of them. */
export const SealTo = z
  .preprocess(
    (v) => (typeof v === "string" ? [v] : v),
    z
      .array(z.string().trim(), { error: "must be an age recipient (age1…) or a list of them" })
      .min(1, "must name at least one recipient"),
  )
  .superRefine((list, ctx) => {
    list.forEach((r, i) => {
      const why = recipientError(r);
      if (why) ctx.addIssue({ code: "custom", path: [i], message: why });
    });
  });

/** Encrypts the key to every recipient; returns the armored age file. */
export async function sealKey(key: string, recipients: string[]): Promise<string> {
  const e = new (age().Encrypter)();
  for (const r of recipients) e.addRecipient(r);
  return age().armor.encode(await e.encrypt(key));
}

/** Opens an armored (or binary) age file with one or more identities (`AGE-SECRET-KEY-1…`). */
export async function unsealKey(
  sealed: string | Uint8Array,
  identities: string[],
): Promise<string> {
  const d = new (age().Decrypter)();
  for (const i of identities) d.addIdentity(i);
  const text = typeof sealed === "string" ? sealed : Buffer.from(sealed).toString("latin1");
  const bytes = text.trimStart().startsWith("-----BEGIN AGE ENCRYPTED FILE-----")
    ? age().armor.decode(text)
    : typeof sealed === "string"
      ? Buffer.from(sealed, "latin1")
      : sealed;
  return d.decrypt(bytes, "text");
}

/** Reads identities from an age identity file: one `AGE-SECRET-KEY-1…` a line, `#` comments. */
export function identitiesFrom(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
