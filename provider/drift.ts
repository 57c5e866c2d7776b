/**
 * Drift detection for scheduled pipelines: a refreshed preview through the Automation API, read
 * as a report of what changed behind the stack's back.
 *
 * For each keyplane resource in the stack it compares the state before the refresh with what
 * the refresh found, and with what the plan then wants to do: keys deleted or revoked, expired or
 * expiring within a window, roles, scope, comment or expiration changed by hand, and bindings,
 * scope definitions and roles deleted or changed.
 */
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { canonicalScope, type CanonicalScope, type ScopeAreasWrite } from "../sdk/contract";
import { sameSet, stable } from "./common";
import { humanDuration } from "../sdk/durations";
import { fromOutputs, KINDS as PLUGIN_KINDS, tokenOf } from "./plugin/kinds";
import type { PolicyViolation } from "./policyAnalysis";

export type DriftKind =
  | "deleted"
  | "expired"
  | "expiring"
  | "role changed"
  | "scope changed"
  | "comment changed"
  | "expiration changed"
  | "changed"
  | "unused"
  | "policy violation";

export interface DriftItem {
  /** The resource's name in the program. */
  resource: string;
  type: string;
  urn: string;
  /** The key id for ApiKeys, the object id for the others. */
  id: string | null;
  kind: DriftKind;
  detail: string;
}

export interface DriftReport {
  stack: string;
  checkedAt: string;
  within: number;
  /** How many keyplane resources the stack holds. */
  resources: number;
  items: DriftItem[];
  /** What the plan would do, by operation. */
  plan: Record<string, number>;
  /** Advisory policy findings (with `--policy-pack`): listed, but not drift. */
  advisories?: DriftItem[];
}

// The dynamic resources' types and the native plugin's (YAML, Python and other programs).
const KINDS = ["ApiKey", "RoleBinding", "ScopeDefinition", "Role"];
const KEYPLANE_TYPES = [
  ...KINDS.map((t) => `pulumi-nodejs:dynamic/keyplane:${t}`),
  ...KINDS.map((t) => `keyplane:index:${t}`),
];
type Props = Record<string, unknown>;

/**
 * A resource's provider state: for the plugin's kinds, its outputs with the internal bookkeeping
 * rebuilt from them and the inputs stored beside them; the dynamic provider keeps it all at the top.
 */
function flat(type: string, p: Props | undefined, inputs: Props | undefined): Props | undefined {
  const k = PLUGIN_KINDS.find((x) => tokenOf(x) === type);
  return p && k ? fromOutputs(k, p, inputs ?? {}) : p;
}

const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

/** "unused for N d": a key not used (never used: not since it was made) for at least `unusedFor`. */
function unusedDrift(
  base: Omit<DriftItem, "kind" | "detail">,
  after: Props,
  now: number,
  unusedFor: number,
): DriftItem[] {
  const last = typeof after.lastUsed === "string" ? Date.parse(after.lastUsed) : NaN;
  const made = typeof after.createdAt === "string" ? Date.parse(after.createdAt) : NaN;
  const since = Number.isNaN(last) ? made : last;
  if (Number.isNaN(since) || now - since < unusedFor) return [];
  const when = Number.isNaN(last)
    ? `never used since it was made at ${new Date(made).toISOString()}`
    : `last used at ${new Date(last).toISOString()}`;
  return [
    {
      ...base,
      kind: "unused",
      detail: `unused for ${humanDuration(now - since)} (${when}); delete it if nothing needs it`,
    },
  ];
}

function keyDrift(
  urn: string,
  before: Props,
  after: Props | undefined,
  now: number,
  within: number,
  unusedFor?: number,
): DriftItem[] {
  const base = {
    resource: nameOf(urn),
    type: "ApiKey",
    urn,
    id: String(before.keyId ?? after?.keyId ?? "") || null,
  };
  if (!after)
    return [
      {
        ...base,
        kind: "deleted",
        detail: "deleted or revoked outside the stack; `pulumi up` mints a new key",
      },
    ];
  const out: DriftItem[] = [];
  const exp = (after.expiresAtMs as number | null | undefined) ?? null;
  if (exp !== null && exp <= now)
    out.push({
      ...base,
      kind: "expired",
      detail: `expired ${humanDuration(now - exp)} ago (${new Date(exp).toISOString()})`,
    });
  else if (exp !== null && exp - now <= within)
    out.push({
      ...base,
      kind: "expiring",
      detail: `expires in ${humanDuration(exp - now)} (${new Date(exp).toISOString()})`,
    });
  const roles = (after.roles as string[] | undefined) ?? [];
  const resolved =
    (before.rolesResolved as string[] | undefined) ?? (before.roles as string[] | undefined) ?? [];
  if (!sameSet(roles, resolved))
    out.push({
      ...base,
      kind: "role changed",
      detail: `holds [${roles.join(", ")}], declared [${resolved.join(", ")}]`,
    });
  const want = before.scopeInput as string | ScopeAreasWrite | undefined;
  const liveId = (after.scopeId as string | null | undefined) ?? null;
  const liveAreas = (after.scopeAreas as CanonicalScope | null | undefined) ?? null;
  const has = !!after.hasScope;
  const scopeOk =
    want === undefined
      ? !has
      : typeof want === "string"
        ? liveId === want
        : liveId === null &&
          liveAreas !== null &&
          stable(canonicalScope(want)) === stable(liveAreas);
  if (!scopeOk) {
    out.push({
      ...base,
      kind: "scope changed",
      detail:
        want === undefined
          ? "a scope was set outside the stack"
          : !has
            ? "its scope was removed"
            : typeof want === "string"
              ? `points at ${liveId ?? "inline areas"}, declared ${want}`
              : "its scope areas differ from the declared ones",
    });
  }
  if ((after.comment ?? null) !== ((before.commentInput as string | undefined) ?? null)) {
    out.push({
      ...base,
      kind: "comment changed",
      detail: `comment is ${JSON.stringify(after.comment ?? null)}`,
    });
  }
  const desired = (before.desiredExpiration as number | null | undefined) ?? null;
  const declared = before.expirationInput !== undefined || before.expiresIn !== undefined;
  if (declared && desired !== exp) {
    out.push({
      ...base,
      kind: "expiration changed",
      detail: `expires ${exp === null ? "never" : new Date(exp).toISOString()}, declared ${desired === null ? "never" : new Date(desired).toISOString()}`,
    });
  }
  if (unusedFor !== undefined) out.push(...unusedDrift(base, after, now, unusedFor));
  return out;
}

function otherDrift(
  urn: string,
  type: string,
  before: Props,
  after: Props | undefined,
): DriftItem[] {
  const short = type.split(":").pop()!;
  const id = String(before.bindingId ?? before.scopeId ?? before.roleId ?? "") || null;
  const base = { resource: nameOf(urn), type: short, urn, id };
  if (!after)
    return [
      { ...base, kind: "deleted", detail: "deleted outside the stack; `pulumi up` recreates it" },
    ];
  const fields =
    short === "ScopeDefinition"
      ? ["name", "description", "canonicalAreas"]
      : short === "Role"
        ? ["name", "description", "components"]
        : ["principal", "roleId"];
  const changed = fields.filter((f) => stable(before[f] ?? null) !== stable(after[f] ?? null));
  return changed.length
    ? [
        {
          ...base,
          kind: "changed",
          detail: `changed outside the stack: ${changed.map((f) => (f === "canonicalAreas" ? "areas" : f)).join(", ")}`,
        },
      ]
    : [];
}

/** Runs a refreshed preview of the stack and reports drift of its keyplane resources. */
export async function detectDrift(
  stack: Stack,
  opts: { within: number; unusedFor?: number; now?: () => number; onOutput?: (s: string) => void },
): Promise<DriftReport> {
  const now = (opts.now ?? Date.now)();
  const exported = await stack.exportStack();
  const resources = (
    (
      exported.deployment as {
        resources?: Array<{
          urn: string;
          type: string;
          inputs?: Props;
          outputs?: Props;
          id?: string;
        }>;
      }
    ).resources ?? []
  ).filter((r) => KEYPLANE_TYPES.includes(r.type));
  const refreshed = new Map<string, Props | undefined>();
  const ops = new Map<string, string>();
  const plan: Record<string, number> = {};
  await stack.preview({
    refresh: true,
    onOutput: opts.onOutput,
    onEvent: (e: EngineEvent) => {
      // The refresh step's result arrives with its outputs event: `new` is the live state, or
      // absent when the object is gone.
      const out = e.resOutputsEvent?.metadata;
      if (out && out.op === "refresh" && KEYPLANE_TYPES.includes(out.type)) {
        refreshed.set(
          out.urn,
          out.new
            ? flat(out.type, out.new.outputs as Props, out.new.inputs as Props | undefined)
            : undefined,
        );
        return;
      }
      const pre = e.resourcePreEvent?.metadata;
      if (pre && pre.op !== "refresh" && KEYPLANE_TYPES.includes(pre.type)) {
        ops.set(pre.urn, pre.op);
        plan[pre.op] = (plan[pre.op] ?? 0) + 1;
      }
    },
  });
  const items: DriftItem[] = [];
  for (const r of resources) {
    const before = flat(r.type, r.outputs, r.inputs) ?? {};
    // A refresh step that produced no new state means the object is gone.
    const after = refreshed.has(r.urn)
      ? refreshed.get(r.urn)
      : ops.get(r.urn) === "create"
        ? undefined
        : before;
    items.push(
      ...(r.type.endsWith(":ApiKey")
        ? keyDrift(r.urn, before, after, now, opts.within, opts.unusedFor)
        : otherDrift(r.urn, r.type, before, after)),
    );
  }
  return {
    stack: stack.name,
    checkedAt: new Date(now).toISOString(),
    within: opts.within,
    resources: resources.length,
    items,
    plan,
  };
}

/**
 * Adds what policy packs found in the deployed state: mandatory violations are drift findings
 * (and so set the exit code); advisory ones are listed apart.
 */
export function addPolicyFindings(r: DriftReport, violations: PolicyViolation[]): DriftReport {
  const item = (v: PolicyViolation): DriftItem => {
    const type = v.urn.split("::")[2]?.split(":").pop() ?? "";
    // The last line of the event is the policy's message (the first is its description).
    const detail = `${v.policy}: ${v.message.split("\n").pop()}`;
    return { resource: v.resource, type, urn: v.urn, id: null, kind: "policy violation", detail };
  };
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").map(item);
  const advisory = violations.filter((v) => v.enforcementLevel !== "mandatory").map(item);
  return {
    ...r,
    items: [...r.items, ...mandatory],
    advisories: [...(r.advisories ?? []), ...advisory],
  };
}

/** The report as a table for people. */
export function driftTable(r: DriftReport): string {
  const advice = r.advisories?.length
    ? `\n\nAdvisory policy findings (not drift):\n${r.advisories.map((a) => `  ${a.resource} (${a.type})  ${a.detail}`).join("\n")}`
    : "";
  return driftRows(r) + advice;
}

function driftRows(r: DriftReport): string {
  if (r.items.length === 0) {
    return `No drift in stack ${r.stack}: ${r.resources} keyplane resource(s) match their declaration (checked ${r.checkedAt}; expiry window ${humanDuration(r.within)}).`;
  }
  const rows = [
    ["RESOURCE", "KEY ID", "DRIFT", "DETAIL"],
    ...r.items.map((i) => [
      `${i.resource} (${i.type})`,
      i.type === "ApiKey" ? (i.id ?? "-") : "-",
      i.kind,
      i.detail,
    ]),
  ];
  const widths = rows[0]!.map((_, c) =>
    Math.min(48, Math.max(...rows.map((row) => row[c]!.length))),
  );
  const line = (row: string[]) =>
    row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ");
  const planText = planSentence(r.plan);
  return `${rows.map(line).join("\n")}\n\n${r.items.length} drift finding(s) in stack ${r.stack}${planText ? `; \`pulumi up --refresh\` would ${planText}` : ""}.`;
}

/**
 * What the plan would do, as words: "create 1 resource, replace 2 and update 1". A replacement's
 * own steps (create-replacement, delete-replaced) are part of "replace", not counted again.
 */
export function planSentence(plan: Partial<Record<string, number>>): string {
  const folded = new Set(plan.replace ? ["create-replacement", "delete-replaced"] : []);
  const parts = Object.entries(plan)
    .filter(([op, n]) => op !== "same" && !folded.has(op) && (n ?? 0) > 0)
    .map(([op, n], i) => `${op} ${n}${i === 0 ? ` resource${n === 1 ? "" : "s"}` : ""}`);
  return parts.length <= 1
    ? (parts[0] ?? "")
    : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}
