/**
 * The error classes, from real server answers in both envelopes (400 with a field path, 401, 403,
 * 404, 409, 429), and what never appears in them: the key or an Authorization value. Then reply
 * parsing: tolerance of upper- and lower-case list replies with string counts, and
 * ResponseValidationError with the path of the mismatch (fake replies through a MockAgent).
 */
import * as assert from "node:assert/strict";
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  KeyplaneApiError,
  KeyplaneClient,
  KeyplaneError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
  UnauthorizedError,
} from "../../sdk";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertNoSecrets, clientFor, faultyAgent, passThroughMock, rejection } from "./support";

const LIST_PATH = "/public_api/v1/api_keys/get_api_keys";

describe("sdk errors", function () {
  this.timeout(60_000);
  let srv: TestServer;
  let client: KeyplaneClient;

  before(async () => {
    srv = await startTestServer();
    client = clientFor(srv);
  });
  after(async () => {
    await client?.close();
    await srv?.close();
  });

  interface Row {
    name: string;
    /** Makes the failing call; returns the error and the credentials involved. */
    run: () => Promise<{ err: Error; secrets: string[]; requestIds: string[] }>;
    cls: new (...a: never[]) => KeyplaneApiError;
    status: number;
    code: string;
    check?: (e: KeyplaneApiError) => void;
  }

  /** Runs `call` on a client for `cred` whose requests are recorded, and returns what it threw. */
  async function failing(
    cred: { id: number; key: string; level: "standard" | "advanced" },
    call: (c: KeyplaneClient) => Promise<unknown>,
    o: { retries?: number } = {},
  ) {
    const f = faultyAgent();
    const c = clientFor(srv, cred, { dispatcher: f.dispatcher, retries: o.retries ?? 3 });
    try {
      const err = await rejection(() => call(c));
      const auths = f.seen.map((r) => r.headers.authorization!).filter(Boolean);
      return {
        err,
        secrets: [cred.key, ...auths],
        requestIds: f.seen.map((r) => r.headers["x-request-id"]!),
      };
    } finally {
      await c.close();
      await f.close();
    }
  }

  const rows: Row[] = [
    {
      name: "400 in the public_api envelope names the field",
      run: () =>
        failing(srv.admin, (c) => c.apiKeys.generate({ roles: [], securityLevel: "standard" })),
      cls: BadRequestError,
      status: 400,
      code: "INVALID_INPUT",
      check: (e) => {
        assert.deepEqual(e.fields, [
          { path: "request_data.roles", reason: "must name at least one role" },
        ]);
        assert.equal(e.errCode, 400);
        assert.match(e.message, /request_data\.roles: must name at least one role/);
      },
    },
    {
      name: "400 in the platform envelope (a past expiration) keeps its own code",
      run: () =>
        failing(srv.admin, async (c) =>
          c.apiKeys.edit(
            (await c.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" })).id,
            { expiration: new Date(Date.now() - 60_000) },
          ),
        ),
      cls: BadRequestError,
      status: 400,
      code: "PAST_EXPIRATION",
      check: (e) => assert.equal(e.fields[0]?.path, "request_data.expiration"),
    },
    {
      name: "401 for a wrong key (err_extra null)",
      run: () =>
        failing({ id: srv.admin.id, key: "W".repeat(64), level: "standard" }, (c) =>
          c.apiKeys.list(),
        ),
      cls: UnauthorizedError,
      status: 401,
      code: "UNAUTHORIZED",
      check: (e) => {
        assert.equal(e.errExtra, null);
        assert.equal(e.errMsg, "Public API request unauthorized");
        assert.equal(e.attempts, 1, "a 401 is not retried");
      },
    },
    {
      name: "401 for a wrongly signed Advanced request",
      run: async () => {
        const adv = await srv.createKey({ roles: ["Viewer"], level: "advanced" });
        return failing({ ...adv, key: adv.key.slice(0, -4) + "ZZZZ" }, (c) => c.roles.list());
      },
      cls: UnauthorizedError,
      status: 401,
      code: "UNAUTHORIZED",
    },
    {
      name: "403 says which permission was missing (err_extra a string)",
      run: async () => failing(await srv.createKey({ roles: ["Viewer"] }), (c) => c.apiKeys.list()),
      cls: ForbiddenError,
      status: 403,
      code: "FORBIDDEN",
      check: (e) => {
        assert.equal(e.errExtra, "Insufficient permissions for api key");
        assert.equal((e as ForbiddenError).requiredPermission, "public_api:view");
      },
    },
    {
      name: "403 for granting more than the caller holds",
      run: async () =>
        failing(await srv.createKey({ roles: ["Security Admin"] }), (c) =>
          c.apiKeys.generate({ roles: ["Instance Administrator"], securityLevel: "standard" }),
        ),
      cls: ForbiddenError,
      status: 403,
      code: "PRIVILEGE_ESCALATION",
    },
    {
      name: "404 in the platform envelope",
      run: () => failing(srv.admin, (c) => c.apiKeys.get(987654)),
      cls: NotFoundError,
      status: 404,
      code: "NOT_FOUND",
      check: (e) => assert.match(e.errMsg, /id=987654/),
    },
    {
      name: "409 for a user that exists",
      run: async () => {
        await client.users.create({ email: "sdk-dup@example.com" });
        return failing(srv.admin, (c) => c.users.create({ email: "sdk-dup@example.com" }));
      },
      cls: ConflictError,
      status: 409,
      code: "CONFLICT",
    },
  ];

  for (const row of rows) {
    it(`${row.name}: ${row.cls.name}, code ${row.code}, no credential in any rendering`, async () => {
      const { err, secrets, requestIds } = await row.run();
      assert.ok(
        err instanceof row.cls,
        `expected ${row.cls.name}, got ${err.name}: ${err.message}`,
      );
      assert.ok(
        err instanceof KeyplaneApiError && err instanceof KeyplaneError && err instanceof Error,
      );
      assert.equal(err.name, row.cls.name);
      assert.equal(err.status, row.status);
      assert.equal(err.code, row.code);
      assert.equal(typeof err.errMsg, "string");
      assert.ok(
        err.requestId && requestIds.includes(err.requestId),
        "the request id is the one the client sent and the server echoed",
      );
      assert.ok(err.operation && err.method && err.requestPath);
      row.check?.(err);
      assertNoSecrets(err, secrets);
    });
  }

  it("429 from the server's failure limiter: RateLimitError with retryAfterMs, not waited for beyond maxRetryAfterMs", async () => {
    const limited = await startTestServer({
      options: { rateLimit: { perAddress: 1000, perKeyId: 2, windowMs: 60_000 } },
    });
    const bad = new KeyplaneClient({
      endpoint: limited.url,
      apiKeyId: limited.admin.id,
      apiKey: "B".repeat(64),
      maxRetryAfterMs: 5_000,
    });
    try {
      for (let i = 0; i < 2; i++)
        assert.ok((await rejection(() => bad.apiKeys.list())) instanceof UnauthorizedError);
      const t0 = Date.now();
      const e = await rejection(() => bad.apiKeys.list());
      assert.ok(e instanceof RateLimitError, `${e.name}: ${e.message}`);
      assert.equal(e.status, 429);
      assert.equal(e.code, "RATE_LIMITED");
      assert.ok(e.retryAfterMs! > 5_000 && e.retryAfterMs! <= 60_000, String(e.retryAfterMs));
      assert.equal(
        e.attempts,
        1,
        "a Retry-After beyond maxRetryAfterMs is handed to the caller at once",
      );
      assert.ok(Date.now() - t0 < 2_000);
      assertNoSecrets(e, ["B".repeat(64)]);
    } finally {
      await bad.close();
      await limited.close();
    }
  });

  it("a status without a subclass is a KeyplaneApiError with a derived code, even with a non-JSON body", async () => {
    const mock = passThroughMock();
    mock
      .get(srv.url)
      .intercept({ path: "/platform/iam/v1/settings", method: "GET" })
      .reply(502, "<html>Bad gateway</html>", { headers: { "content-type": "text/html" } });
    const c = clientFor(srv, srv.admin, { dispatcher: mock, retries: 0 });
    try {
      const e = await rejection(() => c.settings.get());
      assert.ok(e instanceof KeyplaneApiError && e.constructor === KeyplaneApiError);
      assert.equal(e.status, 502);
      assert.equal(e.code, "UNAVAILABLE");
      assert.equal(e.errMsg, "<html>Bad gateway</html>");
    } finally {
      await c.close();
      await mock.close();
    }
  });

  it("redacts the key if a server ever echoes it", async () => {
    const mock = passThroughMock();
    const k = srv.admin.key;
    mock
      .get(srv.url)
      .intercept({ path: "/platform/iam/v1/settings", method: "GET" })
      .reply(500, {
        data: {
          err_msg: `boom ${k}`,
          metadata: {
            err_code: 500,
            err_extra: { code: "INTERNAL", detail: `key=${k}`, list: [k] },
          },
        },
      });
    const c = clientFor(srv, srv.admin, { dispatcher: mock });
    try {
      const e = await rejection(() => c.settings.get());
      assert.ok(e instanceof KeyplaneApiError);
      assert.equal(e.code, "INTERNAL");
      assert.match(e.errMsg, /boom \[redacted\]/);
      assertNoSecrets(e, [k]);
    } finally {
      await c.close();
      await mock.close();
    }
  });

  describe("reply parsing", () => {
    const key = {
      id: 41,
      creation_time: 1_700_000_000_000,
      created_by: "N/A",
      user_name: "Public API - 21",
      roles: ["default"],
      security_level: "standard",
      comment: null,
      expiration: 1_710_149_747_184,
    };
    const shapes: Array<{ name: string; reply: Record<string, unknown> }> = [
      {
        name: "upper case, numeric counts (XSIAM)",
        reply: { DATA: [key], FILTER_COUNT: 3, TOTAL_COUNT: 70 },
      },
      {
        name: "lower case, numeric counts (AgentiX)",
        reply: { data: [key], filter_count: 3, total_count: 70 },
      },
      {
        name: "upper case, counts as strings",
        reply: { DATA: [key], FILTER_COUNT: "3", TOTAL_COUNT: "70" },
      },
      {
        name: "lower case, counts as strings",
        reply: {
          data: [{ ...key, id: "41", expiration: "1710149747184" }],
          filter_count: "3",
          total_count: "70",
        },
      },
    ];
    for (const s of shapes) {
      it(`reads a get_api_keys reply in ${s.name}`, async () => {
        const mock = passThroughMock();
        mock
          .get(srv.url)
          .intercept({ path: LIST_PATH, method: "POST" })
          .reply(200, { reply: s.reply });
        const c = clientFor(srv, srv.admin, { dispatcher: mock });
        try {
          const page = await c.apiKeys.list();
          assert.equal(page.filterCount, 3);
          assert.equal(page.totalCount, 70);
          assert.equal(page.items.length, 1);
          assert.equal(page.items[0]!.id, 41);
          assert.equal(page.items[0]!.expiration, 1_710_149_747_184);
        } finally {
          await c.close();
          await mock.close();
        }
      });
    }

    const broken: Array<{
      name: string;
      path: string;
      method: "GET" | "POST";
      body: string | object;
      call: (c: KeyplaneClient) => Promise<unknown>;
      expectPath: string;
    }> = [
      {
        name: "a key id that is not a number",
        path: LIST_PATH,
        method: "POST",
        body: { reply: { DATA: [{ ...key, id: "forty-one" }], FILTER_COUNT: 1, TOTAL_COUNT: 1 } },
        call: (c) => c.apiKeys.list(),
        expectPath: "reply.data.0.id",
      },
      {
        name: "a generate reply without the key",
        path: "/public_api/v1/api_keys/generate",
        method: "POST",
        body: { reply: { id: 5 } },
        call: (c) => c.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" }),
        expectPath: "reply.key",
      },
      {
        name: "a platform reply without its data envelope",
        path: "/platform/iam/v1/settings",
        method: "GET",
        body: { sbac_enabled: false },
        call: (c) => c.settings.get(),
        expectPath: "data",
      },
      {
        name: "a body that is not JSON",
        path: "/platform/iam/v1/role",
        method: "GET",
        body: "<html>ok</html>",
        call: (c) => c.roles.list(),
        expectPath: "(root)",
      },
    ];
    for (const b of broken) {
      it(`raises ResponseValidationError at ${b.expectPath} for ${b.name}, without retrying`, async () => {
        const mock = passThroughMock();
        mock.get(srv.url).intercept({ path: b.path, method: b.method }).reply(200, b.body);
        const c = clientFor(srv, srv.admin, { dispatcher: mock });
        try {
          const e = await rejection(() => b.call(c));
          assert.ok(e instanceof ResponseValidationError, `${e.name}: ${e.message}`);
          assert.equal(e.name, "ResponseValidationError");
          assert.equal(e.code, "RESPONSE_VALIDATION");
          assert.equal(e.status, 200);
          assert.equal(e.path, b.expectPath);
          assert.ok(e.issues.length >= 1);
          assert.ok(e.message.includes(b.expectPath));
          assert.equal(e.attempts, 1);
          assertNoSecrets(e, [srv.admin.key]);
        } finally {
          await c.close();
          await mock.close();
        }
      });
    }
  });
});
