/**
 * What the provider sends the server per resource, counted in the server's request log: a create
 * is generate (+ verify), the generate reply carrying the new row; concurrent key reads and
 * deletes are coalesced (provider/coalesce.ts, provider/keyBatches.ts), each caller getting its
 * own outcome; a lone call goes out at once, as the single-item request it always was.
 */
import * as assert from "node:assert/strict";
import * as net from "node:net";
import type { ProviderApi } from "../../../provider/api";
import { coalesce } from "../../../provider/coalesce";
import { keyBatches } from "../../../provider/keyBatches";
import { apiKeyProvider, type ApiKeyState } from "../../../provider/resources/apiKey";
import { ConflictError, KeyplaneClient, KeyplaneConnectError, NotFoundError } from "../../../sdk";
import { DAY, useHarness, type Harness } from "./harness";

describe("provider calls to the server", function () {
  this.timeout(60_000);
  let h: Harness;
  useHarness((x) => (h = x));

  /** The requests the server logged while `f` ran, as "METHOD route". */
  async function requests<T>(f: () => Promise<T>): Promise<{ value: T; sent: string[] }> {
    const from = h.t.logs.length;
    const value = await f();
    // The request line is written once the reply is sent: give the last one a moment.
    await new Promise((r) => setTimeout(r, 20));
    const sent = h.t.logs
      .slice(from)
      .map((l) => {
        try {
          return JSON.parse(l) as { msg?: string; method?: string; route?: string };
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === "request")
      .map((l) => `${l.method} ${l.route}`);
    return { value, sent };
  }
  const GET = "GET /platform/iam/v1/api-key/:id";
  const LIST = "POST /public_api/v1/api_keys/get_api_keys";
  const DELETE = "POST /public_api/v1/api_keys/delete";
  const GENERATE = "POST /public_api/v1/api_keys/generate";
  const VERIFY = "POST /public_api/v1/auth/verify";
  const EDIT = "PUT /platform/iam/v1/api-key/:id";

  /** What `get` answers for a key: its row, or null for a 404. */
  const getOrNull = (id: number) =>
    h.client.apiKeys.get(id).catch((e: unknown) => {
      if (e instanceof NotFoundError) return null;
      throw e;
    });

  describe("create", () => {
    it("is generate and verify, the generate reply carrying the row a get would read", async () => {
      const c = await h.keys.check!({}, { roles: ["Viewer"], comment: "calls", expiresIn: "9d" });
      const { value: r, sent } = await requests(() => h.keys.create(c.inputs));
      assert.deepEqual(sent, [GENERATE, VERIFY]);
      const s = r.outs as ApiKeyState;
      const live = (await h.client.apiKeys.get(s.keyId))!;
      assert.equal(s.createdAt, new Date(live.creation_time).toISOString());
      assert.equal(s.createdBy, live.created_by);
      assert.equal(s.expiresAtMs, live.expiration);
      assert.deepEqual(s.roles, live.roles);
      assert.equal(s.comment, "calls");
      assert.equal(s.status, "active");
    });

    it("is generate alone without verifyAfterCreate", async () => {
      const c = await h.keys.check!({}, { roles: ["Viewer"], verifyAfterCreate: false });
      const { value: r, sent } = await requests(() => h.keys.create(c.inputs));
      assert.deepEqual(sent, [GENERATE]);
      assert.deepEqual((r.outs as ApiKeyState).roles, ["Viewer"]);
    });

    it("reads the key back from a server whose generate reply has no row", async () => {
      const old: ProviderApi = {
        ...h.api,
        generateKey: async (r) => {
          const { id, key } = await h.api.generateKey(r);
          return { id, key };
        },
      };
      const p = apiKeyProvider({ ...h.deps, api: () => old });
      for (const verifyAfterCreate of [true, false]) {
        const c = await p.check!({}, { roles: ["Viewer"], comment: "old", verifyAfterCreate });
        const { value: r, sent } = await requests(() => p.create(c.inputs));
        assert.deepEqual(sent, verifyAfterCreate ? [GENERATE, VERIFY, GET] : [GENERATE, GET]);
        const s = r.outs as ApiKeyState;
        assert.equal(
          s.createdAt,
          new Date((await h.client.apiKeys.get(s.keyId)).creation_time).toISOString(),
        );
      }
    });

    it("generate's row is what get answers; a replayed generate carries none", async () => {
      const input = { roles: ["Viewer"], securityLevel: "standard" as const, comment: "row" };
      const first = await h.client.apiKeys.generate({ ...input, idempotencyKey: "calls-row-1" });
      assert.ok(first.record, "the reply carries the row");
      assert.deepEqual(first.record, await h.client.apiKeys.get(first.id));
      assert.ok(!JSON.stringify(first.record).includes(first.key), "never the key itself");
      const again = await h.client.apiKeys.generate({ ...input, idempotencyKey: "calls-row-1" });
      assert.equal(again.replayed, true);
      assert.equal(again.id, first.id);
      assert.equal(again.record, undefined);
    });
  });

  describe("update", () => {
    it("is the edit alone, its reply carrying the row; a scope change reads the key after it", async () => {
      const c = await h.keys.check!({}, { roles: ["Viewer"], comment: "before" });
      const made = await h.keys.create(c.inputs);
      const news = (await h.keys.check!(c.inputs, { roles: ["Viewer"], comment: "after" })).inputs;
      const { value: u, sent } = await requests(() => h.keys.update!(made.id, made.outs, news));
      assert.deepEqual(sent, [EDIT]);
      assert.equal((u.outs as ApiKeyState).comment, "after");
      const live = (await h.client.apiKeys.get(Number(made.id)))!;
      assert.equal((u.outs as ApiKeyState).comment, live.comment);

      const scoped = (
        await h.keys.check!(news, {
          roles: ["Viewer"],
          comment: "scoped",
          scope: { endpoints: { endpoint_groups: { mode: "scope", names: ["g1"] } } },
        })
      ).inputs;
      const again = await requests(() => h.keys.update!(made.id, u.outs, scoped));
      assert.deepEqual(again.sent.slice(0, 1), [EDIT]);
      assert.ok(again.sent.includes(GET), "the row is read after the scope change");
      assert.equal((again.value.outs as ApiKeyState).hasScope, true);
    });
  });

  describe("getKey, coalesced", () => {
    it("sends a lone call as it always was: one GET", async () => {
      const k = await h.t.createKey();
      const { value, sent } = await requests(() => h.api.getKey(k.id));
      assert.deepEqual(sent, [GET]);
      assert.deepEqual(value, await getOrNull(k.id));
      assert.equal((await requests(() => h.api.getKey(987_654_321))).value, null);
    });

    it("answers concurrent calls with one list by ids, each caller its own row or null", async () => {
      const made = [];
      for (let i = 0; i < 6; i++)
        made.push(
          await h.t.createKey({ comment: `batch ${i}`, expiration: h.t.clock.now() + DAY }),
        );
      const ids = made.map((k) => k.id);
      await h.client.apiKeys.revoke(ids[1]);
      await h.client.apiKeys.delete(ids[2]);
      h.t.fake!.advance(2 * DAY); // all six now expired, one of them revoked, one gone
      try {
        // Out of id order, a duplicate, a key that never existed.
        const asked = [ids[5], ids[0], ids[2], 987_654_321, ids[1], ids[5], ids[3], ids[4]];
        const { value, sent } = await requests(() => Promise.all(asked.map(h.api.getKey)));
        assert.deepEqual(sent, [GET, LIST], "the first goes alone, the rest in one list");
        const expected = await Promise.all(asked.map(getOrNull));
        assert.deepEqual(value, expected);
        assert.equal(value[2], null);
        assert.equal(value[3], null);
        assert.equal(value[4]!.status, "revoked");
        assert.equal(value[0]!.status, "expired");
        assert.equal(value[0]!.comment, "batch 5");
      } finally {
        h.t.fake!.advance(-2 * DAY);
      }
    });

    it("splits a burst into batches of at most `max`, in arrival order", async () => {
      const batches: number[][] = [];
      const get = coalesce<number, string>({
        one: async (k) => {
          batches.push([k]);
          return `v${k}`;
        },
        many: async (ks) => {
          batches.push(ks);
          await new Promise((r) => setTimeout(r, 5));
          return new Map(ks.map((k) => [k, `v${k}`]));
        },
        max: 2,
        batchable: (k) => k > 0,
        retryAlone: () => false,
      });
      const asked = [1, 2, 3, -4, 5, 6];
      assert.deepEqual(
        await Promise.all(asked.map(get)),
        asked.map((k) => `v${k}`),
      );
      assert.deepEqual(batches, [[1], [-4], [2, 3], [5, 6]]);
    });

    it("fails every waiting caller with the batch's own error when the server is unreachable", async () => {
      const port = await freePort();
      const c = new KeyplaneClient({
        endpoint: `http://127.0.0.1:${port}`,
        apiKeyId: h.t.admin.id,
        apiKey: h.t.admin.key,
        retries: 0,
      });
      try {
        const b = keyBatches(c);
        const outcomes = await Promise.allSettled([1, 2, 3, 4].map(b.getKey));
        for (const o of outcomes) {
          assert.equal(o.status, "rejected");
          assert.ok((o as PromiseRejectedResult).reason instanceof KeyplaneConnectError);
        }
      } finally {
        await c.close();
      }
    });

    it("is shared by every provider over the same client (the dynamic provider makes one per call)", () => {
      assert.equal(keyBatches(h.client), keyBatches(h.client));
    });
  });

  describe("deleteKey, coalesced", () => {
    it("deletes concurrent keys with one delete after the first, a key already gone included", async () => {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await h.t.createKey()).id);
      await h.client.apiKeys.delete(ids[3]);
      const asked = [ids[0], ids[1], ids[2], ids[3], ids[4], ids[2]];
      const { sent } = await requests(() => Promise.all(asked.map(h.api.deleteKey)));
      assert.deepEqual(sent, [DELETE, DELETE]);
      for (const id of ids) assert.equal(await getOrNull(id), null, `key ${id} is gone`);
    });

    it("tries each member alone when the batch is refused, so only the refused one fails", async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await h.t.createKey()).id);
      // Deleting the harness's only administrator is refused (409): alone, and so in a batch.
      const asked = [ids[0], ids[1], h.t.admin.id, ids[2]];
      const { value, sent } = await requests(() => Promise.allSettled(asked.map(h.api.deleteKey)));
      assert.deepEqual(
        value.map((o) => o.status),
        ["fulfilled", "fulfilled", "rejected", "fulfilled"],
      );
      assert.ok((value[2] as PromiseRejectedResult).reason instanceof ConflictError);
      assert.match(String((value[2] as PromiseRejectedResult).reason), /administrator/);
      // The first alone, the refused batch, then each of its three alone.
      assert.deepEqual(sent, [DELETE, DELETE, DELETE, DELETE, DELETE]);
      for (const id of ids) assert.equal(await getOrNull(id), null);
      assert.ok(await getOrNull(h.t.admin.id), "the administrator stays");
    });
  });
});

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
