/**
 * Generate retried only under an idempotency key: a lost reply yields exactly one key, on SQLite
 * and PostgreSQL, for Standard and Advanced callers.
 */
import * as assert from "node:assert/strict";
import { ConflictError, KeyplaneClient, KeyplaneConnectError } from "../../sdk";
import { DB_KINDS, startTestServer, type TestServer } from "../helpers/server";
import { clientFor, faultyAgent, GENERATE, keyCount, rejection } from "./support";

describe("sdk transport", function () {
  this.timeout(60_000);

  for (const db of DB_KINDS) {
    describe(`generate whose reply is lost (${db})`, () => {
      let s: TestServer;
      let a: KeyplaneClient;
      before(async () => {
        s = await startTestServer({ db });
        a = clientFor(s);
      });
      after(async () => {
        await a?.close();
        await s?.close();
      });

      for (const level of ["standard", "advanced"] as const) {
        it(`is retried under the automatic idempotency key and yields exactly one key (${level} caller)`, async () => {
          const cred =
            level === "standard"
              ? s.admin
              : await s.createKey({ roles: ["Security Admin"], level: "advanced" });
          const before = await keyCount(a);
          const f = faultyAgent(
            (r) => r.path === GENERATE && f.seen.filter((x) => x.path === GENERATE).length === 1,
          );
          const c = clientFor(s, cred, { dispatcher: f.dispatcher });
          try {
            const g = await c.apiKeys.generate({
              roles: ["Viewer"],
              securityLevel: "standard",
              comment: `lost reply ${level}`,
            });
            assert.equal(g.replayed, true, "the server answered the retry from the first request");
            assert.equal(await keyCount(a), before + 1, "exactly one key was minted");
            const sent = f.seen.filter((r) => r.path === GENERATE);
            assert.equal(sent.length, 2);
            assert.equal(sent[0]!.headers["idempotency-key"], g.idempotencyKey);
            assert.equal(sent[1]!.headers["idempotency-key"], g.idempotencyKey);
            if (level === "advanced") {
              assert.notEqual(
                sent[0]!.headers["x-xdr-nonce"],
                sent[1]!.headers["x-xdr-nonce"],
                "each attempt is signed afresh",
              );
              assert.notEqual(sent[0]!.headers.authorization, sent[1]!.headers.authorization);
            }
            const own = new KeyplaneClient({ endpoint: s.url, apiKeyId: g.id, apiKey: g.key });
            assert.equal(await own.apiKeys.validate(), true, "the replayed key is the one minted");
            await own.close();
          } finally {
            await c.close();
            await f.close();
          }
        });
      }

      const creates: Array<{
        name: string;
        path: string;
        make: (c: KeyplaneClient, n: string) => Promise<unknown>;
        count: (c: KeyplaneClient, n: string) => Promise<number>;
      }> = [
        {
          name: "roles.create",
          path: "/platform/iam/v1/role",
          make: (c, n) => c.roles.create({ name: n, components: { audit: "view" } }),
          count: async (c, n) =>
            (await c.roles.list()).items.filter((r) => r.pretty_name === n).length,
        },
        {
          name: "scopeDefinitions.create",
          path: "/platform/iam/v1/scope-definition",
          make: (c, n) =>
            c.scopes.createDefinition({ name: n, areas: { assets: { mode: "see_all" } } }),
          count: async (c, n) =>
            (await c.scopes.listDefinitions()).items.filter((d) => d.name === n).length,
        },
        {
          name: "groups.create",
          path: "/platform/iam/v1/user-group",
          make: (c, n) => c.groups.create({ name: n }),
          count: async (c, n) =>
            (await c.groups.list()).items.filter((g) => g.group_name === n).length,
        },
        {
          name: "users.create",
          path: "/platform/iam/v1/user",
          make: (c, n) =>
            c.users.create({ email: `${n.toLowerCase().replace(/\W/g, "")}@example.com` }),
          count: async (c, n) =>
            (await c.users.list()).items.filter(
              (u) => u.user_email === `${n.toLowerCase().replace(/\W/g, "")}@example.com`,
            ).length,
        },
      ];
      for (const cr of creates) {
        it(`retries ${cr.name} whose reply was lost under its automatic idempotency key: one object, the first reply`, async () => {
          const name = `lost ${cr.name} ${db}`;
          const f = faultyAgent(
            (r) =>
              r.path === cr.path &&
              r.method === "POST" &&
              f.seen.filter((x) => x.path === cr.path && x.method === "POST").length === 1,
          );
          const c = clientFor(s, s.admin, { dispatcher: f.dispatcher });
          try {
            await cr.make(c, name);
            const sent = f.seen.filter((r) => r.path === cr.path && r.method === "POST");
            assert.equal(sent.length, 2, "retried once");
            assert.ok(
              sent[0]!.headers["idempotency-key"] &&
                sent[0]!.headers["idempotency-key"] === sent[1]!.headers["idempotency-key"],
            );
            assert.equal(await cr.count(a, name), 1, "exactly one was made");
          } finally {
            await c.close();
            await f.close();
          }
        });
      }

      it("keeps a caller's idempotency key across the retry", async () => {
        const before = await keyCount(a);
        const f = faultyAgent(
          (r) => r.path === GENERATE && f.seen.filter((x) => x.path === GENERATE).length === 1,
        );
        const c = clientFor(s, s.admin, { dispatcher: f.dispatcher });
        try {
          const g = await c.apiKeys.generate({
            roles: ["Viewer"],
            securityLevel: "standard",
            idempotencyKey: `mine-${db}`,
          });
          assert.equal(g.idempotencyKey, `mine-${db}`);
          assert.deepEqual(
            f.seen.filter((r) => r.path === GENERATE).map((r) => r.headers["idempotency-key"]),
            [`mine-${db}`, `mine-${db}`],
          );
          assert.equal(await keyCount(a), before + 1);
          const e = await rejection(() =>
            c.apiKeys.generate({
              roles: ["Investigator"],
              securityLevel: "standard",
              idempotencyKey: `mine-${db}`,
            }),
          );
          assert.ok(e instanceof ConflictError);
        } finally {
          await c.close();
          await f.close();
        }
      });

      it("is not retried without an idempotency key: the caller sees the error, the server kept one key", async () => {
        const before = await keyCount(a);
        const f = faultyAgent((r) => r.path === GENERATE);
        const c = clientFor(s, s.admin, { dispatcher: f.dispatcher });
        try {
          const e = await rejection(() =>
            c.apiKeys.generate({
              roles: ["Viewer"],
              securityLevel: "standard",
              idempotencyKey: null,
            }),
          );
          assert.ok(e instanceof KeyplaneConnectError, `${e.name}: ${e.message}`);
          assert.equal(e.code, "CONNECT");
          assert.equal(e.attempts, 1);
          assert.equal(f.seen.filter((r) => r.path === GENERATE).length, 1);
          assert.equal(f.seen[0]!.headers["idempotency-key"], undefined);
          assert.equal(await keyCount(a), before + 1);
        } finally {
          await c.close();
          await f.close();
        }
      });
    });
  }
});
