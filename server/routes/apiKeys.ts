/** API keys: generate, list, get, edit, delete, revoke, examples, validate. */
import { IDEMPOTENCY_WINDOW_MS, pageWindow } from "../../sdk/contract";
import type { Answer, CallCtx, Ctx, Handlers, ReplyOf } from "../http/context";
import { storedReply } from "../http/idempotency";
import { data, reply } from "../http/reply";
import { keyDisplayName } from "../auth/cache";
import { assertAdminRemains, assertCanActOn } from "../authz/acting";
import {
  assertCanGrantRoles,
  resolveExpiration,
  resolveRoles,
  resolveScope,
} from "../authz/grants";
import { assertKeyPolicy } from "../authz/keyPolicy";
import { canSeeKey, keyNarrowing } from "../authz/keyVisibility";
import { generateKeyValue } from "../crypto/keyFormat";
import { ApiError, invalid } from "../errors";
import { curlExample, pythonExample } from "../examples";
import { UniqueViolation, type KeyRecord } from "../store/store";

/** A key as the wire shows it. Never the secret. */
export function keyToWire(c: CallCtx, k: KeyRecord) {
  const status: "revoked" | "expired" | "active" =
    k.status === "revoked"
      ? "revoked"
      : k.expiration !== null && k.expiration <= c.now
        ? "expired"
        : "active";
  return {
    id: k.id,
    creation_time: k.createdAt,
    created_by: k.createdBy,
    user_name: k.userName,
    roles: k.roleNames,
    security_level: k.securityLevel,
    comment: k.comment,
    expiration: k.expiration,
    last_used: c.svc.lastUsed.merge(k.id, k.lastUsed),
    status,
    scope_definition_id: k.scopeDefinitionId,
    has_scope: k.hasScope,
    retiring: k.retiring,
  };
}

function parseId(raw: string | undefined, field: string): number {
  if (!raw || !/^[1-9][0-9]{0,14}$/.test(raw))
    throw invalid(field, "must be a positive integer key id");
  return Number(raw);
}

function notFound(id: number): ApiError {
  return new ApiError("NOT_FOUND", `Api Key fetch failed: api_key_id does not exist, id=${id}.`);
}

function idsOf(filters: Array<{ value: number[] }>): number[] {
  return [...new Set(filters.flatMap((f) => f.value))];
}

/** The base URL examples point at: the tenant FQDN when set, else where this request came in. */
function baseUrl(c: CallCtx, fqdn: string | null): string {
  if (fqdn) return `https://${fqdn}`;
  // The Host header is the caller's to choose, and the snippets put it inside Python and shell
  // quotes: use it only when it is a plain host[:port], else a placeholder to fill in.
  const host = c.req.host || c.req.hostname;
  const plain = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/.test(host);
  return `${c.req.protocol === "https" ? "https" : "http"}://${plain ? host : "YOUR_TENANT_HOST"}`;
}

async function generate(c: Ctx<"apiKeys.generate">) {
  const b = c.body;
  const { store, keyring, cache } = c.svc;
  const settings = await cache.getSettings();
  const idem = c.idempotency;

  const roles = await resolveRoles(c, b.roles, "request_data.roles");
  assertCanGrantRoles(c, roles, "these roles");
  const expiration = resolveExpiration(b.expiration, settings, c.now, "request_data.expiration");
  assertKeyPolicy(
    settings,
    {
      securityLevel: b.security_level,
      roleIds: roles.map((r) => r.roleId),
      comment: b.comment ?? null,
      expiration,
    },
    "all",
  );
  const scope = b.scope ? await resolveScope(c, b.scope, "request_data.scope") : undefined;
  const key = generateKeyValue(c.svc.random);
  const actor = c.principal;
  let id: number;
  try {
    id = await store.createKey({
      securityLevel: b.security_level,
      secret: (newId) => {
        if (b.security_level === "standard") {
          const h = keyring.hashKey(key);
          return { secretHash: h.hash, pepperChain: h.chain, secretEnc: null, masterKeyId: null };
        }
        const e = keyring.encrypt(key, `api-key:${newId}`);
        return { secretHash: null, pepperChain: null, secretEnc: e.enc, masterKeyId: e.keyId };
      },
      comment: b.comment ?? null,
      expiration,
      createdAt: c.now,
      createdBy: actor.displayName,
      userName: actor.displayName,
      creatorKeyId: actor.keyId,
      roleIds: roles.map((r) => r.roleId),
      bindingIds: roles.map(() => c.svc.newId("rb-")),
      scope,
      // The record is written with the key (the key is shown once: a reply lost after the
      // commit must still be replayable), so the pipeline does not write it again.
      idempotency: idem
        ? {
            actorKeyId: actor.keyId,
            key: idem.key,
            requestHash: idem.hash,
            notBefore: c.now - IDEMPOTENCY_WINDOW_MS,
            encryptReply: (newId) => idem.seal(reply({ id: newId, key }).body),
          }
        : undefined,
    });
    if (idem) idem.recorded = true;
  } catch (e) {
    if (e instanceof UniqueViolation && idem) {
      // A twin request with the same Idempotency-Key won the race: answer as it did.
      const replay = await storedReply(c.svc, actor.keyId, idem, c.now);
      idem.recorded = true;
      if (replay) return replay as Answer<ReplyOf<"apiKeys.generate">>;
    }
    throw e;
  }
  await c.svc.audit.record(c.req, actor, {
    entity: "API_KEY",
    subtype: "create",
    description: `Generated ${b.security_level} API key ${id} with roles ${roles.map((r) => r.prettyName).join(", ")}`,
    objectId: id,
    assetNames: keyDisplayName(id),
    additional: {
      security_level: b.security_level,
      roles: roles.map((r) => r.prettyName),
      expiration,
      scope: scope ? ("scopeDefinitionId" in scope ? scope.scopeDefinitionId : "inline") : null,
    },
  });
  // The new row as lists show it (extension), so the caller need not read it back. Not in the
  // stored reply above: a replay reads as before, and the caller reads the key as it is by then.
  const row = await store.getKey(id);
  return {
    ...reply({ id, key, ...(row ? { api_key: keyToWire(c, row) } : {}) }),
    keysWritten: [id],
  };
}

async function list(c: Ctx<"apiKeys.list">) {
  const b = c.body;
  const { offset, limit } = pageWindow(b);
  if (b.search_to !== undefined && b.search_from !== undefined && b.search_to < b.search_from) {
    throw invalid("request_data.search_to", "must not be less than search_from");
  }
  // A last_used filter reads the column: write this replica's recent uses first, so the rows agree with it.
  if (b.filters?.some((f) => f.field === "last_used")) await c.svc.lastUsed.flush();
  // Under SBAC only the keys within the caller's scope, and TOTAL_COUNT counts only those.
  const narrow = await keyNarrowing(c);
  const res = await c.svc.store.listKeys({
    filters: b.filters ?? [],
    sort: b.sort,
    offset,
    limit,
    now: c.now,
    totalCount: narrow ? undefined : await c.svc.cache.totalKeys(),
    narrow,
  });
  return reply({
    DATA: res.rows.map((k) => keyToWire(c, k)),
    FILTER_COUNT: res.filterCount,
    TOTAL_COUNT: res.totalCount,
  });
}

async function getOne(c: Ctx<"apiKeys.get">) {
  const id = parseId(c.params.id, "api_key_id");
  const k = await c.svc.store.getKey(id);
  // A key outside the caller's scope answers as one that does not exist.
  if (!k || !(await canSeeKey(c, id, k))) throw notFound(id);
  return data(keyToWire(c, k));
}

async function edit(c: Ctx<"apiKeys.edit">) {
  const id = parseId(c.params.id, "api_key_id");
  const b = c.body;
  const { store, cache } = c.svc;
  const k = await store.getKey(id);
  if (!k) throw notFound(id);
  if (b.security_level !== undefined && b.security_level !== k.securityLevel) {
    throw invalid(
      "request_data.security_level",
      `cannot change from ${k.securityLevel} to ${b.security_level}; generate a new key instead`,
    );
  }
  if (k.status === "revoked")
    throw new ApiError("CONFLICT", `API key ${id} is revoked and cannot be edited`);
  await assertCanActOn(c, "api-key", String(id), `editing API key ${id}`);
  let roleIds: string[] | undefined;
  const changes: Record<string, unknown> = {};
  if (b.roles !== undefined) {
    const roles = await resolveRoles(c, b.roles, "request_data.roles");
    assertCanGrantRoles(c, roles, "these roles");
    roleIds = roles.map((r) => r.roleId);
    changes.roles = roles.map((r) => r.prettyName);
    const keep = roleIds;
    await assertAdminRemains(
      c,
      {
        dropBindings: (x) =>
          x.principalType === "api-key" &&
          x.principalId === String(id) &&
          x.owner === "api-key" &&
          !keep.includes(x.roleId),
      },
      `editing the roles of API key ${id}`,
    );
  }
  let expiration: number | null | undefined;
  if (b.expiration !== undefined) {
    expiration = resolveExpiration(
      b.expiration,
      await cache.getSettings(),
      c.now,
      "request_data.expiration",
      k.createdAt,
    );
    changes.expiration = expiration;
  }
  if (b.comment !== undefined) changes.comment = b.comment === null ? null : "(changed)";
  const next = {
    securityLevel: k.securityLevel,
    roleIds: roleIds ?? k.roleIds,
    comment: b.comment === undefined ? k.comment : b.comment,
    expiration: expiration === undefined ? k.expiration : expiration,
  };
  assertKeyPolicy(
    await cache.getSettings(),
    next,
    (["roles", "comment", "expiration"] as const).filter((f) => b[f] !== undefined),
  );
  await store.updateKey(id, {
    roleIds,
    bindingIds: roleIds?.map(() => c.svc.newId("rb-")),
    comment: b.comment === undefined ? undefined : b.comment,
    expiration,
    by: c.principal.displayName,
    now: c.now,
  });
  await c.svc.audit.record(c.req, c.principal, {
    entity: "API_KEY",
    subtype: "edit",
    description: `Edited API key ${id}: ${Object.keys(changes).join(", ") || "no change"}`,
    objectId: id,
    assetNames: keyDisplayName(id),
    additional: changes,
  });
  // The edited row as lists show it (extension), so the caller need not read it back.
  const row = await store.getKey(id);
  return data({
    message: "API key updated successfully",
    ...(row ? { api_key: keyToWire(c, row) } : {}),
  });
}

/** The checks before keys stop working: the caller holds what each holds, and an administrator remains. */
async function assertCanEnd(c: CallCtx, ids: number[], what: string): Promise<void> {
  for (const id of ids) await assertCanActOn(c, "api-key", String(id), `${what} API key ${id}`);
  await assertAdminRemains(
    c,
    { dropKeys: ids },
    `${what} ${ids.length === 1 ? `API key ${ids[0]}` : "these API keys"}`,
  );
}

async function remove(c: Ctx<"apiKeys.delete">) {
  const ids = idsOf(c.body.filters);
  await assertCanEnd(c, ids, "deleting");
  const n = await c.svc.store.deleteKeys(ids);
  await c.svc.audit.record(c.req, c.principal, {
    entity: "API_KEY",
    subtype: "delete",
    description: `Deleted ${n} API key(s): ${ids.join(", ")}`,
    objectId: ids.length === 1 ? ids[0] : null,
    additional: { ids, deleted: n },
  });
  return { ...reply({ update_count: n }), keysWritten: ids };
}

async function revoke(c: Ctx<"apiKeys.revoke">) {
  const ids = idsOf(c.body.filters);
  await assertCanEnd(c, ids, "revoking");
  const n = await c.svc.store.revokeKeys(ids, c.now);
  await c.svc.audit.record(c.req, c.principal, {
    entity: "API_KEY",
    subtype: "revoke",
    description: `Revoked ${n} API key(s): ${ids.join(", ")}`,
    objectId: ids.length === 1 ? ids[0] : null,
    additional: { ids, revoked: n },
  });
  return reply({ update_count: n });
}

async function retire(c: Ctx<"apiKeys.retire">) {
  const { id, expiration } = c.body;
  await assertCanEnd(c, [id], "retiring");
  const res = await c.svc.store.retireKey(id, expiration, c.now);
  if (res === "not_found") throw notFound(id);
  const k = res === "retiring" ? await c.svc.store.getKey(id) : undefined;
  await c.svc.audit.record(c.req, c.principal, {
    entity: "API_KEY",
    subtype: res === "deleted" ? "delete" : "retire",
    description:
      res === "deleted"
        ? `Deleted API key ${id} (retired after its expiration)`
        : `Retired API key ${id}: it works until ${new Date(k!.expiration!).toISOString()}, then is deleted`,
    objectId: id,
    assetNames: keyDisplayName(id),
    additional: { requested_expiration: expiration, expiration: k?.expiration ?? null },
  });
  return reply({ id, status: res, expiration: k?.expiration ?? null });
}

async function examples(c: Ctx<"apiKeys.examples">) {
  const { id } = c.body;
  const k = await c.svc.store.getKey(id);
  if (!k || !(await canSeeKey(c, id, k))) throw notFound(id);
  const url = baseUrl(c, (await c.svc.cache.getSettings()).tenant_fqdn);
  const o = { baseUrl: url, keyId: id, level: k.securityLevel };
  return reply({
    id,
    security_level: k.securityLevel,
    url,
    python: pythonExample(o),
    curl: curlExample(o),
  });
}

/** A JSON string, not a boolean: see `ValidateReply` in the contract. */
const VALIDATED = "true";

export const apiKeyHandlers: Handlers = {
  "apiKeys.generate": generate,
  "apiKeys.list": list,
  "apiKeys.get": getOne,
  "apiKeys.edit": edit,
  "apiKeys.delete": remove,
  "apiKeys.revoke": revoke,
  "apiKeys.retire": retire,
  "apiKeys.examples": examples,
  "apiKeys.validate": async () => ({ body: VALIDATED }),
  "apiKeys.validateGet": async () => ({ body: VALIDATED }),
  "apiKeys.validateBare": async () => ({ body: VALIDATED }),
  "apiKeys.validateBarePost": async () => ({ body: VALIDATED }),
};
