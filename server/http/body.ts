/**
 * Body parsing: JSON only, whatever the Content-Type says (clients of the reference send
 * text/plain or nothing); an empty body means {}; nesting is bounded before any schema sees it;
 * anything that is not UTF-8 JSON is a 400 in the envelope. The size limit is Fastify's
 * `bodyLimit` (set in app.ts), refused as 413 by ./errors.ts.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../errors";

/** Nesting deeper than this is refused before validation (no schema goes near it). */
export const MAX_JSON_DEPTH = 64;

/** Whether `v` nests objects or arrays more than `limit` levels deep (`{}` is one level). */
function nestsDeeper(v: unknown, limit: number): boolean {
  if (v === null || typeof v !== "object") return false;
  if (limit === 0) return true;
  if (Array.isArray(v)) {
    for (const y of v) if (nestsDeeper(y, limit - 1)) return true;
    return false;
  }
  for (const y of Object.values(v)) if (nestsDeeper(y, limit - 1)) return true;
  return false;
}

export function registerBodyParsing(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const parseJson = (
    _req: FastifyRequest,
    raw: Buffer,
    done: (err: Error | null, v?: unknown) => void,
  ) => {
    let body: string;
    try {
      body = utf8.decode(raw);
    } catch {
      return done(new ApiError("INVALID_JSON", "the body is not valid UTF-8"));
    }
    if (body.trim() === "") return done(null, {});
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return done(new ApiError("INVALID_JSON", "the body is not valid JSON"));
    }
    // Recursion is bounded by the limit itself: at most MAX_JSON_DEPTH + 1 frames.
    if (nestsDeeper(v, MAX_JSON_DEPTH))
      return done(
        new ApiError("INVALID_INPUT", `the body nests deeper than ${MAX_JSON_DEPTH} levels`),
      );
    done(null, v);
  };
  app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "buffer" }, parseJson);
  app.addContentTypeParser("*", { parseAs: "buffer" }, parseJson);
}
