/**
 * The tenant's key policy (settings `key_expiration_required`, `key_comment_required`,
 * `key_advanced_roles`, with `max_key_lifetime_ms`): enforced at generate and at every edit, for
 * every caller, over HTTP (curl), the SDK and the CLI; a refusal is a 400 naming the field and
 * the setting and creates nothing; keys that break a newly tightened policy are reported, not cut.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import { KeyplaneApiError } from "../../sdk";
import { scratchDir } from "../helpers/paths";
import { keyplaneCli, keyWorks } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { adminClient, credentialEnv, serverKeyIds } from "../helpers/stacks";
import { assertError, ok, rd } from "./support";

const DAY = 86_400_000;
const OPEN = {
  key_expiration_required: false,
  key_comment_required: false,
  key_advanced_roles: [],
  max_key_lifetime_ms: null,
  default_key_lifetime_ms: null,
};
const STRICT = {
  key_expiration_required: true,
  key_comment_required: true,
  key_advanced_roles: ["instance_administrator"],
};

describe("the tenant's key policy", function () {
  this.timeout(120_000);
  let t: TestServer;
  const generate = (x: Record<string, unknown>) =>
    t.call(
      "POST",
      "/public_api/v1/api_keys/generate",
      rd({ roles: ["Viewer"], security_level: "standard", ...x }),
    );
  const settings = (x: Record<string, unknown>) =>
    t.call("PUT", "/platform/iam/v1/settings", rd(x));

  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());
  beforeEach(async () => ok(await settings(OPEN)));

  const later = () => t.clock.now() + 30 * DAY;

  const refusals: Array<{
    name: string;
    settings: Record<string, unknown>;
    input: () => Record<string, unknown>;
    field: string;
    setting: string;
  }> = [
    {
      name: "a key without a comment",
      settings: { key_comment_required: true },
      input: () => ({ expiration: later() }),
      field: "request_data.comment",
      setting: "key_comment_required",
    },
    {
      name: "a blank comment",
      settings: { key_comment_required: true },
      input: () => ({ comment: "   ", expiration: later() }),
      field: "request_data.comment",
      setting: "key_comment_required",
    },
    {
      name: "a key that never expires",
      settings: { key_expiration_required: true },
      input: () => ({ comment: "c" }),
      field: "request_data.expiration",
      setting: "key_expiration_required",
    },
    {
      name: "an explicit null expiration",
      settings: { key_expiration_required: true },
      input: () => ({ comment: "c", expiration: null }),
      field: "request_data.expiration",
      setting: "key_expiration_required",
    },
    {
      name: "a Standard key holding a guarded role",
      settings: { key_advanced_roles: ["instance_administrator"] },
      input: () => ({ roles: ["Instance Administrator"], expiration: later() }),
      field: "request_data.security_level",
      setting: "key_advanced_roles",
    },
  ];

  for (const r of refusals) {
    it(`generate refuses ${r.name}: 400 naming ${r.field} and ${r.setting}, nothing created`, async () => {
      ok(await settings(r.settings));
      const before = await serverKeyIds(t);
      const res = assertError(
        "/public_api",
        await generate(r.input()),
        400,
        "INVALID_INPUT",
        r.field,
      );
      assert.match(JSON.stringify(res), new RegExp(r.setting));
      assert.deepEqual(await serverKeyIds(t), before);
    });
  }

  it("generate passes a key that obeys the whole policy, and a default lifetime satisfies expiration-required", async () => {
    ok(await settings(STRICT));
    ok(
      await generate({
        roles: ["Instance Administrator"],
        security_level: "advanced",
        comment: "deploys",
        expiration: later(),
      }),
    );
    ok(await settings({ default_key_lifetime_ms: 10 * DAY }));
    const from = t.clock.now();
    const id = ok(await generate({ comment: "defaulted" })).reply.id;
    const exp = ok(await t.call("GET", `/platform/iam/v1/api-key/${id}`)).data.expiration as number;
    assert.ok(exp >= from + 10 * DAY && exp <= t.clock.now() + 10 * DAY, String(exp));
  });

  it("every edit is checked, for the fields it sets", async () => {
    const id = ok(await generate({ comment: "c", expiration: later() })).reply.id;
    ok(await settings(STRICT));
    const edit = (x: Record<string, unknown>) =>
      t.call("PUT", `/platform/iam/v1/api-key/${id}`, rd(x));
    assertError(
      "/platform/iam",
      await edit({ comment: null }),
      400,
      "INVALID_INPUT",
      "request_data.comment",
    );
    assertError(
      "/platform/iam",
      await edit({ comment: "" }),
      400,
      "INVALID_INPUT",
      "key_comment_required",
    );
    assertError(
      "/platform/iam",
      await edit({ expiration: null }),
      400,
      "INVALID_INPUT",
      "request_data.expiration",
    );
    assertError(
      "/platform/iam",
      await edit({ roles: ["Instance Administrator"] }),
      400,
      "INVALID_INPUT",
      "request_data.roles",
    );
    const k = ok(await t.call("GET", `/platform/iam/v1/api-key/${id}`)).data;
    assert.deepEqual([k.comment, k.roles], ["c", ["Viewer"]], "a refused edit changes nothing");
    ok(await edit({ comment: "still here", roles: ["Investigator"] }));
  });

  it("keys that break a newly tightened policy are reported and keep working; an edit that leaves the breach alone passes", async () => {
    const a = await t.createKey({ roles: ["Instance Administrator"] });
    const b = await t.createKey({ roles: ["Viewer"], comment: "fine", expiration: later() });
    const res = ok(await settings({ ...STRICT, max_key_lifetime_ms: 90 * DAY }));
    const reported = res.metadata.keys_breaking_policy as Array<{
      id: number;
      breaches: Array<{ field: string; setting: string }>;
    }>;
    const mine = reported.find((r) => r.id === a.id);
    assert.ok(mine, JSON.stringify(reported));
    assert.deepEqual(mine.breaches.map((x) => x.setting).sort(), [
      "key_advanced_roles",
      "key_comment_required",
      "key_expiration_required",
      "max_key_lifetime_ms",
    ]);
    assert.ok(!reported.some((r) => r.id === b.id), "a compliant key is not reported");
    assert.ok(res.metadata.keys_breaking_policy_count >= 1);
    assert.ok(await keyWorks(t.url, a), "reported, not cut");
    // Its comment can be fixed although its other breaches stay (they are not what this edit sets).
    ok(await t.call("PUT", `/platform/iam/v1/api-key/${a.id}`, rd({ comment: "documented now" })));
    const audit = ok(await t.call("POST", "/public_api/v1/audits/management_logs", rd({})));
    assert.match(JSON.stringify(audit), /keys_breaking_policy_count/);
  });

  it("a key made by curl obeys it", async () => {
    // Asynchronously: the server answering curl runs in this process.
    const post = async (body: unknown) =>
      (
        await promisify(execFile)(
          "curl",
          [
            "-sS",
            "-X",
            "POST",
            `${t.url}/public_api/v1/api_keys/generate`,
            "-H",
            "content-type: application/json",
            "-H",
            `x-xdr-auth-id: ${t.admin.id}`,
            "-H",
            `authorization: ${t.admin.key}`,
            "--data-binary",
            JSON.stringify(body),
            "-w",
            "\n%{http_code}",
          ],
          { encoding: "utf8" },
        )
      ).stdout;
    {
      ok(await settings(STRICT));
      const refused = (
        await post(rd({ roles: ["Viewer"], security_level: "standard", expiration: later() }))
      )
        .trim()
        .split("\n");
      assert.equal(refused.pop(), "400");
      assert.match(
        refused.join("\n"),
        /request_data\.comment: is required: .*key_comment_required/,
      );
      const made = (
        await post(
          rd({
            roles: ["Viewer"],
            security_level: "standard",
            comment: "by curl",
            expiration: later(),
          }),
        )
      )
        .trim()
        .split("\n");
      assert.equal(made.pop(), "200", made.join("\n"));
    }
  });

  it("the SDK gets a typed 400 naming the field and the setting", async () => {
    const c = adminClient(t);
    try {
      await c.settings.update({
        keyCommentRequired: true,
        keyAdvancedRoles: ["instance_administrator"],
      });
      const e = await c.apiKeys
        .generate({ roles: ["Viewer"], securityLevel: "standard", expiration: later() })
        .then(
          () => undefined,
          (x: unknown) => x,
        );
      assert.ok(e instanceof KeyplaneApiError, String(e));
      assert.equal(e.status, 400);
      assert.match(e.message, /request_data\.comment.*key_comment_required/);
      const e2 = await c.apiKeys
        .generate({ roles: ["Instance Administrator"], securityLevel: "standard", comment: "c" })
        .catch((x: unknown) => x);
      assert.ok(e2 instanceof KeyplaneApiError);
      assert.match(
        e2.message,
        /request_data\.security_level.*must be advanced.*key_advanced_roles/,
      );
    } finally {
      await c.close();
    }
  });

  it("the CLI says the field and the setting, exits 1, and writes no key file", async () => {
    ok(await settings({ key_comment_required: true }));
    const dir = scratchDir("policy-cli");
    const out = path.join(dir, "key.json");
    const r = await keyplaneCli(["keys", "generate", "--role", "Viewer", "--output", out], {
      ...credentialEnv(t.url, t.admin),
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /request_data\.comment: is required: .*key_comment_required/);
    assert.ok(!fs.existsSync(out));
  });
});
