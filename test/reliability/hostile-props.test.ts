/**
 * Hostile input, property-based (fast-check): for every route of the contract's route table
 * (`ROUTES`), arbitrary requests as an Instance Administrator — bodies generated from the
 * route's own request schema with random parts broken (wrong types, missing or unknown fields,
 * out-of-range numbers, odd Unicode), arbitrary JSON in `request_data`, arbitrary JSON or text
 * as the whole body, odd content types, fuzzed path parameters and query strings — must never
 * get a 5xx, and every refusal must be a 4xx in the route family's envelope
 * (`{reply:{err_code,err_msg,err_extra}}` for /public_api, `{data:{err_msg,metadata:{err_code,
 * err_extra}}}` for /platform) with `err_code` equal to the status. Replies are checked against
 * the contract (`validateReplies`), so a reply that breaks it is a 500 and fails too.
 *
 * The calls go in process (`app.inject`) for speed. The fuzzer may delete, revoke or demote any
 * key, the admin's included: after each run the admin is checked in the store and re-made there
 * when it no longer holds Instance Administrator.
 *
 * KEYPLANE_FUZZ_RUNS sets the runs per route (default 200); KEYPLANE_FUZZ_SEED replays a seed.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { ROUTES, type RouteDef } from "../../sdk/contract";
import type { Credential, TestServer } from "../helpers/server";
import { Gen, vocabulary, type JS } from "./arbitraries";
import { expectFixed, tolerate, tolerated } from "./known-bugs";
import { registry } from "./registry";
import {
  Api,
  expectStatus,
  GENERATE,
  NO_RATE_LIMIT,
  relDir,
  startHarness,
  stillInstanceAdmin,
  storeAdmin,
} from "./support";

const RUNS = Number(process.env.KEYPLANE_FUZZ_RUNS ?? 200);
const SEED = process.env.KEYPLANE_FUZZ_SEED ? Number(process.env.KEYPLANE_FUZZ_SEED) : undefined;

/** Fastify's router refusing a URL before our handlers see it (known bug `framework-errors`). */
function frameworkError(status: number, body: JS): boolean {
  return (
    (status === 400 && body?.code === "FST_ERR_BAD_URL") ||
    (status === 414 && body?.code === "FST_ERR_MAX_PARAM_LENGTH")
  );
}

interface Case {
  path: string;
  query: string;
  headers: Record<string, string>;
  payload: string | undefined;
  kind: string;
}

describe("hostile input: fast-check properties over every route", function () {
  this.timeout(300_000);
  let t: TestServer;
  let admin: Credential;
  const fixtures: Record<string, string[]> = {};
  let checks = 0;
  const statuses = new Map<number, number>();
  const accepted = new Map<string, number>();

  before(async () => {
    t = await startHarness("fuzz", {
      dir: relDir("fuzz"),
      options: { rateLimit: NO_RATE_LIMIT, validateReplies: true, schedulerMs: 0 },
    });
    admin = t.admin;
  });

  /** A call in process as the admin; the parsed body of a 2xx, or undefined. */
  async function adminCall(
    method: string,
    url: string,
    requestData?: unknown,
  ): Promise<JS | undefined> {
    const res = await t.running.app.inject({
      method: method as "GET",
      url,
      headers: {
        "x-xdr-auth-id": String(admin.id),
        authorization: admin.key,
        ...(requestData !== undefined ? { "content-type": "application/json" } : {}),
      },
      payload:
        requestData === undefined ? undefined : JSON.stringify({ request_data: requestData }),
    });
    return res.statusCode < 300 ? JSON.parse(res.body) : undefined;
  }

  /**
   * Objects for the path parameters (and the vocabulary) to hit, as well as ones that do not
   * exist: made before each route, again whenever the previous route's fuzzing removed them.
   */
  beforeEach(async () => {
    await keepAdmin();
    await adminCall("PUT", "/platform/iam/v1/settings", {
      sbac_enabled: false,
      max_key_lifetime_ms: null,
      default_key_lifetime_ms: null,
      replay_window_ms: 300_000,
      key_expiration_required: false,
      key_comment_required: false,
      key_advanced_roles: [],
    });
    const exists = async (url: string) => (await adminCall("GET", url)) !== undefined;
    if (!fixtures.key?.length || !(await exists(`/platform/iam/v1/api-key/${fixtures.key[0]}`))) {
      const r = await adminCall("POST", GENERATE, {
        roles: ["Viewer"],
        security_level: "advanced",
        expiration: Date.now() + 12 * 3_600_000,
        comment: "fuzz fixture",
      });
      registry.minted(r!.reply.id, r!.reply.key, "fuzz fixture key");
      fixtures.key = [String(r!.reply.id)];
    }
    if (
      !fixtures.role_id?.length ||
      !(await exists(`/platform/iam/v1/role/${fixtures.role_id[0]}`))
    ) {
      const r = await adminCall("POST", "/platform/iam/v1/role", {
        pretty_name: `Fuzz Role ${Date.now()}`,
        components: { cases_issues: "view" },
      });
      fixtures.role_id = [r!.data.role_id, "viewer", "instance_administrator"];
    }
    if (!(await exists("/platform/iam/v1/user/fuzz@example.com"))) {
      await adminCall("POST", "/platform/iam/v1/user", {
        user_email: "fuzz@example.com",
        user_first_name: "F",
        user_last_name: "Z",
      });
    }
    fixtures.email = ["fuzz@example.com"];
    if (
      !fixtures.group_id?.length ||
      !(await exists(`/platform/iam/v1/user-group/${fixtures.group_id[0]}`))
    ) {
      const r = await adminCall("POST", "/platform/iam/v1/user-group", {
        group_name: `fuzz group ${Date.now()}`,
        users: ["fuzz@example.com"],
      });
      fixtures.group_id = [r!.data.group_id];
    }
    if (
      !fixtures.binding_id?.length ||
      !(await exists(`/platform/iam/v1/role-binding/${fixtures.binding_id[0]}`))
    ) {
      const r = await adminCall("POST", "/platform/iam/v1/role-binding", {
        principal_type: "user",
        principal_id: "fuzz@example.com",
        role: "Viewer",
      });
      fixtures.binding_id = r ? [r.data.binding_id] : [];
    }
    if (
      !fixtures.scope_id?.length ||
      !(await exists(`/platform/iam/v1/scope-definition/${fixtures.scope_id[0]}`))
    ) {
      const r = await adminCall("POST", "/platform/iam/v1/scope-definition", {
        name: `fuzz scope ${Date.now()}`,
        areas: { assets: { mode: "see_all" } },
      });
      fixtures.scope_id = [r!.data.scope_id];
    }
    const notices =
      (await adminCall("GET", "/platform/notifications/v1/notifications?search_to=5"))?.data ?? [];
    if (!notices.length) notices.push(...(await t.running.app.services.scheduler.tick()));
    fixtures.notification = notices.map((n: { id: number }) => String(n.id));
    fixtures.id = [...fixtures.key!, ...fixtures.notification!];
    fixtures.entity_type = ["api-key", "user", "user-group"];
    fixtures.entity_id = [fixtures.key![0]!, "fuzz@example.com", fixtures.group_id![0]!];
  });

  after(async () => {
    if (checks) {
      console.log(
        `      ${checks} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
      );
      const never = routes.filter((r) => !accepted.has(r.id)).map((r) => r.id);
      console.log(
        `      accepted (2xx) per route: ${JSON.stringify(Object.fromEntries(accepted))}${never.length ? `; never accepted: ${never.join(", ")}` : ""}`,
      );
    }
    await t?.close();
  });

  /** Re-makes the admin in the store when the fuzzer deleted, revoked or demoted it. */
  async function keepAdmin(): Promise<void> {
    const k = await t.running.store.getKey(admin.id);
    if (!stillInstanceAdmin(k, Date.now() + 60_000))
      admin = await storeAdmin(t, "fuzz replacement admin");
  }

  const routes = ROUTES as readonly RouteDef[];
  const schemas = routes
    .filter((r) => r.request)
    .map((r) => z.toJSONSchema(r.request!, { io: "input", unrepresentable: "any" }) as JS);

  for (const route of routes) {
    it(`${route.method} ${route.path} (${route.id})`, async () => {
      const words = vocabulary(schemas);
      words.strings.push(
        ...Object.values(fixtures).flat(),
        "Viewer",
        "Instance Administrator",
        "Security Admin",
        "Key Verifier",
        "standard",
        "advanced",
      );
      const roleNames = [
        "Viewer",
        "Investigator",
        "Security Admin",
        "Key Verifier",
        "Privileged Responder",
        ...(fixtures.role_id ?? []),
      ];
      const soon = Date.now() + 3_600_000;
      const gen = new Gen(words, {
        roles: fc.uniqueArray(fc.constantFrom(...roleNames), { minLength: 1, maxLength: 3 }),
        role: fc.constantFrom(...roleNames),
        role_id: fc.constantFrom(...(fixtures.role_id ?? ["viewer"])),
        role_name: fc.constantFrom(...roleNames),
        role_names: fc.uniqueArray(fc.constantFrom(...roleNames), { minLength: 1, maxLength: 2 }),
        security_level: fc.constantFrom("standard", "advanced", "STANDARD"),
        expiration: fc.oneof(
          fc.integer({ min: soon, max: soon + 400 * 86_400_000 }),
          fc.constant(null),
        ),
        principal_type: fc.constantFrom("user", "user-group", "api-key"),
        principal_id: fc.constantFrom(
          "fuzz@example.com",
          ...(fixtures.group_id ?? []),
          ...(fixtures.key ?? []),
        ),
        scope_definition_id: fc.constantFrom(...(fixtures.scope_id ?? ["scope-none"])),
        id: fc.constantFrom(...(fixtures.key ?? ["1"]).map(Number)),
        value: fc.array(fc.constantFrom(...(fixtures.key ?? ["1"]).map(Number)), {
          minLength: 1,
          maxLength: 2,
        }),
        users: fc.constant(["fuzz@example.com"]),
        user_emails: fc.constant(["fuzz@example.com"]),
        user_email: fc.oneof(fc.constant("fuzz@example.com"), fc.emailAddress()),
        group_names: fc.constant(["fuzz group"]),
      });
      const paramArb = (name: string): fc.Arbitrary<string> =>
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom(...(fixtures[name]?.length ? fixtures[name]! : ["1"])),
          },
          { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              "0",
              "-1",
              "1e3",
              "9".repeat(20),
              "..",
              "%00",
              "%E0%A4%A",
              "null",
              "api-key",
              "a".repeat(300),
            ),
          },
          { weight: 1, arbitrary: fc.integer({ min: -5, max: 2 ** 31 }).map(String) },
        );
      const names = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
      const pathArb = fc.tuple(...names.map(paramArb)).map((vals) => {
        let i = 0;
        return route.path.replace(/:([A-Za-z_]+)/g, () => {
          const v = vals[i++]!;
          // Mostly encoded; sometimes raw, so the router sees odd characters too.
          return /^[\x21-\x7e]*$/.test(v) &&
            !v.includes("/") &&
            !v.includes("?") &&
            !v.includes("#")
            ? v
            : encodeURIComponent(v);
        });
      });
      const queryArb =
        route.method === "GET"
          ? fc.oneof(
              { weight: 2, arbitrary: fc.constant("") },
              {
                weight: 3,
                arbitrary: fc
                  .dictionary(
                    fc.constantFrom(
                      "search_from",
                      "search_to",
                      "unread",
                      "key_id",
                      "principal_type",
                      "principal_id",
                      "role_id",
                      "x",
                    ),
                    fc.oneof(
                      fc.integer({ min: -10, max: 2000 }).map(String),
                      fc.string({ maxLength: 10 }),
                      fc.constantFrom("true", "false", "1e400", "api-key"),
                    ),
                    { maxKeys: 4 },
                  )
                  .map((q) =>
                    Object.keys(q).length ? `?${new URLSearchParams(q).toString()}` : "",
                  ),
              },
            )
          : fc.constant("");
      const requestData = route.request
        ? gen.any(z.toJSONSchema(route.request, { io: "input", unrepresentable: "any" }) as JS)
        : fc.constant({});
      const payloadArb: fc.Arbitrary<{ kind: string; payload: string | undefined }> = fc.oneof(
        {
          weight: 8,
          arbitrary: requestData.map((rd) => ({
            kind: "schema",
            payload: JSON.stringify({ request_data: rd }),
          })),
        },
        {
          weight: 1,
          arbitrary: fc.jsonValue({ maxDepth: 3 }).map((rd) => ({
            kind: "json request_data",
            payload: JSON.stringify({ request_data: rd }),
          })),
        },
        {
          weight: 1,
          arbitrary: fc
            .jsonValue({ maxDepth: 3 })
            .map((v) => ({ kind: "json body", payload: JSON.stringify(v) })),
        },
        {
          weight: 1,
          arbitrary: fc
            .string({ unit: "binary", maxLength: 40 })
            .map((s) => ({ kind: "text body", payload: s })),
        },
        {
          weight: route.method === "GET" || route.method === "DELETE" ? 4 : 1,
          arbitrary: fc.constant({ kind: "no body", payload: undefined }),
        },
      );
      const typeArb = fc.constantFrom(
        "application/json",
        "application/json",
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "",
      );
      const caseArb: fc.Arbitrary<Case> = fc
        .tuple(pathArb, queryArb, payloadArb, typeArb)
        .map(([p, q, b, ct]): Case => ({
          path: p,
          query: q,
          payload: b.payload,
          kind: b.kind,
          headers: b.payload === undefined || ct === "" ? {} : { "content-type": ct },
        }));

      const family = route.family;
      await fc.assert(
        fc
          .asyncProperty(caseArb, async (c) => {
            const headers = {
              "x-xdr-auth-id": String(admin.id),
              authorization: admin.key,
              ...c.headers,
            };
            const res = await t.running.app.inject({
              method: route.method,
              url: c.path + c.query,
              headers,
              payload: c.payload,
            });
            checks++;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            const what = `${route.method} ${c.path}${c.query} [${c.kind}, ${c.headers["content-type"] ?? "no type"}] ${String(c.payload).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            if (res.statusCode >= 500) {
              const err = t.logs.filter((l) => l.includes('"internal error"')).slice(-1)[0] ?? "";
              throw new Error(`5xx: ${what}\nserver log: ${err.slice(0, 800)}`);
            }
            if (res.statusCode >= 400) {
              let body: JS;
              try {
                body = JSON.parse(res.body);
              } catch {
                throw new Error(`a refusal that is not JSON: ${what}`);
              }
              if (frameworkError(res.statusCode, body)) return tolerate("framework-errors", what);
              // The envelope follows the URL's family (the not-found handler decides by prefix too).
              if (family === "public") {
                assert.ok(
                  body.reply && typeof body.reply === "object",
                  `public_api envelope expected: ${what}`,
                );
                assert.equal(body.reply.err_code, res.statusCode, `err_code: ${what}`);
                assert.equal(typeof body.reply.err_msg, "string", what);
                assert.ok("err_extra" in body.reply, what);
              } else {
                assert.ok(
                  body.data && typeof body.data === "object" && body.data.metadata,
                  `platform envelope expected: ${what}`,
                );
                assert.equal(body.data.metadata.err_code, res.statusCode, `err_code: ${what}`);
                assert.equal(typeof body.data.err_msg, "string", what);
                assert.ok("err_extra" in body.data.metadata, what);
              }
            } else {
              assert.ok(
                res.statusCode >= 200 && res.statusCode < 300,
                `unexpected status: ${what}`,
              );
              accepted.set(route.id, (accepted.get(route.id) ?? 0) + 1);
              if (route.id === "apiKeys.generate") {
                const r = JSON.parse(res.body).reply;
                registry.minted(r.id, r.key, "fuzz generate");
              }
            }
          })
          .afterEach(keepAdmin),
        { numRuns: RUNS, seed: SEED, endOnFailure: true, interruptAfterTimeLimit: 60_000 },
      );
      const health = await t.running.app.inject({
        method: "GET",
        url: "/public_api/v1/healthcheck",
      });
      assert.equal(health.statusCode, 200, "the server still serves");
    });
  }

  it("refuses a malformed %-escape and an over-long path parameter in the family's envelope", async function () {
    await expectFixed(this, "framework-errors", async () => {
      for (const url of [
        "/platform/iam/v1/role/%E0%A4%A",
        `/platform/iam/v1/role/${"a".repeat(101)}`,
        "/platform/iam/v1/api-key/%zz",
      ]) {
        const res = await t.running.app.inject({
          method: "GET",
          url,
          headers: { "x-xdr-auth-id": String(admin.id), authorization: admin.key },
        });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
        const body = JSON.parse(res.body);
        assert.equal(
          body?.data?.metadata?.err_code,
          res.statusCode,
          `${url}: ${res.statusCode} ${res.body}`,
        );
      }
    });
  });

  it("keeps serving after the whole run, over HTTP", async () => {
    const known = tolerated();
    if (Object.keys(known).length)
      console.warn(`      tolerated known bugs: ${JSON.stringify(known)}`);
    await keepAdmin();
    const api = new Api(t.url, 2);
    try {
      expectStatus(await api.call("GET", "/public_api/v1/healthcheck"), 200, "health");
      expectStatus(
        await api.call("POST", "/public_api/v1/api_keys/validate", {
          body: { request_data: {} },
          as: admin,
        }),
        200,
        "the admin authenticates",
      );
    } finally {
      await api.close();
    }
  });
});
