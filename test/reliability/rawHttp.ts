/**
 * Raw HTTP/1.1 on a socket, for the wire suite: nothing in between tidies the bytes up. Writes a
 * request (optionally in parts), reads until the server closes, decodes a chunked body.
 */
import * as net from "node:net";

export interface RawReply {
  status: number;
  headers: string;
  body: string;
  /** The connection ended without any reply. */
  empty: boolean;
}

/** Writes `data` on a fresh connection (optionally more, later) and reads until the server closes or `timeoutMs`. */
export function raw(port: number, data: Buffer | Buffer[], timeoutMs = 15_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({
        status: m ? Number(m[1]) : 0,
        headers: head >= 0 ? text.slice(0, head) : text,
        body: head >= 0 ? text.slice(head + 4) : "",
        empty: text.length === 0,
      });
    };
    const timer = setTimeout(() => {
      s.destroy();
      if (chunks.length) done();
      else reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on("data", (c) => chunks.push(c));
    s.on("error", () => undefined); // EPIPE/ECONNRESET once the server has refused and closed
    s.on("close", done);
    const parts = Array.isArray(data) ? data : [data];
    (async () => {
      for (const p of parts) {
        if (s.destroyed) return;
        await new Promise<void>((r) => (s.write(p) ? r() : s.once("drain", () => r())));
      }
    })().catch(() => undefined);
  });
}

/** Decodes a chunked body when the reply is chunked. */
export function bodyOf(r: RawReply): string {
  if (!/transfer-encoding:\s*chunked/i.test(r.headers)) return r.body;
  let out = "";
  let rest = r.body;
  for (;;) {
    const nl = rest.indexOf("\r\n");
    if (nl < 0) return out;
    const n = parseInt(rest.slice(0, nl), 16);
    if (!n) return out;
    out += rest.slice(nl + 2, nl + 2 + n);
    rest = rest.slice(nl + 2 + n + 2);
  }
}

/** A request as raw bytes: `Connection: close`, JSON content type, Content-Length unless `null`. */
export function request(
  method: string,
  path: string,
  headerLines: string,
  body?: Buffer | string,
  o: { contentLength?: number | null } = {},
): Buffer {
  const b =
    body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const cl = o.contentLength === null ? "" : `Content-Length: ${o.contentLength ?? b.length}\r\n`;
  const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n${cl}${headerLines}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), b]);
}
