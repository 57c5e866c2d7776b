/**
 * Palo Alto's XSOAR integrations (demisto/content) cannot be installed from a registry, so these
 * tests send what they send, in our own words, read from their public source:
 * - CoreIRApiModule.py (commit 005a84db4b7cd41def1da78478cb2e5077b6f4bd): the CoreClient calls
 *   `/rbac/get_users/`, `/rbac/get_user_group/`, `/rbac/get_roles/`, `/rbac/set_user_role/`
 *   under `<url>/public_api/v1`, and the commands that read their replies (list users, list user
 *   groups and roles with the "…was not found" error enrichment, change user role with
 *   `int(update_count)`);
 * - CortexCoreIR.py (commit 8de0f4532f1bfff76bd1f21a18e90a8712fcb7a6): `main()` builds the
 *   Advanced headers once (nonce, seconds×1000 timestamp, signature) and the client reuses them
 *   for every call of the command run;
 * - CortexXDRIR.py "prevent only" mode, as issue 13 describes it: the raw Standard key in
 *   `Authorization` beside an `x-xdr-nonce` and an `x-xdr-timestamp`.
 * Every reply must validate against docs/openapi.json.
 */
import * as assert from "node:assert/strict";
import { createHash, randomInt } from "node:crypto";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { assertDocumented } from "./support";

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const nonce64 = () => Array.from({ length: 64 }, () => ALNUM[randomInt(ALNUM.length)]).join("");

/** CortexCoreIR main(): one set of Advanced headers for the whole run. */
function runHeaders(cred: Credential): Record<string, string> {
  const nonce = nonce64();
  const timestamp = String(Math.floor(Date.now() / 1000) * 1000);
  return {
    "x-xdr-timestamp": timestamp,
    "x-xdr-nonce": nonce,
    "x-xdr-auth-id": String(cred.id),
    Authorization: createHash("sha256")
      .update(cred.key + nonce + timestamp)
      .digest("hex"),
  };
}

/** CortexXDRIR "prevent only": the raw key, with a nonce and a timestamp beside it. */
function preventOnlyHeaders(cred: Credential): Record<string, string> {
  return {
    "x-xdr-timestamp": String(Date.now()),
    "x-xdr-nonce": nonce64(),
    "x-xdr-auth-id": String(cred.id),
    Authorization: cred.key,
  };
}

/** BaseClient._http_request: POST json_data to base_url + url_suffix; a non-2xx raises with the body in the text. */
class XsoarError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`Error in API call [${status}] - ${JSON.stringify(body)}`);
  }
}

describe("conformance: the XSOAR integrations' calls (demisto/content, by their source)", function () {
  this.timeout(120_000);
  let t: TestServer;
  let base: string;
  before(async () => {
    t = await startTestServer();
    base = `${t.url}/public_api/v1`;
    for (const [email, first] of [
      ["xsoar-a@example.com", "Ann"],
      ["xsoar-b@example.com", null],
    ] as const) {
      assert.equal(
        (
          await t.call("POST", "/platform/iam/v1/user", {
            request_data: { user_email: email, user_first_name: first },
          })
        ).status,
        201,
      );
    }
    assert.equal(
      (
        await t.call("POST", "/platform/iam/v1/user-group", {
          request_data: {
            group_name: "SOC",
            description: "analysts",
            users: ["xsoar-a@example.com"],
          },
        })
      ).status,
      201,
    );
  });
  after(() => t?.close());

  async function post(
    headers: Record<string, string>,
    suffix: string,
    json: unknown,
  ): Promise<any> {
    const res = await fetch(`${base}${suffix}`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify(json),
    });
    const body = await res.json();
    assertDocumented("POST", `/public_api/v1${suffix}`, res.status, body);
    if (res.status < 200 || res.status >= 300) throw new XsoarError(res.status, body);
    return body;
  }

  /** enrich_error_message_id_group_role's search, on the error's text. */
  const notFoundName = (e: XsoarError) =>
    /(id|Group|Role) \\?'([/A-Za-z 0-9_]+)\\?'/.exec(e.message);

  describe("prevent-only headers (a Standard key with a nonce and a timestamp)", () => {
    let std: Credential;
    before(async () => {
      std = await t.createKey({ level: "standard", roles: ["Instance Administrator"] });
    });

    it("list users works, with strings for names never given", async () => {
      const users = (await post(preventOnlyHeaders(std), "/rbac/get_users/", { request_data: {} }))
        .reply as any[];
      const b = users.find((u) => u.user_email === "xsoar-b@example.com");
      // list_users_command's table, and a key-management script's `.lower()`.
      assert.equal(b.user_first_name.toLowerCase(), "");
      assert.ok(Array.isArray(b.groups));
    });

    it("the same headers twice still work: a Standard key's nonce headers are ignored", async () => {
      const h = preventOnlyHeaders(std);
      await post(h, "/rbac/get_users/", { request_data: {} });
      await post(h, "/rbac/get_users/", { request_data: {} });
    });

    it("a wrong key with the same headers is refused", async () => {
      await assert.rejects(
        post(
          preventOnlyHeaders({
            ...std,
            key: std.key.slice(0, -1) + (std.key.endsWith("a") ? "b" : "a"),
          }),
          "/rbac/get_users/",
          { request_data: {} },
        ),
        (e: XsoarError) => e.status === 401,
      );
    });

    it("list user groups: users flattened per group; an unknown name fails with a message the enrichment can read", async () => {
      const groups = (
        await post(preventOnlyHeaders(std), "/rbac/get_user_group/", {
          request_data: { group_names: ["SOC"] },
        })
      ).reply as any[];
      const rows = groups.flatMap((g) =>
        (g.user_email as string[]).map((u) => ({
          "User email": u,
          "Group Name": g.group_name,
          "Group Description": g.description,
        })),
      );
      assert.deepEqual(rows, [
        {
          "User email": "xsoar-a@example.com",
          "Group Name": "SOC",
          "Group Description": "analysts",
        },
      ]);
      const err = await post(preventOnlyHeaders(std), "/rbac/get_user_group/", {
        request_data: { group_names: ["SOC", "Ghosts"] },
      }).then(
        () => assert.fail("an unknown group name must fail"),
        (e: XsoarError) => e,
      );
      // 400 here (the reference's 500): the integration then shows the error text itself, which names the group.
      assert.equal(err.status, 400);
      assert.ok(err.message.includes("was not found"));
      assert.deepEqual(notFoundName(err)?.slice(1), ["Group", "Ghosts"]);
    });

    it("list roles: one inner list per name; an unknown role fails the same way", async () => {
      const outputs = (
        await post(preventOnlyHeaders(std), "/rbac/get_roles/", {
          request_data: { role_names: ["Viewer", "Investigator"] },
        })
      ).reply as any[][];
      const table = outputs.filter((r) => r.length === 1).map((r) => r[0].pretty_name);
      assert.deepEqual(table, ["Viewer", "Investigator"]);
      const err = await post(preventOnlyHeaders(std), "/rbac/get_roles/", {
        request_data: { role_names: ["Nope Role"] },
      }).then(
        () => assert.fail("an unknown role name must fail"),
        (e: XsoarError) => e,
      );
      assert.deepEqual(notFoundName(err)?.slice(1), ["Role", "Nope Role"]);
    });

    it("change user role: update_count parses with int()", async () => {
      const r = (
        await post(preventOnlyHeaders(std), "/rbac/set_user_role/", {
          request_data: { user_emails: ["xsoar-b@example.com"], role_name: "Viewer" },
        })
      ).reply;
      assert.equal(Number.parseInt(r.update_count, 10), 1);
      assert.equal(typeof r.update_count, "string");
    });
  });

  describe("headers built once per run (CortexCoreIR main) with an Advanced key", () => {
    let adv: Credential;
    before(async () => {
      adv = await t.createKey({ level: "advanced", roles: ["Instance Administrator"] });
    });
    afterEach(async () => {
      assert.equal(
        (
          await t.call("PUT", "/platform/iam/v1/settings", {
            request_data: { nonce_reuse_window_ms: 0 },
          })
        ).status,
        200,
      );
    });

    it("by default, the run's second call is refused as a replay", async () => {
      const h = runHeaders(adv);
      await post(h, "/rbac/get_users/", { request_data: {} });
      await assert.rejects(
        post(h, "/rbac/get_user_group/", { request_data: { group_names: ["SOC"] } }),
        (e: XsoarError) => e.status === 401,
      );
    });

    it("with nonce_reuse_window_ms set, every call of the run works, and each reuse is audited", async () => {
      assert.equal(
        (
          await t.call("PUT", "/platform/iam/v1/settings", {
            request_data: { nonce_reuse_window_ms: 120_000 },
          })
        ).status,
        200,
      );
      const h = runHeaders(adv);
      await post(h, "/rbac/get_users/", { request_data: {} });
      await post(h, "/rbac/get_user_group/", { request_data: { group_names: ["SOC"] } });
      await post(h, "/rbac/get_roles/", { request_data: { role_names: ["Viewer"] } });
      const audit = await t.call("POST", "/public_api/v1/audits/management_logs", {
        request_data: { filters: [{ field: "sub_type", operator: "in", value: ["nonce_reused"] }] },
      });
      const mine = (audit.body.reply.data as Array<{ AUDIT_OBJECT_ID: string }>).filter(
        (e) => e.AUDIT_OBJECT_ID === String(adv.id),
      );
      assert.equal(mine.length, 2, "the first use is a fresh nonce; the two repeats are audited");
    });
  });
});
