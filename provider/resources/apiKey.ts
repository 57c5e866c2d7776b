/**
 * ApiKey: one API key, its roles, comment, expiration and scope.
 *
 * Replaced when: `securityLevel`, `rotationTriggers`, `adopt` or `sealTo` change; the key has expired; or
 * it is inside `rotateBefore` of its expiry. Updated in place: `roles`, `comment`, `expiration` /
 * `expiresIn`, `scope`. Replacement is create-before-delete, and with `overlap` the delete that
 * follows only shortens the old key's life to now + overlap, so consumers can switch over.
 *
 * Drift: `read` returns the live key; refresh shows roles, comment, expiration and scope changed
 * by hand as updates that the next `up` reverts; a key deleted or revoked out of band drops out
 * of state (the next `up` recreates it); an expired key plans a replacement.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  authHeaders,
  canonicalScope,
  MAX_COMMENT,
  scopeFromRead,
  ScopeAreasWrite,
  type ApiKey as WireKey,
  type CanonicalScope,
} from "../../sdk/contract";
import { KeyplaneApiError, KeyplaneConnectError, KeyplaneTimeoutError } from "../../sdk/errors";
import type { KeyScopeInput } from "../api";
import {
  defined,
  failuresFrom,
  iso,
  isUnknown,
  outputOnlyKeys,
  outputPlaceholders,
  sameSet,
  stable,
  withoutEngineKeys,
  type CheckFailure,
  type ProviderDeps,
} from "../common";
import { humanDuration, parseDuration, parseInstant } from "../durations";
import { SEALED_KEY_VALUE, SealTo, sealKey } from "../seal";
import { providerShell } from "../shell";

/** Retries of verifyAfterCreate's `auth/verify` after a transient failure, each freshly signed. */
const VERIFY_RETRIES = 6;

/** What `key` holds for an adopted key, whose value keyplane never saw. */
export const ADOPTED_KEY_VALUE =
  "(adopted: keyplane never saw this key's value; rotate it to get a new one)";

const Duration = (what: string) =>
  z.string().refine((s) => parseDuration(s) !== undefined, {
    error: (iss) =>
      `'${String(iss.input)}' is not a duration; write e.g. "90d", "12h", "30m" (${what})`,
  });

/** ApiKey inputs, as `check` validates them. Every field has a description: docs/resources.md is generated from them. */
export const ApiKeyInputs = z
  .object({
    securityLevel: z
      .enum(["standard", "advanced"], { error: "must be `standard` or `advanced`" })
      .default("standard")
      .describe(
        "`standard` or `advanced` (each request signed with sha256(key + nonce + timestamp)). A change replaces the key.",
      ),
    roles: z
      .array(z.string().trim().min(1, "must not be empty"), {
        error: "must be a list of role names",
      })
      .min(1, "must name at least one role")
      .max(32, "must name at most 32 roles")
      .describe(
        "Roles by display name (or role id), e.g. `Viewer` or a `Role` resource's `name`. Updated in place.",
      ),
    comment: z
      .string()
      .max(MAX_COMMENT, `must be at most ${MAX_COMMENT} characters`)
      .optional()
      .describe("Free text shown in the API Keys table. Updated in place."),
    expiration: z
      .union([z.string(), z.number()])
      .optional()
      .describe(
        "When the key stops working: ISO-8601 or epoch ms. Updated in place. Give this or `expiresIn`, not both.",
      ),
    expiresIn: Duration("expiresIn")
      .optional()
      .describe(
        "Lifetime from creation, e.g. `90d`. Resolved once, at create: it does not move on later runs. Changing it updates the expiration to now + the new value.",
      ),
    rotateBefore: Duration("rotateBefore")
      .optional()
      .describe(
        "Once the key is within this window of its expiry (e.g. `7d`), the plan replaces it.",
      ),
    overlap: Duration("overlap")
      .optional()
      .describe(
        "On delete (after a replacement, and on destroy), shorten the old key's expiry to now + overlap (e.g. `24h`) instead of deleting it.",
      ),
    scope: z
      .unknown()
      .optional()
      .describe(
        "The key's scope: a `ScopeDefinition`'s `scopeId`, or inline areas in the reference's write shape. Updated in place.",
      ),
    rotationTriggers: z
      .unknown()
      .optional()
      .describe('Any value; a change replaces (rotates) the key, e.g. `["2026-Q3"]`.'),
    verifyAfterCreate: z
      .boolean({ error: "must be true or false" })
      .default(true)
      .describe(
        "Right after minting, verify the new key (signed, if Advanced) and fail, removing it, if its effective roles or scope differ from what was asked.",
      ),
    adopt: z.coerce
      .number({ error: "must be a key id" })
      .int("must be a key id")
      .positive("must be a key id")
      .optional()
      .describe(
        "Take over an existing key by id instead of minting one. Its value stays unknown: `key` says so.",
      ),
    sealTo: SealTo.optional().describe(
      "age recipients (`age1…`, one or a list): the key is encrypted to them right after generate and comes out only as `sealedKey`; `key` then says it was sealed. A change replaces the key.",
    ),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.expiration !== undefined && v.expiresIn !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["expiresIn"],
        message: "give `expiration` or `expiresIn`, not both",
      });
    }
    if (
      v.expiration !== undefined &&
      !isUnknown(v.expiration) &&
      parseInstant(v.expiration) === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["expiration"],
        message: `'${v.expiration}' is not an ISO-8601 date-time or epoch milliseconds`,
      });
    }
    if (v.scope !== undefined && !isUnknown(v.scope)) {
      if (typeof v.scope === "string") {
        if (v.scope.trim() === "")
          ctx.addIssue({ code: "custom", path: ["scope"], message: "must not be empty" });
      } else if (v.scope && typeof v.scope === "object" && !Array.isArray(v.scope)) {
        const r = ScopeAreasWrite.safeParse(v.scope);
        if (!r.success)
          for (const i of r.error.issues)
            ctx.addIssue({
              code: "custom",
              path: ["scope", ...i.path.map((p) => p as string | number)],
              message: i.message,
            });
      } else {
        ctx.addIssue({
          code: "custom",
          path: ["scope"],
          message: "must be a ScopeDefinition's scopeId or scope areas",
        });
      }
    }
    if (
      v.rotateBefore !== undefined &&
      v.expiresIn !== undefined &&
      !isUnknown(v.rotateBefore) &&
      !isUnknown(v.expiresIn)
    ) {
      const w = parseDuration(v.rotateBefore);
      const life = parseDuration(v.expiresIn);
      if (w !== undefined && life !== undefined && w >= life) {
        ctx.addIssue({
          code: "custom",
          path: ["rotateBefore"],
          message: `must be shorter than expiresIn (${v.expiresIn}), or every run would rotate the key`,
        });
      }
    }
    if (v.sealTo !== undefined && v.adopt !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["sealTo"],
        message: "cannot seal an adopted key: keyplane never saw its value",
      });
    if (v.rotateBefore !== undefined && v.expiration === undefined && v.expiresIn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rotateBefore"],
        message:
          "needs `expiration` or `expiresIn`: a key that never expires is never inside the window",
      });
    }
  });
export type ApiKeyInputs = Omit<z.output<typeof ApiKeyInputs>, "scope"> & {
  scope?: string | ScopeAreasWrite;
};

/** ApiKey outputs: the schema's outputs, declared once (docs, the resource class, the plugin's schema). */
export const ApiKeyOutputs = z.object({
  keyId: z.number().int().describe("The key id (`x-xdr-auth-id`)."),
  key: z
    .string()
    .describe(
      "The key value, a secret (encrypted in state). For an adopted key, a note saying it is unknown; with `sealTo`, a note saying it was sealed.",
    ),
  createdAt: z.string().describe("ISO-8601."),
  expiresAt: z.string().nullable().describe("ISO-8601, or null when the key never expires."),
  createdBy: z
    .string()
    .nullable()
    .describe("Who made it (`Public API - <id>` of the provider's credential)."),
  status: z.enum(["active", "expired", "revoked"]).describe("`active`, `expired` or `revoked`."),
  roles: z.array(z.string()).describe("Display names of the roles the key holds."),
  comment: z.string().nullable().describe("The live comment."),
  securityLevel: z.enum(["standard", "advanced"]).describe("`standard` or `advanced`."),
  lastUsed: z
    .string()
    .nullable()
    .describe("ISO-8601 of the last successful authentication (updated within seconds), or null."),
  scopeId: z.string().nullable().describe("The scope definition the key points at, or null."),
  sealedKey: z
    .string()
    .nullable()
    .describe(
      "With `sealTo`: the key, age-encrypted (ASCII armor) to those recipients inside the provider; open it with `keyplane unseal --identity FILE` or `age -d -i FILE`. The value itself is then nowhere in state.",
    ),
});
const API_KEY_OUTPUT_ONLY = outputOnlyKeys(ApiKeyOutputs, ApiKeyInputs as unknown as z.ZodObject);

/** What an ApiKey's state holds: the live key plus the inputs it was made from. */
export interface ApiKeyState {
  keyId: number;
  key: string;
  createdAt: string;
  expiresAt: string | null;
  expiresAtMs: number | null;
  createdBy: string | null;
  status: string;
  roles: string[];
  comment: string | null;
  securityLevel: "standard" | "advanced";
  lastUsed: string | null;
  scopeId: string | null;
  /** The live scope, canonical (null: none). */
  scopeAreas: CanonicalScope | null;
  hasScope: boolean;
  adopted: boolean;
  /** Echoed inputs. */
  rolesInput: string[];
  /** What `rolesInput` resolved to on the server at the last create/update (role ids → names). */
  rolesResolved: string[];
  commentInput?: string;
  expirationInput?: number;
  expiresIn?: string;
  /** The expiration this resource asked for (from `expiration`, or from `expiresIn` at create). */
  desiredExpiration: number | null;
  rotateBefore?: string;
  overlap?: string;
  scopeInput?: string | ScopeAreasWrite;
  rotationTriggers?: unknown;
  verifyAfterCreate: boolean;
  adopt?: number;
  sealTo?: string[];
  /** The key, age-encrypted to `sealTo` (armored); `key` then holds only a note. */
  sealedKey?: string;
}

type News = ApiKeyInputs & { expiration?: number };

/** The inputs a state was made from (the echoes kept beside the live values). */
function inputsOf(st: ApiKeyState): News {
  return defined({
    securityLevel: st.securityLevel,
    roles: st.rolesInput,
    comment: st.commentInput,
    expiration: st.expirationInput,
    expiresIn: st.expiresIn,
    rotateBefore: st.rotateBefore,
    overlap: st.overlap,
    scope: st.scopeInput,
    rotationTriggers: st.rotationTriggers,
    verifyAfterCreate: st.verifyAfterCreate ?? true,
    adopt: st.adopt,
    sealTo: st.sealTo,
  }) as News;
}

function keyScopeParam(scope: string | ScopeAreasWrite | undefined): KeyScopeInput | undefined {
  if (scope === undefined) return undefined;
  return typeof scope === "string" ? { scope_definition_id: scope } : scope;
}

/** Whether the live scope matches the requested one. */
function scopeMatches(
  want: string | ScopeAreasWrite | undefined,
  live: { scopeId: string | null; areas: CanonicalScope | null; has: boolean },
): boolean {
  if (want === undefined) return !live.has;
  if (typeof want === "string") return live.scopeId === want;
  return (
    live.scopeId === null &&
    live.areas !== null &&
    stable(canonicalScope(want)) === stable(live.areas)
  );
}

type LiveScope = { scopeId: string | null; areas: CanonicalScope | null; has: boolean };

function liveScope(
  s:
    | ({ scope_definition_id?: string | null; has_scope?: boolean } & Parameters<
        typeof scopeFromRead
      >[0])
    | null,
) {
  if (!s || s.has_scope === false) return { scopeId: null, areas: null, has: false };
  return { scopeId: s.scope_definition_id ?? null, areas: scopeFromRead(s), has: true };
}

/** One property that forces a replacement, and the sentence that says why. */
export interface PlannedReplace {
  property:
    "securityLevel" | "rotationTriggers" | "adopt" | "sealTo" | "expiration" | "rotateBefore";
  reason: string;
}

/** What moving an ApiKey from `olds` (its state) to `news` (checked inputs) takes, at `now`. */
export interface ApiKeyPlan {
  /** Whether anything differs (a replacement or an update). */
  changes: boolean;
  /** Properties that replace the key, each with its reason. */
  replaces: PlannedReplace[];
  /** User-facing properties updated in place (on the server, or only in state). */
  updates: string[];
  /** The edit an update sends to the server (empty: none). */
  edit: { roles?: string[]; comment?: string | null; expiration?: number | null };
  /** Whether an update sets the key's scope. */
  setScope: boolean;
  /** The expiration this resource asks for after the change (undefined: not known yet, in preview). */
  desiredExpiration: number | null | undefined;
}

/**
 * The one place that decides what changes: diff reports it, update carries it out. Pure: the
 * state, the inputs and the clock in, the plan out. `news` may hold unknowns (preview); those
 * count as changes and are left out of `edit`.
 */
export function planApiKey(olds: ApiKeyState, news: News, now: number): ApiKeyPlan {
  const replaces: PlannedReplace[] = [];
  const updates: string[] = [];
  const edit: ApiKeyPlan["edit"] = {};
  if (olds.securityLevel !== news.securityLevel)
    replaces.push({
      property: "securityLevel",
      reason: `keyplane: key ${olds.keyId}: securityLevel ${olds.securityLevel} → ${news.securityLevel}: replacing it`,
    });
  if (stable(olds.rotationTriggers) !== stable(news.rotationTriggers))
    replaces.push({
      property: "rotationTriggers",
      reason: `keyplane: key ${olds.keyId}: rotationTriggers changed: replacing it`,
    });
  if ((olds.adopt ?? null) !== (news.adopt ?? null))
    replaces.push({
      property: "adopt",
      reason: `keyplane: key ${olds.keyId}: adopt changed: replacing it`,
    });
  if (stable(olds.sealTo) !== stable(news.sealTo))
    replaces.push({
      property: "sealTo",
      reason: `keyplane: key ${olds.keyId}: sealTo changed: replacing it`,
    });
  const exp = olds.expiresAtMs;
  if (exp !== null && exp !== undefined) {
    if (exp <= now) {
      replaces.push({
        property: "expiration",
        reason: `keyplane: key ${olds.keyId} expired ${humanDuration(now - exp)} ago: replacing it`,
      });
    } else if (news.rotateBefore && !isUnknown(news.rotateBefore)) {
      const window = parseDuration(news.rotateBefore)!;
      if (exp - now < window) {
        replaces.push({
          property: "rotateBefore",
          reason: `keyplane: key ${olds.keyId} expires in ${humanDuration(exp - now)}, rotateBefore ${humanDuration(window)}: replacing it`,
        });
      }
    }
  }
  // Roles: a changed input, or live roles that differ from what the input resolved to.
  if (
    isUnknown(news.roles) ||
    stable(news.roles) !== stable(olds.rolesInput) ||
    !sameSet(olds.roles, olds.rolesResolved)
  ) {
    updates.push("roles");
    if (!isUnknown(news.roles)) edit.roles = news.roles;
  }
  if (isUnknown(news.comment) || (news.comment ?? null) !== (olds.comment ?? null)) {
    updates.push("comment");
    if (!isUnknown(news.comment)) edit.comment = news.comment ?? null;
  }
  // Expiration: what this resource wants now vs what the key has.
  let desired: number | null | undefined;
  if (news.expiration !== undefined)
    desired = isUnknown(news.expiration) ? undefined : (news.expiration as number);
  else if (news.expiresIn !== undefined)
    desired = isUnknown(news.expiresIn)
      ? undefined
      : news.expiresIn === olds.expiresIn
        ? olds.desiredExpiration
        : now + parseDuration(news.expiresIn)!;
  else
    desired =
      olds.expirationInput !== undefined || olds.expiresIn !== undefined
        ? null
        : olds.desiredExpiration;
  if (desired === undefined || desired !== (olds.expiresAtMs ?? null)) {
    updates.push("expiration");
    if (desired !== undefined) edit.expiration = desired;
  }
  if (news.expiresIn !== olds.expiresIn && !updates.includes("expiration"))
    updates.push("expiresIn");
  const setScope =
    isUnknown(news.scope) ||
    !scopeMatches(news.scope, {
      scopeId: olds.scopeId ?? null,
      areas: olds.scopeAreas ?? null,
      has: !!olds.hasScope,
    });
  if (setScope) updates.push("scope");
  for (const f of ["rotateBefore", "overlap", "verifyAfterCreate"] as const)
    if (stable(news[f]) !== stable(olds[f])) updates.push(f);
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    updates,
    edit,
    setScope,
    desiredExpiration: desired,
  };
}

export function apiKeyProvider(deps: ProviderDeps): pulumi.dynamic.ResourceProvider {
  /** Builds the state from the live key and the inputs. */
  async function stateOf(
    id: number,
    key: string,
    news: News,
    extra: {
      rolesResolved: string[];
      desiredExpiration: number | null;
      adopted: boolean;
      sealedKey?: string;
    },
    live?: WireKey,
    scopeKnown?: LiveScope,
  ): Promise<ApiKeyState> {
    const api = deps.api();
    const k = live ?? (await api.getKey(id));
    if (!k) throw new Error(`API key ${id} disappeared while it was being set up`);
    const s = scopeKnown ?? (await scopeOf(id, k));
    return defined({
      keyId: id,
      key,
      createdAt: iso(k.creation_time)!,
      expiresAt: iso(k.expiration),
      expiresAtMs: k.expiration ?? null,
      createdBy: k.created_by ?? null,
      status: k.status ?? "active",
      roles: k.roles,
      comment: k.comment ?? null,
      securityLevel: k.security_level as "standard" | "advanced",
      lastUsed: iso(k.last_used),
      scopeId: s.scopeId,
      scopeAreas: s.areas,
      hasScope: s.has,
      adopted: extra.adopted,
      rolesInput: news.roles,
      rolesResolved: extra.rolesResolved,
      commentInput: news.comment,
      expirationInput: news.expiration,
      expiresIn: news.expiresIn,
      desiredExpiration: extra.desiredExpiration,
      rotateBefore: news.rotateBefore,
      overlap: news.overlap,
      scopeInput: news.scope,
      rotationTriggers: news.rotationTriggers,
      verifyAfterCreate: news.verifyAfterCreate,
      adopt: news.adopt,
      sealTo: news.sealTo,
      sealedKey: extra.sealedKey,
    }) as ApiKeyState;
  }

  /**
   * `auth/verify` is never retried by the SDK (it cannot re-sign forwarded headers, and a repeat
   * of an Advanced request is a replay). Here the headers are made afresh for every attempt, so a
   * transient failure (connection lost or reset, time-out, 429/502/503/504) is retried: without
   * this, one blip on this single call failed the whole create and threw the new key away.
   */
  async function verifyFresh<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (e) {
        const transient =
          e instanceof KeyplaneConnectError ||
          e instanceof KeyplaneTimeoutError ||
          (e instanceof KeyplaneApiError && [429, 502, 503, 504].includes(e.status));
        if (!transient || i >= VERIFY_RETRIES) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(4000, 250 * 2 ** i)));
      }
    }
  }

  /** The key's live scope (one call saved when the key row says it has none). */
  async function scopeOf(id: number, k: WireKey): Promise<LiveScope> {
    if (k.has_scope === false) return { scopeId: null, areas: null, has: false };
    return liveScope((await deps.api().getScope("api-key", String(id))) as never);
  }

  /**
   * verifyAfterCreate: the key must authenticate and hold exactly the roles and scope asked for.
   * Returns what it read, so that create need not read it again.
   */
  async function verifyNewKey(
    id: number,
    key: string,
    news: News,
  ): Promise<{ k: WireKey; scope: LiveScope }> {
    const api = deps.api();
    const cred = { apiKeyId: id, apiKey: key, securityLevel: news.securityLevel };
    const res = await verifyFresh(() => api.verify(authHeaders(cred, deps.now)));
    const k = await api.getKey(id);
    if (!k) throw new Error(`API key ${id} is gone right after it was generated`);
    let roles: string[];
    let scope: { scopeId: string | null; areas: CanonicalScope | null; has: boolean };
    if (res === "forbidden") {
      // This credential may not call verify: prove the key works by using it, and read what it holds.
      if (!(await api.validateAs(cred)))
        throw new Error(`API key ${id} does not authenticate right after it was generated`);
      roles = k.roles;
      scope = await scopeOf(id, k);
    } else {
      if (!res.valid)
        throw new Error(
          `API key ${id} does not authenticate right after it was generated (${res.reason})`,
        );
      roles = res.roles;
      scope = await scopeOf(id, k);
      if (res.has_scope !== scope.has)
        throw new Error(`API key ${id}: verify and the scope API disagree about its scope`);
    }
    if (
      !sameSet(roles, k.roles) ||
      k.roles.length !== new Set(news.roles.map((r) => r.toLowerCase())).size
    ) {
      // Effective roles (verify) must be exactly the key's own roles, one per role asked for.
      throw new Error(
        `API key ${id} holds roles [${roles.join(", ")}] but [${news.roles.join(", ")}] were asked for`,
      );
    }
    if (!scopeMatches(news.scope, scope)) {
      throw new Error(`API key ${id} has a different scope than was asked for`);
    }
    return { k, scope };
  }

  return {
    async check(olds, rawNews) {
      const failures: CheckFailure[] = [];
      const news = withoutEngineKeys(rawNews, API_KEY_OUTPUT_ONLY);
      const parsed = ApiKeyInputs.safeParse(news);
      if (!parsed.success) return { inputs: news, failures: failuresFrom(parsed.error, news) };
      const v = parsed.data as News;
      const now = deps.now();
      if (v.expiration !== undefined && !isUnknown(v.expiration)) {
        const ms = parseInstant(v.expiration)!;
        const unchanged =
          olds && olds.expiration !== undefined && parseInstant(olds.expiration) === ms;
        if (ms <= now) {
          failures.push({
            property: "expiration",
            reason: unchanged
              ? `${new Date(ms).toISOString()} has passed, so the key expired; set a later expiration (or use expiresIn to rotate automatically)`
              : `${new Date(ms).toISOString()} is in the past`,
          });
        }
        v.expiration = ms;
      }
      return { inputs: defined({ ...v }), failures };
    },

    async diff(_id, olds: ApiKeyState, news: News) {
      const p = planApiKey(olds, news, deps.now());
      // Time-driven replacements are the ones a reader of the plan cannot see in the program: say why.
      for (const r of p.replaces)
        if (r.property === "expiration" || r.property === "rotateBefore") deps.warn(r.reason);
      return {
        changes: p.changes,
        replaces: p.replaces.map((r) => r.property),
        deleteBeforeReplace: false,
      };
    },

    async create(news: News) {
      const api = deps.api();
      const now = deps.now();
      if (news.adopt !== undefined) {
        const k = await api.getKey(news.adopt);
        if (!k) throw new Error(`adopt: API key ${news.adopt} does not exist`);
        if (k.status === "revoked") throw new Error(`adopt: API key ${news.adopt} is revoked`);
        if (k.security_level !== news.securityLevel) {
          throw new Error(
            `adopt: API key ${news.adopt} is ${k.security_level}, but securityLevel is ${news.securityLevel}`,
          );
        }
        const desired =
          news.expiration ??
          (news.expiresIn ? now + parseDuration(news.expiresIn)! : (k.expiration ?? null));
        await api.editKey(news.adopt, {
          roles: news.roles,
          comment: news.comment ?? null,
          ...(desired !== (k.expiration ?? null) ? { expiration: desired } : {}),
        });
        await api.setScope("api-key", String(news.adopt), keyScopeParam(news.scope) ?? null);
        const live = await api.getKey(news.adopt);
        const outs = await stateOf(
          news.adopt,
          ADOPTED_KEY_VALUE,
          news,
          { rolesResolved: live?.roles ?? [], desiredExpiration: desired, adopted: true },
          live ?? undefined,
        );
        return { id: String(news.adopt), outs };
      }
      const expiration =
        news.expiration ?? (news.expiresIn ? now + parseDuration(news.expiresIn)! : undefined);
      const { id, key } = await api.generateKey({
        roles: news.roles,
        securityLevel: news.securityLevel,
        ...(expiration !== undefined ? { expiration } : {}),
        ...(news.comment !== undefined ? { comment: news.comment } : {}),
        ...(news.scope !== undefined ? { scope: keyScopeParam(news.scope) } : {}),
      });
      try {
        const seen = news.verifyAfterCreate ? await verifyNewKey(id, key, news) : undefined;
        const live = seen?.k ?? (await api.getKey(id));
        // Sealed: only the ciphertext leaves this process.
        const sealedKey = news.sealTo ? await sealKey(key, news.sealTo) : undefined;
        const outs = await stateOf(
          id,
          sealedKey ? SEALED_KEY_VALUE : key,
          news,
          {
            rolesResolved: live?.roles ?? [],
            desiredExpiration: live?.expiration ?? expiration ?? null,
            adopted: false,
            sealedKey,
          },
          live ?? undefined,
          seen?.scope,
        );
        return { id: String(id), outs };
      } catch (e) {
        // All or nothing: a key that is not as declared does not stay behind.
        await api.deleteKey(id).catch(() => undefined);
        throw new Error(`${(e as Error).message}; the new key was removed`);
      }
    },

    async read(id, props: ApiKeyState) {
      const api = deps.api();
      const k = await api.getKey(Number(id));
      // Deleted or revoked out of band: drop it from state; the next `up` recreates it.
      if (!k || k.status === "revoked") return {};
      const echo = inputsOf(props);
      const outs = await stateOf(
        Number(id),
        props.key,
        echo,
        {
          rolesResolved: props.rolesResolved,
          desiredExpiration: props.desiredExpiration,
          adopted: props.adopted,
          sealedKey: props.sealedKey,
        },
        k,
      );
      // The live values of the managed fields, so that refresh shows drift as a change.
      const inputs = defined({
        ...echo,
        roles: sameSet(k.roles, props.rolesResolved) ? props.rolesInput : k.roles,
        comment: k.comment ?? undefined,
        expiration: props.expirationInput !== undefined ? (k.expiration ?? undefined) : undefined,
        scope: scopeMatches(props.scopeInput, {
          scopeId: outs.scopeId,
          areas: outs.scopeAreas,
          has: outs.hasScope,
        })
          ? props.scopeInput
          : outs.hasScope
            ? (outs.scopeId ?? (outs.scopeAreas as unknown as ScopeAreasWrite))
            : undefined,
      });
      return { id, props: outs, inputs };
    },

    async update(id, olds: ApiKeyState, news: News) {
      const api = deps.api();
      const keyId = Number(id);
      const p = planApiKey(olds, news, deps.now());
      const { edit, desiredExpiration: desired } = p;
      if (Object.keys(edit).length) await api.editKey(keyId, edit);
      if (p.setScope) await api.setScope("api-key", id, keyScopeParam(news.scope) ?? null);
      const live = await api.getKey(keyId);
      if (!live)
        throw new Error(
          `API key ${keyId} no longer exists; run \`pulumi up --refresh\` to recreate it`,
        );
      const rolesResolved = edit.roles ? live.roles : olds.rolesResolved;
      const outs = await stateOf(
        keyId,
        olds.key,
        news,
        {
          rolesResolved,
          desiredExpiration: desired ?? null,
          adopted: olds.adopted,
          sealedKey: olds.sealedKey,
        },
        live,
      );
      return { outs };
    },

    async delete(id, props: ApiKeyState) {
      const api = deps.api();
      const keyId = Number(id);
      if (props.overlap) {
        // The server keeps the key working until now + overlap (or its own expiry, if sooner) and
        // then deletes it; a key already expired goes at once.
        const until = deps.now() + parseDuration(props.overlap)!;
        const r = await api.retireKey(keyId, until);
        if (r.status === "retiring" && r.expiration !== null) {
          deps.warn(
            `keyplane: key ${keyId} keeps working until ${new Date(r.expiration).toISOString()} (overlap ${props.overlap}), then the server deletes it`,
          );
        }
        return;
      }
      await api.deleteKey(keyId);
    },
  };
}

/** Inputs of the ApiKey resource. */
export interface ApiKeyArgs {
  securityLevel?: pulumi.Input<"standard" | "advanced">;
  roles: pulumi.Input<pulumi.Input<string>[]>;
  comment?: pulumi.Input<string>;
  expiration?: pulumi.Input<string | number>;
  expiresIn?: pulumi.Input<string>;
  rotateBefore?: pulumi.Input<string>;
  overlap?: pulumi.Input<string>;
  scope?: pulumi.Input<string | ScopeAreasWrite>;
  rotationTriggers?: pulumi.Input<unknown>;
  verifyAfterCreate?: pulumi.Input<boolean>;
  adopt?: pulumi.Input<number>;
  sealTo?: pulumi.Input<string | pulumi.Input<string>[]>;
}

/**
 * An API key. `key` is a Pulumi secret, shown once by the server and kept only encrypted in state.
 *
 * ```ts
 * const ci = new keyplane.ApiKey("ci", { roles: ["Viewer"], securityLevel: "advanced", expiresIn: "90d", rotateBefore: "7d", overlap: "24h" });
 * export const ciKey = ci.key; // secret
 * ```
 */
export class ApiKey extends pulumi.dynamic.Resource {
  /** The key id (`x-xdr-auth-id`). */
  declare readonly keyId: pulumi.Output<number>;
  /** The key value: a secret. For an adopted key, a note that it is unknown. */
  declare readonly key: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string | null>;
  declare readonly createdBy: pulumi.Output<string | null>;
  /** `active`, `expired` or `revoked`. */
  declare readonly status: pulumi.Output<string>;
  /** Display names of the roles the key holds. */
  declare readonly roles: pulumi.Output<string[]>;
  declare readonly comment: pulumi.Output<string | null>;
  declare readonly securityLevel: pulumi.Output<"standard" | "advanced">;
  declare readonly lastUsed: pulumi.Output<string | null>;
  /** The scope definition the key points at, if any. */
  declare readonly scopeId: pulumi.Output<string | null>;
  /** With `sealTo`: the key, age-encrypted to those recipients (ASCII armor). */
  declare readonly sealedKey: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShell("apiKey"),
      name,
      { ...args, ...outputPlaceholders(API_KEY_OUTPUT_ONLY) },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      "keyplane",
      "ApiKey",
    );
  }
}
