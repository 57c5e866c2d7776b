/**
 * `client.apiKeys` against the real server, on SQLite and PostgreSQL: generate (every expiration
 * spelling, idempotency, scope), list with filters, sort and both counts, iterate over several
 * pages, get, edit, delete, revoke, examples, validate.
 */
import * as assert from "node:assert/strict";
import {
  ConflictError,
  InvalidArgumentError,
  KeyplaneClient,
  NotFoundError,
  UnauthorizedError,
} from "../../sdk";
import { DB_KINDS, startTestServer, type TestServer } from "../helpers/server";
import { clientFor, faultyAgent, keyCount, rejection } from "./support";

const DAY = 86_400_000;

for (const db of DB_KINDS) {
  describe(`sdk apiKeys (${db})`, function () {
    this.timeout(60_000);
    let srv: TestServer;
    let client: KeyplaneClient;

    before(async () => {
      srv = await startTestServer({ db });
      client = clientFor(srv);
    });
    after(async () => {
      await client?.close();
      await srv?.close();
    });

    it("generates a key that works, with an automatic idempotency key", async () => {
      const g = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        comment: "sdk generate",
      });
      assert.equal(typeof g.id, "number");
      assert.match(g.key, /^[A-Za-z0-9]{32,}$/);
      assert.match(g.idempotencyKey ?? "", /^[0-9a-f-]{36}$/);
      assert.equal(g.replayed, false);
      const own = new KeyplaneClient({ endpoint: srv.url, apiKeyId: g.id, apiKey: g.key });
      try {
        assert.equal(await own.apiKeys.validate(), true);
      } finally {
        await own.close();
      }
    });

    it("accepts expiration as a Date, an ISO-8601 string, epoch ms, or digits, and null for never", async () => {
      const when = Math.floor((Date.now() + 3 * DAY) / 1000) * 1000;
      const cases: Array<{
        name: string;
        expiration: Date | string | number | null;
        expect: number | null;
      }> = [
        { name: "Date", expiration: new Date(when), expect: when },
        { name: "ISO-8601 with Z", expiration: new Date(when).toISOString(), expect: when },
        {
          name: "ISO-8601 with an offset",
          expiration: new Date(when).toISOString().replace("Z", "+00:00"),
          expect: when,
        },
        { name: "epoch ms", expiration: when, expect: when },
        { name: "epoch ms as digits", expiration: String(when), expect: when },
        { name: "null (never)", expiration: null, expect: null },
      ];
      for (const c of cases) {
        const g = await client.apiKeys.generate({
          roles: ["Viewer"],
          securityLevel: "standard",
          expiration: c.expiration,
          comment: `exp ${c.name}`,
        });
        assert.equal((await client.apiKeys.get(g.id)).expiration, c.expect, c.name);
      }
    });

    it("refuses an unreadable expiration before sending anything", async () => {
      const before = await keyCount(client);
      const e = await rejection(() =>
        client.apiKeys.generate({
          roles: ["Viewer"],
          securityLevel: "standard",
          expiration: "next tuesday",
        }),
      );
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.code, "INVALID_ARGUMENT");
      assert.equal(e.argument, "expiration");
      assert.equal(await keyCount(client), before);
    });

    it("replays a generate with the same idempotency key and refuses it with another body", async () => {
      const idem = `sdk-idem-${Date.now()}`;
      const a = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        comment: "idem",
        idempotencyKey: idem,
      });
      const b = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        comment: "idem",
        idempotencyKey: idem,
      });
      assert.equal(b.id, a.id);
      assert.equal(b.key, a.key);
      assert.equal(b.replayed, true);
      const e = await rejection(() =>
        client.apiKeys.generate({
          roles: ["Viewer"],
          securityLevel: "standard",
          comment: "other",
          idempotencyKey: idem,
        }),
      );
      assert.ok(e instanceof ConflictError);
      assert.equal(e.code, "IDEMPOTENCY_CONFLICT");
    });

    it("generates a key with a named scope or inline camelCase areas", async () => {
      const def = await client.scopes.createDefinition({
        name: `sdk-key-scope-${db}`,
        areas: { endpoints: { endpointGroups: { mode: "scope", names: ["eg-1"] } } },
      });
      const a = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        scope: { scopeDefinitionId: def.scope_id },
      });
      const sa = await client.scopes.get("api-key", a.id);
      assert.equal(sa.has_scope, true);
      assert.equal(sa.scope_definition_id, def.scope_id);
      const b = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        scope: {
          assets: { mode: "scope", assetGroupIds: [3, 1] },
          casesIssues: { mode: "scope", names: ["Health"], includeCasesIssuesEmptyEntities: true },
        },
      });
      const sb = await client.scopes.get("api-key", b.id);
      assert.deepEqual(
        sb.assets.asset_groups.map((g) => g.asset_group_id),
        [1, 3],
      );
      assert.equal(sb.cases_issues.include_cases_issues_empty_entities, true);
      assert.equal((await client.apiKeys.get(b.id)).has_scope, true);
    });

    it("lists with camelCase filters and sort, paging, and both counts", async () => {
      const tag = `list-${db}-${Date.now()}`;
      const made: number[] = [];
      for (let i = 0; i < 4; i++) {
        made.push(
          (
            await client.apiKeys.generate({
              roles: ["Viewer"],
              securityLevel: i % 2 ? "advanced" : "standard",
              comment: `${tag} ${i}`,
            })
          ).id,
        );
      }
      const all = await client.apiKeys.list({
        filters: [{ field: "comment", value: tag }],
        sort: { field: "id", order: "desc" },
      });
      assert.deepEqual(
        all.items.map((k) => k.id),
        [...made].reverse(),
      );
      assert.equal(all.filterCount, 4);
      assert.ok(
        all.totalCount >= all.filterCount + 1,
        "the total counts every key, the filter count only the matches",
      );

      const adv = await client.apiKeys.list({
        filters: [
          { field: "comment", value: tag },
          { field: "securityLevel", value: "advanced" },
        ],
      });
      assert.deepEqual(
        adv.items.map((k) => k.id),
        [made[1], made[3]],
      );

      const byId = await client.apiKeys.list({
        filters: [{ field: "id", value: [made[0]!, made[2]!] }],
      });
      assert.deepEqual(
        byId.items.map((k) => k.id),
        [made[0], made[2]],
      );

      const recent = await client.apiKeys.list({
        filters: [
          { field: "comment", value: tag },
          { field: "creationTime", operator: "gte", value: new Date(Date.now() - 60_000) },
        ],
      });
      assert.equal(recent.filterCount, 4);

      const page = await client.apiKeys.list({
        filters: [{ field: "comment", value: tag }],
        sort: { field: "creationTime" },
        searchFrom: 1,
        searchTo: 3,
      });
      assert.deepEqual(
        page.items.map((k) => k.id),
        made.slice(1, 3),
      );
      assert.equal(page.filterCount, 4);
    });

    it("iterates over several pages, one request per page", async () => {
      const tag = `iter-${db}-${Date.now()}`;
      const made: number[] = [];
      for (let i = 0; i < 7; i++)
        made.push(
          (
            await client.apiKeys.generate({
              roles: ["Viewer"],
              securityLevel: "standard",
              comment: tag,
            })
          ).id,
        );
      const f = faultyAgent();
      const c = clientFor(srv, srv.admin, { dispatcher: f.dispatcher });
      try {
        const seen: number[] = [];
        for await (const k of c.apiKeys.iterate({
          filters: [{ field: "comment", value: tag }],
          pageSize: 3,
        }))
          seen.push(k.id);
        assert.deepEqual(seen, made);
        assert.equal(f.seen.filter((r) => r.path.endsWith("/get_api_keys")).length, 3);

        const sizes: number[] = [];
        for await (const p of c.apiKeys.pages({
          filters: [{ field: "comment", value: tag }],
          pageSize: 3,
          sort: { field: "id", order: "desc" },
        })) {
          sizes.push(p.items.length);
          assert.equal(p.filterCount, 7);
        }
        assert.deepEqual(sizes, [3, 3, 1]);

        const none: number[] = [];
        for await (const k of c.apiKeys.iterate({
          filters: [{ field: "comment", value: `${tag}-nothing` }],
        }))
          none.push(k.id);
        assert.deepEqual(none, []);
      } finally {
        await c.close();
        await f.close();
      }
    });

    it("gets and edits a key: roles, comment, expiration as a Date, and null to remove it", async () => {
      const g = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        comment: "before",
        expiration: Date.now() + 5 * DAY,
      });
      const k = await client.apiKeys.get(g.id);
      assert.equal(k.id, g.id);
      assert.deepEqual(k.roles, ["Viewer"]);
      assert.equal(k.security_level, "standard");
      assert.equal(k.status, "active");
      assert.ok(!JSON.stringify(k).includes(g.key), "a read never returns the secret");

      const when = new Date(Math.floor((Date.now() + 10 * DAY) / 1000) * 1000);
      const edited = await client.apiKeys.edit(g.id, {
        roles: ["Investigator"],
        comment: "after",
        expiration: when,
      });
      assert.equal(edited.message, "API key updated successfully");
      const e = await client.apiKeys.get(g.id);
      assert.deepEqual(e.roles, ["Investigator"]);
      assert.equal(e.comment, "after");
      assert.equal(e.expiration, when.getTime());
      assert.deepEqual(
        edited.record,
        e,
        "the edit's reply carries the edited key, as get reads it",
      );

      await client.apiKeys.edit(g.id, { expiration: null, comment: null });
      const n = await client.apiKeys.get(g.id);
      assert.equal(n.expiration, null);
      assert.equal(n.comment, null);
    });

    it("revokes keys (they stay listed and stop working) and deletes them by id", async () => {
      const a = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" });
      const b = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" });
      const c = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" });
      assert.equal(await client.apiKeys.revoke(a.id), 1);
      assert.equal((await client.apiKeys.get(a.id)).status, "revoked");
      const revoked = new KeyplaneClient({
        endpoint: srv.url,
        apiKeyId: a.id,
        apiKey: a.key,
        retries: 0,
      });
      try {
        assert.ok((await rejection(() => revoked.apiKeys.validate())) instanceof UnauthorizedError);
      } finally {
        await revoked.close();
      }

      assert.equal(await client.apiKeys.delete([b.id, c.id]), 2);
      assert.equal(await client.apiKeys.delete(b.id), 0, "deleting an id that is gone counts 0");
      assert.ok((await rejection(() => client.apiKeys.get(b.id))) instanceof NotFoundError);
      await assert.rejects(() => client.apiKeys.delete([]), InvalidArgumentError);
    });

    it("returns View Examples snippets without the key", async () => {
      const g = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "advanced" });
      const ex = await client.apiKeys.examples(g.id);
      assert.equal(ex.id, g.id);
      assert.equal(ex.security_level, "advanced");
      assert.match(ex.python, /x-xdr-nonce/);
      assert.match(ex.curl, /curl/);
      assert.ok(!ex.python.includes(g.key) && !ex.curl.includes(g.key));
    });
  });
}
