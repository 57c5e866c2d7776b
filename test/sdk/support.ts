/**
 * What the SDK tests share: a client for a harness credential, dispatchers that inject transport
 * faults in front of the real server (undici interceptors and MockAgent, used for faults only), and
 * the check that no credential leaks into an error.
 */
import * as assert from "node:assert/strict";
import * as net from "node:net";
import * as util from "node:util";
import { Agent, errors, MockAgent, type Dispatcher } from "undici";
import { KeyplaneClient, type KeyplaneClientOptions } from "../../sdk";
import type { Credential, TestServer } from "../helpers/server";

/** A client for a harness credential, with short backoffs so retry tests stay fast. */
export function clientFor(
  srv: TestServer,
  cred: Credential = srv.admin,
  o: Partial<KeyplaneClientOptions> = {},
): KeyplaneClient {
  return new KeyplaneClient({
    endpoint: srv.url,
    apiKeyId: cred.id,
    apiKey: cred.key,
    securityLevel: cred.level,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    ...o,
  });
}

/** One request as a fault-injecting dispatcher saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

function headersOf(h: Dispatcher.DispatchOptions["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i]).toLowerCase()] = String(h[i + 1]);
  } else if (Symbol.iterator in (h as object)) {
    for (const [k, v] of h as Iterable<[string, string]>) out[k.toLowerCase()] = String(v);
  } else {
    for (const [k, v] of Object.entries(h as Record<string, unknown>))
      if (v !== undefined) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/**
 * A real Agent with an interceptor that records every request and, for the requests `lose`
 * selects, forwards them to the server, lets the whole reply arrive, and then hands the client a
 * socket error instead: the server acted, the client never heard.
 */
export function faultyAgent(lose: (r: SeenRequest, n: number) => boolean = () => false): {
  dispatcher: Dispatcher;
  seen: SeenRequest[];
  close(): Promise<void>;
} {
  const agent = new Agent();
  const seen: SeenRequest[] = [];
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    const r: SeenRequest = {
      method: String(opts.method),
      path: String(opts.path),
      headers: headersOf(opts.headers),
    };
    seen.push(r);
    if (!lose(r, seen.length)) return dispatch(opts, handler);
    let ctl: Dispatcher.DispatchController | undefined;
    return dispatch(opts, {
      onRequestStart(c, ctx) {
        ctl = c;
        handler.onRequestStart?.(c, ctx);
      },
      onResponseStart() {},
      onResponseData() {},
      onResponseEnd() {
        handler.onResponseError?.(ctl!, new errors.SocketError("other side closed"));
      },
      onResponseError(c, e) {
        handler.onResponseError?.(c, e);
      },
    });
  });
  return { dispatcher, seen, close: () => agent.close() };
}

/** A MockAgent that passes everything it has no interceptor for to the real server. */
export function passThroughMock(): MockAgent {
  const m = new MockAgent();
  m.enableNetConnect();
  return m;
}

/** A TCP server that accepts connections and never answers (for timeouts and aborts). */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const x of sockets) x.destroy();
        s.close(() => resolve());
      }),
  };
}

/** A local port nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Asserts that none of `secrets` shows up in any rendering of `err`. */
export function assertNoSecrets(err: unknown, secrets: string[]): void {
  const e = err as Error;
  const renderings: Array<[string, string]> = [
    ["String(err)", String(e)],
    ["err.message", e.message],
    ["err.stack", String(e.stack)],
    ["JSON.stringify(err)", JSON.stringify(e)],
    ["util.inspect(err)", util.inspect(e, { depth: 10, showHidden: true })],
    [
      "Object.keys(err) values",
      JSON.stringify(
        Object.keys(e).map((k) =>
          util.inspect((e as unknown as Record<string, unknown>)[k], { depth: 10 }),
        ),
      ),
    ],
  ];
  for (const s of secrets) {
    assert.ok(s.length >= 8, "a secret to look for must be long enough to be meaningful");
    for (const [where, text] of renderings)
      assert.ok(!text.includes(s), `${where} shows a credential`);
  }
}

/** Runs `fn` and returns what it threw (failing when it did not throw). */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected the call to throw");
}

/** The number of keys on the server, as the admin sees it. */
export async function keyCount(client: KeyplaneClient): Promise<number> {
  return (await client.apiKeys.list({ searchTo: 1 })).totalCount;
}

/** The api_keys routes the transport tests intercept. */
export const GENERATE = "/public_api/v1/api_keys/generate";
export const LIST = "/public_api/v1/api_keys/get_api_keys";
