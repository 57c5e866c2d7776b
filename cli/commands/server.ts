/** `keyplane server`: runs the key-management service. */
import { parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane server [--port N] [--host H] [--db sqlite:PATH | postgres://URL]
                       [--bootstrap-file PATH] [--master-key-file PATH] [--log-level LEVEL] [--trust-proxy]
                       [--max-failures-per-address N] [--max-failures-per-key N] [--allow-private-webhooks]

Runs the keyplane API. Prints "keyplane listening on http://HOST:PORT" once it accepts calls.

  --port N               port to listen on; 0 picks a free one (default 8080, or $KEYPLANE_PORT)
  --host H               address to bind (default 127.0.0.1, or $KEYPLANE_HOST)
  --db URL               sqlite:PATH (default sqlite:./.keyplane/keyplane.db) or postgres://… ($KEYPLANE_DB)
  --bootstrap-file PATH  where the first admin key is written on an empty database, mode 0600,
                         never overwritten (default ./.keyplane/bootstrap.json)
  --master-key-file PATH keyring with the master key and pepper; generated (0600) when missing
                         (default ./.keyplane/master.key, or $KEYPLANE_MASTER_KEY_FILE;
                         $KEYPLANE_KEYRING holds the keyring itself instead)
  --log-level LEVEL      fatal, error, warn, info (default), debug, silent; logs are JSON on stderr
  --trust-proxy          trust X-Forwarded-For/-Proto from a proxy in front
  --max-failures-per-address N
                         failed authentications a client address may make per minute, counted
                         over all replicas, before it gets 429 (default 30, or
                         $KEYPLANE_MAX_FAILURES_PER_ADDRESS; raise it when many clients share an address)
  --max-failures-per-key N
                         the same per key id (default 20, or $KEYPLANE_MAX_FAILURES_PER_KEY)
  --allow-private-webhooks
                         let the notification webhook point at loopback and private addresses
                         (refused by default; or $KEYPLANE_ALLOW_PRIVATE_WEBHOOKS=1)
Stops gracefully on SIGTERM and SIGINT.`;

export const serverCommand: Command = {
  name: "server",
  summary: "run the key-management server",
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      port: { type: "string" },
      host: { type: "string" },
      db: { type: "string" },
      "bootstrap-file": { type: "string" },
      "master-key-file": { type: "string" },
      "log-level": { type: "string" },
      "trust-proxy": { type: "boolean" },
      "max-failures-per-address": { type: "string" },
      "max-failures-per-key": { type: "string" },
      "allow-private-webhooks": { type: "boolean" },
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const portRaw = values.port ?? process.env.KEYPLANE_PORT ?? "8080";
    if (!/^\d{1,5}$/.test(portRaw) || Number(portRaw) > 65535)
      throw new UsageError(`--port: '${portRaw}' is not a port number (0-65535)`);
    const level = values["log-level"] ?? process.env.KEYPLANE_LOG_LEVEL ?? "info";
    if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(level))
      throw new UsageError(`--log-level: '${level}' is not a level`);
    // Hidden (tests and local experiments, not in --help): the notification scheduler's tick in ms.
    // The default (30 s) is right for production; 0 disables the scheduler.
    const schedulerRaw = process.env.KEYPLANE_SCHEDULER_MS;
    let schedulerMs: number | undefined;
    if (schedulerRaw !== undefined && schedulerRaw !== "") {
      if (!/^\d{1,9}$/.test(schedulerRaw))
        throw new UsageError(
          `KEYPLANE_SCHEDULER_MS: '${schedulerRaw}' is not a number of milliseconds`,
        );
      schedulerMs = Number(schedulerRaw);
    }
    const limit = (flag: string, env: string, dflt: number): number => {
      const raw = values[flag as "max-failures-per-address"] ?? process.env[env];
      if (raw === undefined || raw === "") return dflt;
      if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
        throw new UsageError(`--${flag}: '${raw}' is not a whole number of at least 1`);
      return Number(raw);
    };
    const { DEFAULT_RATE_LIMIT } = await import("../../server/auth/rateLimit");
    const rateLimit = {
      ...DEFAULT_RATE_LIMIT,
      perAddress: limit(
        "max-failures-per-address",
        "KEYPLANE_MAX_FAILURES_PER_ADDRESS",
        DEFAULT_RATE_LIMIT.perAddress,
      ),
      perKeyId: limit(
        "max-failures-per-key",
        "KEYPLANE_MAX_FAILURES_PER_KEY",
        DEFAULT_RATE_LIMIT.perKeyId,
      ),
    };
    const { startServer, resolveDbUrl } = await import("../../server/start");
    const { stderrLog, exitOnFatal } = await import("../../server/log");
    const log = stderrLog();
    const running = await startServer({
      db: resolveDbUrl(values.db ?? process.env.KEYPLANE_DB),
      host: values.host ?? process.env.KEYPLANE_HOST ?? "127.0.0.1",
      port: Number(portRaw),
      bootstrapFile: values["bootstrap-file"] ?? process.env.KEYPLANE_BOOTSTRAP_FILE,
      masterKeyFile: values["master-key-file"],
      logger: { level, stream: log.stream },
      options: {
        trustProxy: !!values["trust-proxy"],
        rateLimit,
        allowPrivateWebhooks:
          !!values["allow-private-webhooks"] || process.env.KEYPLANE_ALLOW_PRIVATE_WEBHOOKS === "1",
        ...(schedulerMs !== undefined ? { schedulerMs } : {}),
      },
    });
    if (running.bootstrap.created) {
      // The key itself is only in the file.
      console.error(
        `keyplane: bootstrap key ${running.bootstrap.keyId} written to ${running.bootstrap.file} (mode 0600)`,
      );
    }
    // The signal handlers go in before the line that says we are ready: a supervisor (or a test)
    // may send SIGINT the moment it reads it, and without a handler that signal kills the process
    // ungracefully (seen once in CI: exit by signal instead of 0).
    exitOnFatal(running.app.log, log.flush);
    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`keyplane: ${sig}: shutting down`);
        running.close().then(
          () => (log.flush(), resolve()),
          (e) => {
            log.flush();
            console.error(`keyplane: error while shutting down: ${(e as Error).message}`);
            resolve();
          },
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    console.log(`keyplane listening on ${running.url}`);
    await stopped;
    return 0;
  },
};
