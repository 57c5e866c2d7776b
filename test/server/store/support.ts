/**
 * What the store contract files share: a fresh database of each kind, the secret material of a
 * Standard and an Advanced key, and builders of keys, scope definitions, audit entries, users and groups. Every
 * contract file runs each case on both stores (SQLite and PostgreSQL), each on a fresh database,
 * through the Store API the server uses.
 */
import * as path from "node:path";
import { canonicalScope } from "../../../sdk/contract";
import { openStore } from "../../../server/start";
import type { KeySecret, NewAudit, Store } from "../../../server/store/store";
import type { DbKind } from "../../helpers/server";
import { scratchDir } from "../../helpers/paths";
import { freshPostgresDatabase } from "../../helpers/postgres";

export interface FreshDatabase {
  url: string;
  drop: () => Promise<void>;
}

export const T0 = Date.UTC(2026, 0, 15);
export const DAY = 86_400_000;

export const STD: KeySecret = {
  secretHash: "ab".repeat(32),
  pepperChain: "pp-1",
  secretEnc: null,
  masterKeyId: null,
};
export const ADV: KeySecret = {
  secretHash: null,
  pepperChain: null,
  secretEnc: "Y2lwaGVy",
  masterKeyId: "mk-1",
};

export async function fresh(kind: DbKind): Promise<FreshDatabase> {
  if (kind === "postgres") return freshPostgresDatabase();
  return {
    url: `sqlite:${path.join(scratchDir("store"), "store.db")}`,
    drop: async () => undefined,
  };
}

/**
 * Opens a fresh store of `kind` before each case, and closes it and drops its database after;
 * `use` receives each case's store (and its database, for the cases that reopen it).
 */
export function freshStoreEachCase(
  kind: DbKind,
  use: (store: Store, db: FreshDatabase) => void,
): void {
  let store: Store | undefined;
  let db: FreshDatabase | undefined;
  beforeEach(async () => {
    db = await fresh(kind);
    store = await openStore(db.url, T0);
    use(store, db);
  });
  afterEach(async () => {
    await store?.close();
    await db?.drop();
  });
}

let bindingSeq = 0;
export const bid = () => `rb-test-${++bindingSeq}`;

export async function key(
  s: Store,
  o: {
    level?: "standard" | "advanced";
    roles?: string[];
    comment?: string | null;
    expiration?: number | null;
    createdAt?: number;
    createdBy?: string;
  } = {},
): Promise<number> {
  const roles = o.roles ?? ["viewer"];
  return s.createKey({
    securityLevel: o.level ?? "standard",
    secret: () => (o.level === "advanced" ? ADV : STD),
    comment: o.comment === undefined ? null : o.comment,
    expiration: o.expiration === undefined ? null : o.expiration,
    createdAt: o.createdAt ?? T0,
    createdBy: o.createdBy ?? "Public API - 1",
    userName: o.createdBy ?? "Public API - 1",
    creatorKeyId: 1,
    roleIds: roles,
    bindingIds: roles.map(bid),
  });
}

/** A scope definition `scopeId` that sees all assets, created at T0. */
export async function scopeDefinition(s: Store, scopeId: string): Promise<void> {
  await s.createScopeDefinition({
    scopeId,
    name: "Def",
    description: null,
    areas: canonicalScope({ assets: { mode: "see_all" } }),
    createdBy: "t",
    createdTs: T0,
    updatedTs: null,
  });
}

export const audit = (o: Partial<NewAudit>): NewAudit => ({
  ts: T0,
  actorKeyId: 1,
  ownerName: "Public API - 1",
  ownerEmail: null,
  entity: "API_KEY",
  subtype: "create",
  result: "SUCCESS",
  reason: null,
  description: "d",
  objectId: null,
  assetNames: null,
  sourceIp: "127.0.0.1",
  userAgent: null,
  userRoles: [],
  additional: {},
  severity: "SEV_020_LOW",
  ...o,
});

export const user = (email: string) => ({
  email,
  firstName: null,
  lastName: null,
  phoneNumber: null,
  status: "Active",
  isHidden: false,
  userType: "CSP",
  lastLoggedIn: null,
  createdTs: T0,
  updatedTs: null,
});
export const group = (groupId: string, groupName: string) => ({
  groupId,
  groupName,
  description: null,
  groupType: "custom",
  idpGroups: [],
  createdBy: "t",
  createdTs: T0,
  updatedTs: null,
});
export const noRole = () => ({ roleId: null, bindingId: bid(), by: "t" });
