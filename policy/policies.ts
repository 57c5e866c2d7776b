/**
 * keyplane's guardrails as Pulumi policies (CrossGuard, on @pulumi/policy).
 *
 * Each policy checks one rule on ApiKey resources, the dynamic ones
 * (`pulumi-nodejs:dynamic/keyplane:ApiKey`) and the native plugin's (`keyplane:index:ApiKey`),
 * and RoleBinding for the forbidden roles. Each is configurable through `--policy-pack-config`
 * (its enforcement level and its numbers or role lists). A message names the resource, the
 * property and the rule, because a pipeline log is often all a reader has.
 *
 * The clock is a parameter: absolute expirations are judged against it, and tests move it.
 */
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { humanDuration } from "../provider/durations";
import {
  commentOf,
  hasScope,
  isRotated,
  keyplaneType,
  lifetimeOf,
  overlapOf,
  rolesOf,
  rotateBeforeOf,
  securityLevelOf,
} from "./keySpec";

const DAY = 86_400_000;

/** The predefined administrator roles (by display name; role ids match too). */
export const ADMIN_ROLES = ["Instance Administrator", "Account Admin"];

/** Policy names, as `--policy-pack-config` keys them. */
export const POLICY_NAMES = [
  "keyplane-max-lifetime",
  "keyplane-expiration-required",
  "keyplane-rotate-before-required",
  "keyplane-advanced-for-roles",
  "keyplane-forbidden-roles",
  "keyplane-comment-required",
  "keyplane-overlap-required",
  "keyplane-scope-required",
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface KeyplanePoliciesOptions {
  /** The analyzer's clock, epoch ms. */
  now: () => number;
}

/** Role names compare case-insensitively, and a display name matches its id (`Account Admin` = `account_admin`). */
export const roleKey = (r: string) =>
  r
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "_");

function what(args: ResourceValidationArgs): string {
  return `${keyplaneType(args.type)} '${args.name}'`;
}

/** A policy that runs only on the keyplane resources of the given kinds. */
function onKinds(
  kinds: string[],
  check: (args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    const kind = keyplaneType(args.type);
    if (kind && kinds.includes(kind)) check(args, report);
  };
}

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

const schema = (properties: PolicyConfigSchema["properties"]): PolicyConfigSchema => ({
  properties,
});

/** The policies, in the order the docs list them. */
export function keyplanePolicies(opts: KeyplanePoliciesOptions): ResourceValidationPolicy[] {
  return [
    {
      name: "keyplane-max-lifetime",
      description:
        "An API key lives at most `maxDays` days (`expiresIn`, or `expiration` from now); a key that never expires breaks it too.",
      enforcementLevel: "mandatory",
      configSchema: schema({
        maxDays: {
          type: "integer",
          minimum: 1,
          default: 90,
          description: "The longest lifetime allowed, in days.",
        },
      }),
      validateResource: onKinds(["ApiKey"], (args, report) => {
        const { maxDays } = args.getConfig<{ maxDays: number }>();
        const life = lifetimeOf(args.props, opts.now());
        if (life.ms === undefined) {
          report(
            `${what(args)}: never expires (no \`expiresIn\` or \`expiration\`), but keys may live at most ${days(maxDays)} [keyplane-max-lifetime]`,
          );
        } else if (life.ms > maxDays * DAY) {
          report(
            `${what(args)}: \`${life.property}\` ${life.text} is a lifetime of ${humanDuration(life.ms)}, over the maximum of ${days(maxDays)} [keyplane-max-lifetime]`,
          );
        }
      }),
    },
    {
      name: "keyplane-expiration-required",
      description: "Every API key has `expiresIn` or `expiration`.",
      enforcementLevel: "mandatory",
      validateResource: onKinds(["ApiKey"], (args, report) => {
        if (lifetimeOf(args.props, opts.now()).ms === undefined) {
          report(
            `${what(args)}: has neither \`expiresIn\` nor \`expiration\`; every key must expire [keyplane-expiration-required]`,
          );
        }
      }),
    },
    {
      name: "keyplane-rotate-before-required",
      description:
        "A key whose lifetime is over `overDays` days has `rotateBefore`, so the plan rotates it before it expires.",
      enforcementLevel: "mandatory",
      configSchema: schema({
        overDays: {
          type: "integer",
          minimum: 0,
          default: 30,
          description: "Lifetimes above this many days need `rotateBefore`.",
        },
      }),
      validateResource: onKinds(["ApiKey"], (args, report) => {
        const { overDays } = args.getConfig<{ overDays: number }>();
        if (rotateBeforeOf(args.props) !== undefined) return;
        const life = lifetimeOf(args.props, opts.now());
        // A key that never expires cannot take rotateBefore (check refuses it): expiration-required covers it.
        if (life.ms !== undefined && life.ms > overDays * DAY) {
          report(
            `${what(args)}: lives ${humanDuration(life.ms)}, over ${days(overDays)}, and has no \`rotateBefore\` [keyplane-rotate-before-required]`,
          );
        }
      }),
    },
    {
      name: "keyplane-advanced-for-roles",
      description:
        "A key holding any of `roles` (default: the administrator roles) is Advanced (`securityLevel: advanced`).",
      enforcementLevel: "mandatory",
      configSchema: schema({
        roles: {
          type: "array",
          items: { type: "string" },
          default: ADMIN_ROLES,
          description: "Roles (display names or ids) that need an Advanced key.",
        },
      }),
      validateResource: onKinds(["ApiKey"], (args, report) => {
        const { roles } = args.getConfig<{ roles: string[] }>();
        const guarded = new Set(roles.map(roleKey));
        const held = rolesOf(args.props).filter((r) => guarded.has(roleKey(r)));
        if (held.length > 0 && securityLevelOf(args.props) !== "advanced") {
          report(
            `${what(args)}: \`securityLevel\` is ${securityLevelOf(args.props)}, but a key holding ${held.join(", ")} must be advanced [keyplane-advanced-for-roles]`,
          );
        }
      }),
    },
    {
      name: "keyplane-forbidden-roles",
      description:
        "No key holds any of `roles`, neither through its own `roles` nor through a RoleBinding to an API key.",
      enforcementLevel: "mandatory",
      configSchema: schema({
        roles: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Roles (display names or ids) no API key may hold.",
        },
      }),
      validateResource: onKinds(["ApiKey", "RoleBinding"], (args, report) => {
        const { roles } = args.getConfig<{ roles: string[] }>();
        if (roles.length === 0) return;
        const banned = new Set(roles.map(roleKey));
        if (keyplaneType(args.type) === "ApiKey") {
          const bad = rolesOf(args.props).filter((r) => banned.has(roleKey(r)));
          if (bad.length)
            report(
              `${what(args)}: \`roles\` holds ${bad.join(", ")}, which API keys may not hold [keyplane-forbidden-roles]`,
            );
          return;
        }
        const principal = args.props.principal as { type?: string } | undefined;
        const role = typeof args.props.role === "string" ? args.props.role : undefined;
        if (principal?.type === "apiKey" && role !== undefined && banned.has(roleKey(role))) {
          report(
            `${what(args)}: \`role\` ${role} is bound to an API key, which may not hold it [keyplane-forbidden-roles]`,
          );
        }
      }),
    },
    {
      name: "keyplane-comment-required",
      description: "Every key has a `comment` saying what it is for.",
      enforcementLevel: "advisory",
      validateResource: onKinds(["ApiKey"], (args, report) => {
        if (commentOf(args.props) === "")
          report(
            `${what(args)}: has no \`comment\`; say what the key is for and who uses it [keyplane-comment-required]`,
          );
      }),
    },
    {
      name: "keyplane-overlap-required",
      description:
        "A rotated key (`rotateBefore` or `rotationTriggers`) has `overlap`, so consumers of the old key keep working while they switch.",
      enforcementLevel: "advisory",
      validateResource: onKinds(["ApiKey"], (args, report) => {
        if (isRotated(args.props) && overlapOf(args.props) === undefined) {
          report(
            `${what(args)}: is rotated (\`rotateBefore\`/\`rotationTriggers\`) but has no \`overlap\`; its consumers break at each rotation [keyplane-overlap-required]`,
          );
        }
      }),
    },
    {
      name: "keyplane-scope-required",
      description: "Every key has a `scope` (a ScopeDefinition's `scopeId` or inline areas).",
      enforcementLevel: "advisory",
      validateResource: onKinds(["ApiKey"], (args, report) => {
        if (!hasScope(args.props))
          report(
            `${what(args)}: has no \`scope\`; limit what the key reaches [keyplane-scope-required]`,
          );
      }),
    },
  ];
}
