/**
 * The keyring: master keys (AES-256-GCM, for Advanced key material and idempotent replies) and
 * peppers (HMAC-SHA-256, for Standard key hashes). It lives outside the database: in a file
 * (mode 0600, generated on first start when missing) or in the `KEYPLANE_KEYRING` environment
 * variable. Several versions of each can coexist, which is what rotation uses: new material is
 * written with the active version, old material stays readable until it is rewrapped
 * (`keyplane keyring rotate`).
 *
 * Standard hashes are chained: a key hashed under pepper p1 and later rewrapped under p2 is
 * stored as HMAC(p2, HMAC(p1, key)) with chain "p1,p2". Rotating the pepper therefore never
 * needs the keys themselves, which the server does not have.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

const B64Key = z
  .string()
  .refine((s) => Buffer.from(s, "base64").length === 32, "must be 32 bytes, base64-encoded");
const IdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export const KeyringFile = z.object({
  format: z.literal("keyplane-keyring/1"),
  active_master_key: z.string().regex(IdPattern),
  active_pepper: z.string().regex(IdPattern),
  master_keys: z.record(z.string().regex(IdPattern), B64Key),
  peppers: z.record(z.string().regex(IdPattern), B64Key),
});
export type KeyringFile = z.infer<typeof KeyringFile>;

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

export class Keyring {
  private masters = new Map<string, Buffer>();
  private peppers = new Map<string, Buffer>();

  constructor(private data: KeyringFile) {
    this.load(data);
  }

  private load(data: KeyringFile): void {
    if (!data.master_keys[data.active_master_key])
      throw new KeyringError(`active_master_key '${data.active_master_key}' is not in master_keys`);
    if (!data.peppers[data.active_pepper])
      throw new KeyringError(`active_pepper '${data.active_pepper}' is not in peppers`);
    const masters = new Map<string, Buffer>();
    const peppers = new Map<string, Buffer>();
    for (const [id, k] of Object.entries(data.master_keys))
      masters.set(id, Buffer.from(k, "base64"));
    for (const [id, k] of Object.entries(data.peppers)) peppers.set(id, Buffer.from(k, "base64"));
    this.data = data;
    this.masters = masters;
    this.peppers = peppers;
  }

  /**
   * Takes over another keyring's contents in place (a running server reloading its keyring file
   * during a rotation): everything holding this object sees the new versions at once.
   */
  adopt(other: Keyring): void {
    this.load(other.data);
  }

  /** A new keyring with one master key and one pepper. */
  static generate(now = new Date()): Keyring {
    const stamp = now.toISOString().slice(0, 10).replace(/-/g, "");
    return new Keyring({
      format: "keyplane-keyring/1",
      active_master_key: `mk-${stamp}`,
      active_pepper: `pp-${stamp}`,
      master_keys: { [`mk-${stamp}`]: randomBytes(32).toString("base64") },
      peppers: { [`pp-${stamp}`]: randomBytes(32).toString("base64") },
    });
  }

  static parse(text: string, source: string): Keyring {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KeyringError(`${source} is not JSON`);
    }
    const r = KeyringFile.safeParse(json);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new KeyringError(`${source}: ${i.path.join(".") || "(root)"}: ${i.message}`);
    }
    return new Keyring(r.data);
  }

  /**
   * Loads the keyring: `KEYPLANE_KEYRING` (JSON) wins; otherwise the file, generated with mode
   * 0600 when it does not exist. Refuses a file that others can read.
   */
  static load(
    file: string,
    env: NodeJS.ProcessEnv = process.env,
    o: { create?: boolean } = {},
  ): { keyring: Keyring; created: boolean; source: string } {
    if (env.KEYPLANE_KEYRING)
      return {
        keyring: Keyring.parse(env.KEYPLANE_KEYRING, "KEYPLANE_KEYRING"),
        created: false,
        source: "KEYPLANE_KEYRING",
      };
    const abs = path.resolve(file);
    if (!fs.existsSync(abs)) {
      // A new keyring suits only a database that holds nothing encrypted or hashed under an old one.
      if (o.create === false)
        throw new KeyringError(
          `${abs} does not exist, and a new keyring would not open the keys already stored; restore the keyring file`,
        );
      const k = Keyring.generate();
      fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
      try {
        fs.writeFileSync(abs, k.serialize(), { mode: 0o600, flag: "wx" });
        return { keyring: k, created: true, source: abs };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        // Another replica wrote it first: use theirs.
      }
    }
    const st = fs.statSync(abs);
    if ((st.mode & 0o077) !== 0) {
      throw new KeyringError(
        `${abs} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    }
    return {
      keyring: Keyring.parse(fs.readFileSync(abs, "utf8"), abs),
      created: false,
      source: abs,
    };
  }

  /**
   * One check value per version: HMAC-SHA-256 of a fixed label under that version's material.
   * Stored in the database, it tells whether a keyring is the one the stored keys were made
   * with, without revealing the material.
   */
  checkValues(): Array<{ kind: "master_key" | "pepper"; id: string; check: string }> {
    const mac = (k: Buffer) =>
      createHmac("sha256", k).update("keyplane keyring check/1", "utf8").digest("hex");
    return [
      ...[...this.masters].map(([id, k]) => ({ kind: "master_key" as const, id, check: mac(k) })),
      ...[...this.peppers].map(([id, k]) => ({ kind: "pepper" as const, id, check: mac(k) })),
    ];
  }

  serialize(): string {
    return `${JSON.stringify(this.data, null, 2)}\n`;
  }

  /** Writes the keyring to `file` atomically with mode 0600. */
  save(file: string): void {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, this.serialize(), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }

  get activeMasterKeyId(): string {
    return this.data.active_master_key;
  }
  get activePepperId(): string {
    return this.data.active_pepper;
  }
  get masterKeyIds(): string[] {
    return [...this.masters.keys()];
  }
  get pepperIds(): string[] {
    return [...this.peppers.keys()];
  }

  /** Adds a new master key and makes it active (old ones stay, to decrypt until rewrapped). */
  withNewMasterKey(id: string): Keyring {
    if (this.masters.has(id)) throw new KeyringError(`master key '${id}' exists`);
    return new Keyring({
      ...this.data,
      active_master_key: id,
      master_keys: { ...this.data.master_keys, [id]: randomBytes(32).toString("base64") },
    });
  }

  /** Adds a new pepper and makes it active. */
  withNewPepper(id: string): Keyring {
    if (this.peppers.has(id)) throw new KeyringError(`pepper '${id}' exists`);
    return new Keyring({
      ...this.data,
      active_pepper: id,
      peppers: { ...this.data.peppers, [id]: randomBytes(32).toString("base64") },
    });
  }

  /** Drops versions no stored material uses any more. */
  without(masterIds: string[], pepperIds: string[]): Keyring {
    const mk = { ...this.data.master_keys };
    const pp = { ...this.data.peppers };
    for (const id of masterIds) if (id !== this.data.active_master_key) delete mk[id];
    for (const id of pepperIds) if (id !== this.data.active_pepper) delete pp[id];
    return new Keyring({ ...this.data, master_keys: mk, peppers: pp });
  }

  // ------------------------------------------------------------ Standard keys

  private pepper(id: string): Buffer {
    const p = this.peppers.get(id);
    if (!p) throw new KeyringError(`pepper '${id}' is not in the keyring`);
    return p;
  }

  /** HMAC of a key under the active pepper: `{hash, chain}` to store. */
  hashKey(key: string): { hash: string; chain: string } {
    const id = this.data.active_pepper;
    return {
      hash: createHmac("sha256", this.pepper(id)).update(key, "utf8").digest("hex"),
      chain: id,
    };
  }

  /** Recomputes the chained hash of a presented key. */
  chainHash(key: string, chain: string): Buffer {
    let h: Buffer | undefined;
    for (const id of chain.split(",")) {
      const m = createHmac("sha256", this.pepper(id));
      if (h === undefined) m.update(key, "utf8");
      else m.update(h.toString("hex"), "utf8");
      h = m.digest();
    }
    if (!h) throw new KeyringError("empty pepper chain");
    return h;
  }

  /** Constant-time check of a presented Standard key against its stored hash. */
  verifyKey(key: string, storedHex: string, chain: string): boolean {
    const stored = Buffer.from(storedHex, "hex");
    const got = this.chainHash(key, chain);
    return stored.length === got.length && timingSafeEqual(stored, got);
  }

  /** Wraps a stored hash under the active pepper (rotation); returns the new hash and chain. */
  rewrapHash(storedHex: string, chain: string): { hash: string; chain: string } {
    const id = this.data.active_pepper;
    if (chain.split(",").at(-1) === id) return { hash: storedHex, chain };
    const h = createHmac("sha256", this.pepper(id)).update(storedHex, "utf8").digest("hex");
    return { hash: h, chain: `${chain},${id}` };
  }

  // ------------------------------------------------------------ encryption

  private master(id: string): Buffer {
    const k = this.masters.get(id);
    if (!k) throw new KeyringError(`master key '${id}' is not in the keyring`);
    return k;
  }

  /** AES-256-GCM under the active master key: `{enc, keyId}`; enc is base64(iv | ciphertext | tag). */
  encrypt(plain: string | Buffer, aad = "keyplane"): { enc: string; keyId: string } {
    const keyId = this.data.active_master_key;
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.master(keyId), iv);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([
      c.update(typeof plain === "string" ? Buffer.from(plain, "utf8") : plain),
      c.final(),
    ]);
    return { enc: Buffer.concat([iv, ct, c.getAuthTag()]).toString("base64"), keyId };
  }

  decrypt(enc: string, keyId: string, aad = "keyplane"): Buffer {
    const raw = Buffer.from(enc, "base64");
    if (raw.length < 28) throw new KeyringError("ciphertext too short");
    const d = createDecipheriv("aes-256-gcm", this.master(keyId), raw.subarray(0, 12));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
  }

  /** `keyId:enc` in one string (for values stored without a key-id column). */
  seal(plain: string, aad: string): string {
    const { enc, keyId } = this.encrypt(plain, aad);
    return `${keyId}:${enc}`;
  }

  open(sealed: string, aad: string): string {
    const i = sealed.indexOf(":");
    return this.decrypt(sealed.slice(i + 1), sealed.slice(0, i), aad).toString("utf8");
  }
}
