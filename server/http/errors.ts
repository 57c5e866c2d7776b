/**
 * Error rendering, the one place a failure becomes a reply: ApiErrors as they are, the store's
 * unique violations as 409, Fastify's body errors as 413/415/400, anything else as a 500 whose
 * detail goes to the log (with the request id) and never to the client. Also the 404/405 answer
 * and the refusals Fastify's router and Node's HTTP parser make before any route runs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from "fastify";
import { ROUTES, type Family } from "../../sdk/contract";
import { ApiError, renderError } from "../errors";
import { UniqueViolation } from "../store/store";

const familyOf = (url: string): Family => (url.startsWith("/platform/") ? "platform" : "public");

/** Whether a concrete path matches a route path with `:param` segments. */
function matchPath(pattern: string, path: string): boolean {
  const a = pattern.split("/").filter(Boolean);
  const b = path.split("/").filter(Boolean);
  return a.length === b.length && a.every((seg, i) => seg.startsWith(":") || seg === b[i]);
}

/** The ApiError a thrown value stands for (logging what is not one of ours). */
function toApiError(req: FastifyRequest, err: unknown, bodyLimit: number): ApiError {
  const fe = err as { code?: string; statusCode?: number; message?: string };
  if (err instanceof ApiError) return err;
  if (err instanceof UniqueViolation)
    return new ApiError("CONFLICT", "an object with the same unique name or identity exists");
  if (fe?.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return new ApiError("PAYLOAD_TOO_LARGE", `the body is larger than ${bodyLimit} bytes`);
  if (fe?.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return new ApiError("UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
  if (fe?.statusCode === 400 && typeof fe.message === "string")
    return new ApiError("INVALID_JSON", "the request could not be read as JSON");
  // The request logger carries the request id (`reqId`).
  req.log.error(
    {
      err: {
        name: (err as Error)?.name,
        message: (err as Error)?.message,
        stack: (err as Error)?.stack,
      },
    },
    "internal error",
  );
  return new ApiError("INTERNAL", "An unexpected error occurred; the request id is in err_extra", {
    detail: undefined,
  });
}

export function sendError(
  req: FastifyRequest,
  res: FastifyReply,
  err: unknown,
  bodyLimit: number,
): void {
  const r = renderError(familyOf(req.url), toApiError(req, err, bodyLimit), String(req.id));
  res
    .status(r.status)
    .headers({ ...r.headers, "x-request-id": String(req.id) })
    .send(r.body);
}

/** The Fastify options that render errors raised before routing (router and HTTP parser). */
export function earlyErrorOptions(
  bodyLimit: number,
): Pick<FastifyServerOptions, "frameworkErrors" | "clientErrorHandler"> {
  return {
    // The router's own refusals (a malformed %-escape, a path parameter over 100 characters) in the envelope.
    frameworkErrors: (err, req, res) =>
      sendError(
        req,
        res,
        new ApiError(
          "INVALID_INPUT",
          err.code === "FST_ERR_MAX_PARAM_LENGTH"
            ? "a path parameter is longer than 100 characters"
            : "the URL is not valid (a malformed %-escape)",
        ),
        bodyLimit,
      ),
    // What Node's HTTP parser refuses (bare CR/LF, obs-fold, NUL, headers over 16 KB) in the public_api envelope:
    // the URL may not even be known, so the family is not.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return void socket.destroy();
      const code = (err as { code?: string }).code;
      if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
        // Not the whole request within requestTimeoutMs (a body sent a byte at a time).
        const body = JSON.stringify({
          reply: {
            err_code: 408,
            err_msg: "the request took too long to arrive",
            err_extra: [{ type: "INVALID_INPUT", msg: "the request took too long to arrive" }],
          },
        });
        return void socket.end(
          `HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      const status = code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify({
        reply: {
          err_code: status,
          err_msg:
            status === 431
              ? "the request headers are too large"
              : "the request is not valid HTTP/1.1",
          err_extra: [{ type: "INVALID_INPUT", msg: "the request is not valid HTTP" }],
        },
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  };
}

/** The error handler and the 404/405 answer. */
export function registerErrorRendering(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: unknown, req, res) => sendError(req, res, err, bodyLimit));
  app.setNotFoundHandler((req, res) => {
    const path = req.url.split("?")[0]!;
    const methods = [
      ...new Set(ROUTES.filter((r) => matchPath(r.path, path)).map((r) => r.method)),
    ];
    // RFC 9110: a 405 says which methods the resource allows.
    sendError(
      req,
      res,
      methods.length
        ? new ApiError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}`, {
            headers: { allow: methods.join(", ") },
          })
        : new ApiError("NOT_FOUND", `no such endpoint: ${req.method} ${path}`),
      bodyLimit,
    );
  });
}
