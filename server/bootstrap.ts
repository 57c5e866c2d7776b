/**
 * The first key. On an empty database the server mints one Standard key holding Instance
 * Administrator and writes `{"api_key_id", "api_key", "security_level"}` to the bootstrap file
 * (mode 0600, never overwritten, never printed or logged). With several replicas a lease makes
 * sure only one of them does it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock } from "./clock";
import type { Keyring } from "./crypto/keyring";
import { generateKeyValue, type RandomBytes } from "./crypto/keyFormat";
import type { Store } from "./store/store";

export interface BootstrapResult {
  created: boolean;
  keyId?: number;
  file: string;
}

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BootstrapError";
  }
}

export async function bootstrap(o: {
  store: Store;
  keyring: Keyring;
  clock: Clock;
  random: RandomBytes;
  file: string;
  replicaId: string;
}): Promise<BootstrapResult> {
  const file = path.resolve(o.file);
  if ((await o.store.countKeys()) > 0) return { created: false, file };
  if (!(await o.store.acquireLease("bootstrap", o.replicaId, o.clock.now(), 60_000)))
    return { created: false, file };
  try {
    if ((await o.store.countKeys()) > 0) return { created: false, file };
    if (fs.existsSync(file)) {
      throw new BootstrapError(
        `the database has no keys but the bootstrap file ${file} exists; it is never overwritten: move it away (it holds a key of another database) and start again`,
      );
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Claim the file before minting, so a failure to write it never leaves an unknown admin key.
    const fd = fs.openSync(file, "wx", 0o600);
    try {
      const key = generateKeyValue(o.random);
      const now = o.clock.now();
      const id = await o.store.createKey({
        securityLevel: "standard",
        secret: () => {
          const h = o.keyring.hashKey(key);
          return { secretHash: h.hash, pepperChain: h.chain, secretEnc: null, masterKeyId: null };
        },
        comment: "bootstrap administrator key",
        expiration: null,
        createdAt: now,
        createdBy: "bootstrap",
        userName: "bootstrap",
        creatorKeyId: null,
        roleIds: ["instance_administrator"],
        bindingIds: [`rb-bootstrap-${now}`],
      });
      fs.writeSync(
        fd,
        `${JSON.stringify({ api_key_id: id, api_key: key, security_level: "standard" })}\n`,
      );
      fs.fsyncSync(fd);
      await o.store.insertAudit({
        ts: now,
        actorKeyId: null,
        ownerName: "system",
        ownerEmail: null,
        entity: "API_KEY",
        subtype: "create",
        result: "SUCCESS",
        reason: null,
        description: `Bootstrap: generated standard API key ${id} with role Instance Administrator`,
        objectId: String(id),
        assetNames: null,
        sourceIp: null,
        userAgent: null,
        userRoles: [],
        additional: { bootstrap_file: file },
        severity: "SEV_020_LOW",
      });
      return { created: true, keyId: id, file };
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw e;
    } finally {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  } finally {
    await o.store.releaseLease("bootstrap", o.replicaId);
  }
}
