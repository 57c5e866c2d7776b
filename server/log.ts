/**
 * Where the server's log lines go: stderr through pino's asynchronous destination, so writing the
 * request log never blocks the event loop (a synchronous write per request halved Fastify's
 * throughput on its own; bench/RESULTS.md). Lines are written as soon as the previous write is
 * done; what is still queued is flushed synchronously on shutdown, at exit, and on a fatal error
 * (an uncaught exception or unhandled rejection is logged, flushed, and ends the process with 1).
 * A SIGKILL can lose the last milliseconds of log lines, never a key or an audit entry: those are
 * in the database before a reply leaves.
 */
import pino from "pino";

export interface LogDestination {
  stream: pino.DestinationStream;
  /** Writes what is queued, synchronously. */
  flush(): void;
}

export function stderrLog(): LogDestination {
  const dest = pino.destination({ dest: 2, sync: false });
  const flush = () => {
    try {
      dest.flushSync();
    } catch {
      // Nothing queued yet, or stderr is gone: nothing to save.
    }
  };
  process.once("exit", flush);
  return { stream: dest, flush };
}

/** Logs a fatal error with the log's own line format, flushes, and exits 1. */
export function exitOnFatal(
  log: { fatal(obj: object, msg: string): void },
  flush: () => void,
): void {
  const die = (kind: string) => (err: unknown) => {
    log.fatal(
      {
        err: {
          name: (err as Error)?.name,
          message: (err as Error)?.message,
          stack: (err as Error)?.stack,
        },
      },
      kind,
    );
    flush();
    process.exit(1);
  };
  process.once("uncaughtException", die("uncaught exception"));
  process.once("unhandledRejection", die("unhandled rejection"));
}
