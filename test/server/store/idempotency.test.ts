/**
 * The store contract, on both stores (see support.ts): Idempotency records: stored with the key
 * once per (actor, key) inside the window, replaced and purged after it.
 */
import * as assert from "node:assert/strict";
import { UniqueViolation, type Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { DAY, STD, T0, bid, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("idempotency records", () => {
      const withIdem = (k: string, hash: string, now: number) =>
        s.createKey({
          securityLevel: "standard",
          secret: () => STD,
          comment: null,
          expiration: null,
          createdAt: now,
          createdBy: "t",
          userName: "t",
          creatorKeyId: 1,
          roleIds: ["viewer"],
          bindingIds: [bid()],
          idempotency: {
            actorKeyId: 1,
            key: k,
            requestHash: hash,
            notBefore: now - DAY,
            encryptReply: (id) => `sealed-${id}`,
          },
        });

      it("stores the reply with the key, once per (actor, key) inside the window", async () => {
        const id = await withIdem("k1", "h1", T0);
        assert.deepEqual(await s.getIdempotency(1, "k1", T0 - DAY), {
          requestHash: "h1",
          replyEnc: `sealed-${id}`,
        });
        assert.equal(await s.getIdempotency(2, "k1", T0 - DAY), undefined, "per actor");
        await assert.rejects(withIdem("k1", "h2", T0 + 1), UniqueViolation);
        assert.equal(await s.countKeys(), 1, "the refused twin left no key behind");
        assert.equal(
          await s.getIdempotency(1, "k1", T0 + 1),
          undefined,
          "older than notBefore does not count",
        );
      });

      it("replaces a record older than the window, and purges old ones", async () => {
        await withIdem("k2", "h1", T0);
        const id2 = await withIdem("k2", "h2", T0 + DAY + 1);
        assert.deepEqual(await s.getIdempotency(1, "k2", T0 + 1), {
          requestHash: "h2",
          replyEnc: `sealed-${id2}`,
        });
        await withIdem("k3", "h", T0);
        assert.equal(await s.purgeIdempotency(T0 + 1), 1);
        assert.equal(await s.getIdempotency(1, "k3", 0), undefined);
      });
    });
  });
}
