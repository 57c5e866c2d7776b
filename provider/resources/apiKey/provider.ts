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
 *
 * The provider methods (check/diff/create/read/update/delete), which the dynamic provider and the
 * native plugin both run. No runtime import of @pulumi/pulumi here: the plugin must not load it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ApiKey as WireKey, ScopeAreasWrite } from "../../../sdk/contract";
import {
  defined,
  failuresFrom,
  iso,
  isUnknown,
  sameSet,
  withoutEngineKeys,
  type CheckFailure,
  type ProviderDeps,
} from "../../common";
import { parseDuration, parseInstant } from "../../durations";
import { SEALED_KEY_VALUE, sealKey } from "../../seal";
import {
  ADOPTED_KEY_VALUE,
  API_KEY_OUTPUT_ONLY,
  ApiKeyInputs,
  echoesOf,
  inputsOf,
  type ApiKeyState,
  type News,
} from "./inputs";
import { planApiKey } from "./plan";
import { keyScopeParam, scopeMatches, type LiveScope } from "./scope";
import { scopeOf, verifyNewKey } from "./verify";

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
    const s = scopeKnown ?? (await scopeOf(deps, id, k));
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
      rolesResolved: extra.rolesResolved,
      desiredExpiration: extra.desiredExpiration,
      ...echoesOf(news),
      sealedKey: extra.sealedKey,
    }) as ApiKeyState;
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
      const { id, key, record } = await api.generateKey({
        roles: news.roles,
        securityLevel: news.securityLevel,
        ...(expiration !== undefined ? { expiration } : {}),
        ...(news.comment !== undefined ? { comment: news.comment } : {}),
        ...(news.scope !== undefined ? { scope: keyScopeParam(news.scope) } : {}),
      });
      try {
        // The generate reply's row saves reading the key back (an older server sends none).
        const seen = news.verifyAfterCreate
          ? await verifyNewKey(deps, id, key, news, record)
          : undefined;
        const live = seen?.k ?? record ?? (await api.getKey(id));
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
      const edited = Object.keys(edit).length ? await api.editKey(keyId, edit) : undefined;
      if (p.setScope) await api.setScope("api-key", id, keyScopeParam(news.scope) ?? null);
      // The edit's reply holds the row unless a scope change came after it (or the server is older).
      const live = (!p.setScope && edited) || (await api.getKey(keyId));
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
