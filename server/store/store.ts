/**
 * The store: every read and write the server makes, as domain-level methods, each atomic on
 * its own. It is the composition of one module per aggregate (keys, idempotency, nonces,
 * failed-authentication counts, roles, bindings, users, groups, scopes, settings,
 * notifications, leases, audit, the keyring's material, console sessions), each holding its
 * queries beside its row type and row mapping, all over the one {@link Driver} interface
 * (sqlite.ts, postgres.ts). The contract suite in test/server/store/ runs against both. Filtering,
 * sorting and paging happen in SQL. Every write that can change who may do what bumps
 * `revision` (revision.ts), which replicas poll to drop their caches.
 *
 * Transactions. A module's method that writes opens its own transaction with `driver.tx`; work
 * that spans aggregates inside one transaction (creating a key writes its bindings, its scope,
 * its idempotency record and the revision) calls the other modules' exported functions that
 * take the transaction handle `d` as their first argument (`putScopeIn(d, …)`,
 * `claimIdempotency(d, …)`, `bump(d)`), so the whole write commits or rolls back together.
 *
 * The API. Callers use the flat methods below (`store.listKeys(…)`), each one line naming the
 * module that holds the code; the aggregates are also public (`store.keys`) for a reader who
 * wants one aggregate's whole surface.
 *
 * SQL, not a query builder. The statements are written once, by hand, in the subset of SQL
 * that SQLite and PostgreSQL share (`ON CONFLICT … RETURNING`, `NULLS LAST`, `CAST`), with `?`
 * placeholders that the PostgreSQL driver numbers. A typed query layer (Kysely 0.28) was weighed
 * and left out: it would replace the driver interface, its transactions, its statement cache
 * and its unique-violation mapping with its own for both dialects, and need a second
 * declaration of every table beside migrations.ts, to catch column typos that the contract
 * suite, which runs every statement on both databases, already catches; and the queries that
 * matter most (the key list's page and count shapes, the batched nonce insert) are built from
 * pieces a builder would only spell differently.
 */
import { AuditStore } from "./audit";
import { AuthFailureStore } from "./authFailures";
import { BindingStore } from "./bindings";
import { UniqueViolation, type Driver } from "./driver";
import { GroupStore } from "./groups";
import { IdempotencyStore } from "./idempotency";
import { KeyringStore } from "./keyring";
import { KeyStore } from "./keys";
import { LeaseStore } from "./leases";
import { migrate } from "./migrations";
import { NonceBatcher } from "./nonceBatcher";
import { NonceStore } from "./nonces";
import { NotificationStore } from "./notifications";
import { RetiredSweep } from "./retiredSweep";
import { readRevision } from "./revision";
import { RoleStore, type RoleRecord } from "./roles";
import { ScopeStore } from "./scopes";
import { SessionStore } from "./sessions";
import { SettingsStore } from "./settings";
import { UserStore } from "./users";

export { UniqueViolation };
export type { AuditRecord, NewAudit } from "./audit";
export type { BindingOwner, BindingRecord, PrincipalType } from "./bindings";
export type { GroupRecord } from "./groups";
export type { KeyAuthRecord, KeyRecord, KeySecret, SecurityLevel } from "./keyRows";
export type { NotificationRecord } from "./notifications";
export type { RoleRecord } from "./roles";
export type { EntityScopeRecord, ScopeAssignment, ScopeDefinitionRecord } from "./scopes";
export type { Page } from "./sql";
export type { UserRecord } from "./users";

export class Store {
  readonly keys: KeyStore;
  readonly keyring: KeyringStore;
  readonly idempotency: IdempotencyStore;
  readonly nonces: NonceStore;
  readonly authFailures: AuthFailureStore;
  readonly roles: RoleStore;
  readonly retired: RetiredSweep;
  readonly bindings: BindingStore;
  readonly users: UserStore;
  readonly groups: GroupStore;
  readonly scopes: ScopeStore;
  readonly settings: SettingsStore;
  readonly notifications: NotificationStore;
  readonly leases: LeaseStore;
  readonly audit: AuditStore;
  /** The web console's sessions and sign-in challenges. */
  readonly sessions: SessionStore;
  private readonly nonceBatcher: NonceBatcher;

  constructor(readonly driver: Driver) {
    this.keys = new KeyStore(driver);
    this.keyring = new KeyringStore(driver);
    this.idempotency = new IdempotencyStore(driver);
    this.nonces = new NonceStore(driver);
    this.nonceBatcher = new NonceBatcher(this.nonces);
    this.authFailures = new AuthFailureStore(driver);
    this.roles = new RoleStore(driver);
    this.retired = new RetiredSweep(driver, this.keys);
    this.bindings = new BindingStore(driver);
    this.users = new UserStore(driver);
    this.groups = new GroupStore(driver);
    this.scopes = new ScopeStore(driver);
    this.settings = new SettingsStore(driver);
    this.notifications = new NotificationStore(driver);
    this.leases = new LeaseStore(driver);
    this.audit = new AuditStore(driver);
    this.sessions = new SessionStore(driver);
  }

  get dialect() {
    return this.driver.dialect;
  }

  /** Applies pending migrations and installs the predefined roles. */
  async init(predefined: RoleRecord[], now: number): Promise<void> {
    await migrate(this.driver);
    await this.roles.installPredefined(predefined, now);
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** The change counter that replicas poll to invalidate their caches. */
  revision(): Promise<number> {
    return readRevision(this.driver);
  }

  // keys.ts
  createKey: KeyStore["create"] = (...a) => this.keys.create(...a);
  getKeyAuth: KeyStore["getAuth"] = (...a) => this.keys.getAuth(...a);
  getKey: KeyStore["get"] = (...a) => this.keys.get(...a);
  listKeys: KeyStore["list"] = (...a) => this.keys.list(...a);
  updateKey: KeyStore["update"] = (...a) => this.keys.update(...a);
  deleteKeys: KeyStore["delete"] = (...a) => this.keys.delete(...a);
  revokeKeys: KeyStore["revoke"] = (...a) => this.keys.revoke(...a);
  retireKey: KeyStore["retire"] = (...a) => this.keys.retire(...a);
  touchLastUsed: KeyStore["touchLastUsed"] = (...a) => this.keys.touchLastUsed(...a);
  countKeys: KeyStore["count"] = (...a) => this.keys.count(...a);
  keyScopeTexts: KeyStore["scopeTexts"] = (...a) => this.keys.scopeTexts(...a);
  keysExpiringBetween: KeyStore["expiringBetween"] = (...a) => this.keys.expiringBetween(...a);
  keysUnusedSince: KeyStore["unusedSince"] = (...a) => this.keys.unusedSince(...a);
  // retiredSweep.ts
  purgeRetired: RetiredSweep["purge"] = (...a) => this.retired.purge(...a);
  // keyring.ts
  allKeySecrets: KeyringStore["allKeySecrets"] = (...a) => this.keyring.allKeySecrets(...a);
  replaceKeySecrets: KeyringStore["replaceKeySecrets"] = (...a) =>
    this.keyring.replaceKeySecrets(...a);
  keyringChecks: KeyringStore["checks"] = (...a) => this.keyring.checks(...a);
  addKeyringChecks: KeyringStore["addChecks"] = (...a) => this.keyring.addChecks(...a);
  keyringVersionsInUse: KeyringStore["versionsInUse"] = (...a) => this.keyring.versionsInUse(...a);
  // idempotency.ts
  getIdempotency: IdempotencyStore["get"] = (...a) => this.idempotency.get(...a);
  saveIdempotentReply: IdempotencyStore["saveReply"] = (...a) => this.idempotency.saveReply(...a);
  purgeIdempotency: IdempotencyStore["purge"] = (...a) => this.idempotency.purge(...a);
  allIdempotencyReplies: IdempotencyStore["allReplies"] = (...a) =>
    this.idempotency.allReplies(...a);
  replaceIdempotencyReplies: IdempotencyStore["replaceReplies"] = (...a) =>
    this.idempotency.replaceReplies(...a);
  // nonceBatcher.ts, nonces.ts
  recordNonce: NonceBatcher["record"] = (...a) => this.nonceBatcher.record(...a);
  purgeNonces: NonceStore["purge"] = (...a) => this.nonces.purge(...a);
  // authFailures.ts
  countAuthFailure: AuthFailureStore["count"] = (...a) => this.authFailures.count(...a);
  purgeAuthFailures: AuthFailureStore["purge"] = (...a) => this.authFailures.purge(...a);
  // roles.ts
  listRoles: RoleStore["list"] = (...a) => this.roles.list(...a);
  findRole: RoleStore["find"] = (...a) => this.roles.find(...a);
  getRolesByIds: RoleStore["getByIds"] = (...a) => this.roles.getByIds(...a);
  roleIdExists: RoleStore["idExists"] = (...a) => this.roles.idExists(...a);
  createRole: RoleStore["create"] = (...a) => this.roles.create(...a);
  updateRole: RoleStore["update"] = (...a) => this.roles.update(...a);
  roleUsage: RoleStore["usage"] = (...a) => this.roles.usage(...a);
  deleteRole: RoleStore["delete"] = (...a) => this.roles.delete(...a);
  // bindings.ts
  listBindings: BindingStore["list"] = (...a) => this.bindings.list(...a);
  getBinding: BindingStore["get"] = (...a) => this.bindings.get(...a);
  createBinding: BindingStore["create"] = (...a) => this.bindings.create(...a);
  deleteBinding: BindingStore["delete"] = (...a) => this.bindings.delete(...a);
  roleIdsOf: BindingStore["roleIdsOf"] = (...a) => this.bindings.roleIdsOf(...a);
  principalExists: BindingStore["principalExists"] = (...a) => this.bindings.principalExists(...a);
  // users.ts
  listUsers: UserStore["list"] = (...a) => this.users.list(...a);
  getUser: UserStore["get"] = (...a) => this.users.get(...a);
  createUser: UserStore["create"] = (...a) => this.users.create(...a);
  patchUser: UserStore["patch"] = (...a) => this.users.patch(...a);
  deleteUser: UserStore["delete"] = (...a) => this.users.delete(...a);
  existingUsers: UserStore["existing"] = (...a) => this.users.existing(...a);
  // groups.ts
  listGroups: GroupStore["list"] = (...a) => this.groups.list(...a);
  getGroup: GroupStore["get"] = (...a) => this.groups.get(...a);
  existingGroups: GroupStore["existing"] = (...a) => this.groups.existing(...a);
  createGroup: GroupStore["create"] = (...a) => this.groups.create(...a);
  patchGroup: GroupStore["patch"] = (...a) => this.groups.patch(...a);
  deleteGroup: GroupStore["delete"] = (...a) => this.groups.delete(...a);
  groupIdsOfUser: GroupStore["idsOfUser"] = (...a) => this.groups.idsOfUser(...a);
  groupsWithParents: GroupStore["withParents"] = (...a) => this.groups.withParents(...a);
  nestingCycle: GroupStore["nestingCycle"] = (...a) => this.groups.nestingCycle(...a);
  // scopes.ts
  listScopeDefinitions: ScopeStore["listDefinitions"] = (...a) => this.scopes.listDefinitions(...a);
  findScopeDefinition: ScopeStore["findDefinition"] = (...a) => this.scopes.findDefinition(...a);
  createScopeDefinition: ScopeStore["createDefinition"] = (...a) =>
    this.scopes.createDefinition(...a);
  updateScopeDefinition: ScopeStore["updateDefinition"] = (...a) =>
    this.scopes.updateDefinition(...a);
  deleteScopeDefinition: ScopeStore["deleteDefinition"] = (...a) =>
    this.scopes.deleteDefinition(...a);
  scopeDefinitionUsers: ScopeStore["definitionUsers"] = (...a) => this.scopes.definitionUsers(...a);
  putEntityScope: ScopeStore["putEntity"] = (...a) => this.scopes.putEntity(...a);
  getEntityScope: ScopeStore["getEntity"] = (...a) => this.scopes.getEntity(...a);
  // settings.ts
  getSettings: SettingsStore["get"] = (...a) => this.settings.get(...a);
  updateSettings: SettingsStore["update"] = (...a) => this.settings.update(...a);
  // notifications.ts
  insertNotification: NotificationStore["insert"] = (...a) => this.notifications.insert(...a);
  listNotifications: NotificationStore["list"] = (...a) => this.notifications.list(...a);
  setNotificationRead: NotificationStore["setRead"] = (...a) => this.notifications.setRead(...a);
  dueWebhooks: NotificationStore["dueWebhooks"] = (...a) => this.notifications.dueWebhooks(...a);
  recordWebhookAttempt: NotificationStore["recordWebhookAttempt"] = (...a) =>
    this.notifications.recordWebhookAttempt(...a);
  // leases.ts
  acquireLease: LeaseStore["acquire"] = (...a) => this.leases.acquire(...a);
  releaseLease: LeaseStore["release"] = (...a) => this.leases.release(...a);
  // audit.ts
  purgeAudit: AuditStore["purge"] = (...a) => this.audit.purge(...a);
  insertAudit: AuditStore["insert"] = (...a) => this.audit.insert(...a);
  listAudit: AuditStore["list"] = (...a) => this.audit.list(...a);
}
