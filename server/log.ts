/**
 * Where the server's log lines go: stderr, written from the main thread once per event-loop turn.
 * A line is queued in memory (pino's sonic-boom destination, synchronous mode) and the queue is
 * written with one `write(2)` when the turn's I/O callbacks are done (`setImmediate`), or at once
 * when it reaches {@link BATCH_BYTES}. Under load one write carries the lines of every request
 * answered in that turn; the asynchronous destination this replaces handed every line to a libuv
 * thread (one `fs.write` and a thread hand-off per line: the largest cost above Fastify's own in
 * the bench, bench/RESULTS.md). What is still queued is written synchronously on shutdown, at
 * exit, and on a fatal error (an uncaught exception or unhandled rejection is logged, flushed, and
 * ends the process with 1). A SIGKILL can lose the lines of the turn it lands in, never a key or
 * an audit entry: those are in the database before a reply leaves. A reader of stderr that stops
 * reading (a full pipe) makes the write wait for it, as any synchronous log does.
 */
import pino from "pino";

/** A queue this long is written at once, without waiting for the end of the turn. */
export const BATCH_BYTES = 8192;

export interface LogDestination {
  stream: pino.DestinationStream;
  /** Writes what is queued, synchronously. */
  flush(): void;
}

/** A log destination on file descriptor `fd` (stderr unless told). */
export function stderrLog(fd = 2): LogDestination {
  const dest = pino.destination({ dest: fd, sync: true, minLength: BATCH_BYTES });
  let queued = false;
  const endOfTurn = () => {
    queued = false;
    try {
      dest.flush();
    } catch {
      // stderr is gone: nothing to save.
    }
  };
  const stream: pino.DestinationStream = {
    write(line: string) {
      dest.write(line);
      if (!queued) {
        queued = true;
        setImmediate(endOfTurn);
      }
    },
  };
  const flush = () => {
    try {
      dest.flushSync();
    } catch {
      // Nothing queued yet, or stderr is gone: nothing to save.
    }
  };
  process.once("exit", flush);
  return { stream, flush };
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
