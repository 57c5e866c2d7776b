/**
 * Versioned schema migrations, run on start. Each has a version and SQL per dialect (written
 * once, with the few type differences filled in). Several replicas starting together on one
 * PostgreSQL take an advisory lock, so each migration runs once.
 */
import type { Dialect, Driver } from "./driver";
import { PostgresDriver } from "./postgres";

interface Migration {
  version: number;
  name: string;
  sql: (d: Dialect) => string;
}

const serial = (d: Dialect) =>
  d === "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: (d) => `
CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO revision (id, n) VALUES (1, 0);

CREATE TABLE roles (
  role_id TEXT PRIMARY KEY,
  pretty_name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  description TEXT,
  is_custom INTEGER NOT NULL,
  components TEXT NOT NULL,
  dataset_permissions TEXT,
  created_by TEXT,
  created_ts BIGINT,
  updated_ts BIGINT
);

CREATE TABLE api_keys (
  id ${serial(d)},
  security_level TEXT NOT NULL,
  secret_hash TEXT,
  pepper_chain TEXT,
  secret_enc TEXT,
  master_key_id TEXT,
  comment TEXT,
  expiration BIGINT,
  created_at BIGINT NOT NULL,
  created_by TEXT,
  user_name TEXT,
  creator_key_id BIGINT,
  status TEXT NOT NULL DEFAULT 'active',
  revoked_at BIGINT,
  last_used BIGINT,
  roles_sort TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_keys_expiration ON api_keys (expiration);
CREATE INDEX api_keys_created_at ON api_keys (created_at);

CREATE TABLE users (
  email TEXT PRIMARY KEY,
  first_name TEXT,
  last_name TEXT,
  phone_number TEXT,
  status TEXT NOT NULL DEFAULT 'Active',
  is_hidden INTEGER NOT NULL DEFAULT 0,
  user_type TEXT NOT NULL DEFAULT 'CSP',
  last_logged_in BIGINT,
  created_ts BIGINT NOT NULL,
  updated_ts BIGINT
);

CREATE TABLE user_groups (
  group_id TEXT PRIMARY KEY,
  group_name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  description TEXT,
  group_type TEXT NOT NULL DEFAULT 'custom',
  idp_groups TEXT NOT NULL DEFAULT '[]',
  created_by TEXT,
  created_ts BIGINT NOT NULL,
  updated_ts BIGINT
);

CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES user_groups (group_id) ON DELETE CASCADE,
  email TEXT NOT NULL REFERENCES users (email) ON DELETE CASCADE,
  PRIMARY KEY (group_id, email)
);
CREATE INDEX group_members_email ON group_members (email);

CREATE TABLE group_nesting (
  group_id TEXT NOT NULL REFERENCES user_groups (group_id) ON DELETE CASCADE,
  child_group_id TEXT NOT NULL REFERENCES user_groups (group_id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, child_group_id)
);

CREATE TABLE role_bindings (
  binding_id TEXT PRIMARY KEY,
  principal_type TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  role_id TEXT NOT NULL REFERENCES roles (role_id),
  owner TEXT NOT NULL,
  created_by TEXT,
  created_ts BIGINT NOT NULL,
  UNIQUE (principal_type, principal_id, role_id, owner)
);
CREATE INDEX role_bindings_principal ON role_bindings (principal_type, principal_id);
CREATE INDEX role_bindings_role ON role_bindings (role_id);

CREATE TABLE scope_definitions (
  scope_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  description TEXT,
  areas TEXT NOT NULL,
  created_by TEXT,
  created_ts BIGINT NOT NULL,
  updated_ts BIGINT
);

CREATE TABLE entity_scopes (
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  scope_definition_id TEXT REFERENCES scope_definitions (scope_id),
  areas TEXT,
  updated_ts BIGINT NOT NULL,
  PRIMARY KEY (entity_type, entity_id)
);
CREATE INDEX entity_scopes_definition ON entity_scopes (scope_definition_id);

CREATE TABLE settings (k TEXT PRIMARY KEY, v TEXT NOT NULL);

CREATE TABLE nonces (
  key_id BIGINT NOT NULL,
  nonce TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (key_id, nonce)
);
CREATE INDEX nonces_seen_at ON nonces (seen_at);

CREATE TABLE idempotency (
  actor_key_id BIGINT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  reply_enc TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (actor_key_id, idem_key)
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);

CREATE TABLE notifications (
  id ${serial(d)},
  key_id BIGINT NOT NULL,
  lead TEXT NOT NULL,
  expiration BIGINT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  created_ts BIGINT NOT NULL,
  is_read INTEGER NOT NULL DEFAULT 0,
  webhook_status TEXT NOT NULL DEFAULT 'none',
  webhook_attempts INTEGER NOT NULL DEFAULT 0,
  webhook_next_at BIGINT,
  webhook_last_error TEXT,
  UNIQUE (key_id, lead, expiration)
);
CREATE INDEX notifications_webhook ON notifications (webhook_status, webhook_next_at);

CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL);

CREATE TABLE audit_log (
  id ${serial(d)},
  ts BIGINT NOT NULL,
  actor_key_id BIGINT,
  owner_name TEXT,
  owner_email TEXT,
  entity TEXT NOT NULL,
  subtype TEXT,
  result TEXT NOT NULL,
  reason TEXT,
  description TEXT,
  object_id TEXT,
  asset_names TEXT,
  source_ip TEXT,
  user_agent TEXT,
  user_roles TEXT NOT NULL DEFAULT '[]',
  additional TEXT NOT NULL DEFAULT '{}',
  severity TEXT NOT NULL DEFAULT 'SEV_020_LOW'
);
CREATE INDEX audit_log_ts ON audit_log (ts);
`,
  },
  {
    version: 2,
    name: "retiring keys, retired roles and scope definitions",
    sql: () => `
ALTER TABLE api_keys ADD COLUMN retiring INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN retired_at BIGINT;
ALTER TABLE scope_definitions ADD COLUMN retired_at BIGINT;
CREATE INDEX api_keys_retiring ON api_keys (retiring, expiration);
`,
  },
  {
    version: 3,
    name: "failed authentications counted across replicas",
    sql: () => `
CREATE TABLE auth_failures (
  subject TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  n INTEGER NOT NULL
);
CREATE INDEX auth_failures_window ON auth_failures (window_start);
`,
  },
  {
    version: 4,
    name: "keyring check values",
    sql: () => `
CREATE TABLE keyring_checks (
  kind TEXT NOT NULL,
  version_id TEXT NOT NULL,
  check_value TEXT NOT NULL,
  PRIMARY KEY (kind, version_id)
);
`,
  },
  {
    version: 8,
    name: "console sessions",
    // Sessions live in the database so that every replica honours them (and a sign-out on one
    // ends the session on all). The cookie holds a random id; the table holds only its hash.
    sql: () => `
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  key_id BIGINT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_key ON console_sessions (key_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
`,
  },
  {
    version: 9,
    name: "console sign-in challenges",
    // The nonces the server hands out for an Advanced key's sign-in: each is taken once.
    sql: () => `
CREATE TABLE console_challenges (
  nonce TEXT PRIMARY KEY,
  issued_at BIGINT NOT NULL
);
CREATE INDEX console_challenges_issued ON console_challenges (issued_at);
`,
  },
  {
    version: 10,
    name: "nonces keyed by a digest, without rowid",
    // One B-tree per nonce instead of three (a rowid table, its (key_id, nonce) index and the
    // seen_at index): on SQLite a WITHOUT ROWID table keyed by (key_id, 16-byte digest), so a
    // nonce costs one random page of a tree half the size, and the seen_at index (appended at
    // its end: times grow) for the purge. Every nonce already seen is carried over under its
    // digest (server/store/nonces.ts: nonceDigest; on SQLite the driver registers the same
    // function), with its time, so none can be replayed after the upgrade and the purge drops
    // them when it would have. On PostgreSQL the table is locked first, so that no replica
    // still on the old version adds a nonce between the copy and the drop.
    sql: (d) =>
      d === "sqlite"
        ? `
CREATE TABLE nonces_v10 (
  key_id BIGINT NOT NULL,
  digest BLOB NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (key_id, digest)
) WITHOUT ROWID;
INSERT INTO nonces_v10 (key_id, digest, seen_at) SELECT key_id, nonce_digest(nonce), seen_at FROM nonces;
DROP TABLE nonces;
ALTER TABLE nonces_v10 RENAME TO nonces;
CREATE INDEX nonces_seen_at ON nonces (seen_at);
`
        : `
LOCK TABLE nonces IN EXCLUSIVE MODE;
CREATE TABLE nonces_v10 (
  key_id BIGINT NOT NULL,
  digest BYTEA NOT NULL,
  seen_at BIGINT NOT NULL,
  CONSTRAINT nonces_v10_pkey PRIMARY KEY (key_id, digest)
);
INSERT INTO nonces_v10 (key_id, digest, seen_at)
  SELECT key_id, substring(sha256(convert_to(nonce, 'UTF8')) FROM 1 FOR 16), seen_at FROM nonces;
DROP TABLE nonces;
ALTER TABLE nonces_v10 RENAME TO nonces;
ALTER TABLE nonces RENAME CONSTRAINT nonces_v10_pkey TO nonces_pkey;
CREATE INDEX nonces_seen_at ON nonces (seen_at);
`,
  },
];

/**
 * Applies the migrations not yet applied; returns the versions it applied. `upTo` stops after
 * that version (the tests of an upgrade build the database an older release left).
 */
export async function migrate(driver: Driver, upTo = Infinity): Promise<number[]> {
  const body = async (d: Driver): Promise<number[]> => {
    await d.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    );
    const done = new Set(
      (await d.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) =>
        Number(r.version),
      ),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version) || m.version > upTo) continue;
      if (driver.dialect === "sqlite") {
        // DDL and its bookkeeping row commit together.
        try {
          await d.exec(
            `BEGIN IMMEDIATE;\n${m.sql("sqlite")}\nINSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', ${Date.now()});\nCOMMIT;`,
          );
        } catch (e) {
          // Another connection (a second process starting on the same file) may have applied it
          // between our check and our write lock: then there is nothing left to do.
          await d.exec("ROLLBACK").catch(() => undefined);
          const now = await d.get("SELECT 1 AS x FROM schema_migrations WHERE version = ?", [
            m.version,
          ]);
          if (!now) throw e;
          continue;
        }
      } else {
        await d.exec(
          `BEGIN;\n${m.sql("postgres")}\nINSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', ${Date.now()});\nCOMMIT;`,
        );
      }
      applied.push(m.version);
    }
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    const top = Math.max(0, ...done);
    if (top > newest)
      throw new Error(
        `the database is at schema version ${top}, newer than this server knows (${newest}): upgrade keyplane`,
      );
    return applied;
  };
  if (driver instanceof PostgresDriver) return driver.withAdvisoryLock(0x6b657970, body);
  return body(driver);
}
