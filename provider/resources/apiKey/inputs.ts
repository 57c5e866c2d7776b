/**
 * ApiKey's schema: the inputs `check` validates, the outputs the schema declares, and what the
 * state holds beside them (the echoes of the inputs a key was made from).
 */
import { z } from "zod";
import { MAX_COMMENT, ScopeAreasWrite, type CanonicalScope } from "../../../sdk/contract";
import { defined, isUnknown, outputOnlyKeys } from "../../common";
import { parseDuration, parseInstant } from "../../durations";
import { SealTo } from "../../seal";

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
export const API_KEY_OUTPUT_ONLY = outputOnlyKeys(
  ApiKeyOutputs,
  ApiKeyInputs as unknown as z.ZodObject,
);

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

export type News = ApiKeyInputs & { expiration?: number };

/** The echoes of the inputs that a state keeps beside the live values (inverse: {@link inputsOf}). */
export function echoesOf(news: Partial<News>) {
  return {
    rolesInput: news.roles,
    commentInput: news.comment,
    expirationInput: news.expiration,
    expiresIn: news.expiresIn,
    rotateBefore: news.rotateBefore,
    overlap: news.overlap,
    scopeInput: news.scope,
    rotationTriggers: news.rotationTriggers,
    verifyAfterCreate: news.verifyAfterCreate,
    adopt: news.adopt,
    sealTo: news.sealTo,
  };
}

/** The inputs a state was made from (the echoes kept beside the live values). */
export function inputsOf(st: ApiKeyState): News {
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
