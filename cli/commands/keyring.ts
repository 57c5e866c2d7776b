/** `keyplane keyring rotate`: new master key and/or pepper, every stored secret rewrapped, nothing lost. */
import { parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane keyring rotate --db URL [--master-key-file PATH] [--master-key] [--pepper] [--prune] [--settle-ms N]

Rotates the keyring (the master key that encrypts Advanced keys and idempotent replies, and the
pepper that Standard key hashes are keyed with) without losing any key:
  1. the new version(s) are added to the keyring file; running servers reload it within a second;
  2. every stored secret is rewrapped under them (Standard hashes are chained through the new
     pepper, which needs no key value);
  3. with --prune, after --settle-ms (default 3000), old versions no stored row uses are removed.
Rerunning it after a crash finishes the job. With neither --master-key nor --pepper it only
rewraps (and prunes).

  --db URL               the server's database: sqlite:PATH or postgres://...
  --master-key-file PATH the keyring file (default ./.keyplane/master.key, or $KEYPLANE_MASTER_KEY_FILE)
  --master-key           add a new master key and make it active
  --pepper               add a new pepper and make it active
  --prune                remove versions that nothing uses any more`;

export const keyringCommand: Command = {
  name: "keyring",
  summary: "rotate the master key and the pepper without losing keys",
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === "--help" || sub === "-h") {
      console.log(usage);
      return sub ? 0 : 2;
    }
    if (sub !== "rotate") throw new UsageError(`unknown subcommand 'keyring ${sub}'`);
    const { values } = parse(rest, {
      db: { type: "string" },
      "master-key-file": { type: "string" },
      "master-key": { type: "boolean" },
      pepper: { type: "boolean" },
      prune: { type: "boolean" },
      "settle-ms": { type: "string" },
    });
    if (values.help) return (console.log(usage), 0);
    if (!values.db) throw new UsageError("--db is required (the database the servers use)");
    const settle = values["settle-ms"] === undefined ? 3000 : Number(values["settle-ms"]);
    if (!Number.isInteger(settle) || settle < 0)
      throw new UsageError(`--settle-ms: '${values["settle-ms"]}' is not a number of milliseconds`);
    const { openStore, resolveDbUrl, DEFAULT_KEYRING_FILE } = await import("../../server/start");
    const { rotateKeyring } = await import("../../server/crypto/rotate");
    const store = await openStore(resolveDbUrl(values.db));
    try {
      const r = await rotateKeyring({
        keyringFile:
          values["master-key-file"] ?? process.env.KEYPLANE_MASTER_KEY_FILE ?? DEFAULT_KEYRING_FILE,
        store,
        newMasterKey: !!values["master-key"],
        newPepper: !!values.pepper,
        prune: !!values.prune,
        settleMs: settle,
        log: (l) => console.error(`keyring: ${l}`),
      });
      console.log(JSON.stringify(r));
      return 0;
    } finally {
      await store.close();
    }
  },
};
