/**
 * Envelope helpers for handlers: `{reply: x}` for the public_api family, `{data: x, metadata}` for
 * the platform family. Their own module so routes import them without importing the app.
 */
import type { Answer } from "./context";

/** `{reply: x}` */
export const reply = <T>(x: T, status?: number): Answer<{ reply: T }> => ({
  body: { reply: x },
  status,
});

/** `{data: x, metadata}` */
export function data<T>(
  x: T,
  opts: { total?: number; status?: number } = {},
): Answer<{ data: T; metadata?: { total_count: number } }> {
  return {
    body:
      opts.total === undefined ? { data: x } : { data: x, metadata: { total_count: opts.total } },
    status: opts.status,
  };
}
