/**
 * The policies as functions: each rule on a table of properties, in the three shapes the
 * analyzer hands them over (a program's inputs, a stored stack's outputs, the native plugin's
 * `keyplane:index:*` resources), with the configuration the engine would pass.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ADMIN_ROLES, keyplanePolicies, keyplaneType, POLICY_NAMES } from "../../policy";
import { repoRoot } from "../helpers/paths";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const DAY = 86_400_000;
const policies = keyplanePolicies({ now: () => NOW });

/** The defaults of a policy's config schema, as the engine fills them in. */
function defaults(p: ResourceValidationPolicy): Record<string, unknown> {
  const props = p.configSchema?.properties ?? {};
  return Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, (v as { default?: unknown }).default]),
  );
}

/** Runs one policy on one resource; returns the violation messages. */
function run(
  name: string,
  props: Record<string, unknown>,
  o: { type?: string; config?: Record<string, unknown>; resource?: string } = {},
): string[] {
  const p = policies.find((x) => x.name === name);
  assert.ok(p, `no policy ${name}`);
  const out: string[] = [];
  const args = {
    type: o.type ?? "pulumi-nodejs:dynamic/keyplane:ApiKey",
    name: o.resource ?? "ci",
    urn: `urn:pulumi:dev::p::${o.type ?? "pulumi-nodejs:dynamic/keyplane:ApiKey"}::${o.resource ?? "ci"}`,
    props,
    getConfig: () => ({ ...defaults(p), ...(o.config ?? {}) }),
  } as unknown as ResourceValidationArgs;
  void (p.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void)(
    args,
    (m) => out.push(m),
  );
  return out;
}

const good = {
  securityLevel: "advanced",
  roles: ["Instance Administrator"],
  comment: "CI deploys",
  expiresIn: "30d",
  rotateBefore: "7d",
  overlap: "24h",
  scope: "scope-1",
};

interface Row {
  name: string;
  policy: (typeof POLICY_NAMES)[number];
  props: Record<string, unknown>;
  config?: Record<string, unknown>;
  type?: string;
  /** Expected violation text; undefined: none. */
  expect?: RegExp;
}

const rows: Row[] = [
  {
    name: "a compliant key passes the lifetime rule",
    policy: "keyplane-max-lifetime",
    props: good,
  },
  {
    name: "expiresIn over the maximum",
    policy: "keyplane-max-lifetime",
    props: { ...good, expiresIn: "400d" },
    expect:
      /ApiKey 'ci': `expiresIn` 400d is a lifetime of 400 d, over the maximum of 90 days \[keyplane-max-lifetime\]/,
  },
  {
    name: "the maximum comes from the config",
    policy: "keyplane-max-lifetime",
    props: { ...good, expiresIn: "30d" },
    config: { maxDays: 14 },
    expect: /over the maximum of 14 days/,
  },
  {
    name: "an absolute expiration counted from now",
    policy: "keyplane-max-lifetime",
    props: { ...good, expiresIn: undefined, expiration: NOW + 100 * DAY },
    expect: /`expiration` 2027-03-11T12:00:00.000Z is a lifetime of 100 d/,
  },
  {
    name: "an ISO expiration (before check) is read too",
    policy: "keyplane-max-lifetime",
    props: { ...good, expiresIn: undefined, expiration: "2026-12-20T00:00:00Z" },
  },
  {
    name: "a stored key: expiry counted from creation",
    policy: "keyplane-max-lifetime",
    props: {
      roles: ["Viewer"],
      createdAt: "2026-01-01T00:00:00.000Z",
      expiresAtMs: Date.parse("2026-12-01T00:00:00Z"),
    },
    expect: /`expiresAt` 2026-12-01T00:00:00.000Z is a lifetime of 334 d/,
  },
  {
    name: "a key that never expires breaks the lifetime rule",
    policy: "keyplane-max-lifetime",
    props: { ...good, expiresIn: undefined },
    expect: /never expires/,
  },
  {
    name: "no expiration at all",
    policy: "keyplane-expiration-required",
    props: { roles: ["Viewer"] },
    expect: /ApiKey 'ci': has neither `expiresIn` nor `expiration`/,
  },
  {
    name: "a stored key with an expiry has one",
    policy: "keyplane-expiration-required",
    props: { roles: ["Viewer"], createdAt: "2026-11-01T00:00:00Z", expiresAtMs: NOW },
  },
  {
    name: "a long life without rotateBefore",
    policy: "keyplane-rotate-before-required",
    props: { ...good, rotateBefore: undefined, expiresIn: "60d" },
    expect: /lives 60 d, over 30 days, and has no `rotateBefore`/,
  },
  {
    name: "a short life needs no rotateBefore",
    policy: "keyplane-rotate-before-required",
    props: { ...good, rotateBefore: undefined, expiresIn: "30d" },
  },
  {
    name: "a key that never expires is left to expiration-required",
    policy: "keyplane-rotate-before-required",
    props: { roles: ["Viewer"] },
  },
  {
    name: "the threshold comes from the config",
    policy: "keyplane-rotate-before-required",
    props: { ...good, rotateBefore: undefined, expiresIn: "30d" },
    config: { overDays: 7 },
    expect: /over 7 days/,
  },
  {
    name: "an administrator key that is Standard",
    policy: "keyplane-advanced-for-roles",
    props: { ...good, securityLevel: "standard" },
    expect:
      /`securityLevel` is standard, but a key holding Instance Administrator must be advanced/,
  },
  {
    name: "securityLevel defaults to standard",
    policy: "keyplane-advanced-for-roles",
    props: { ...good, securityLevel: undefined, roles: ["account_admin"] },
    expect: /holding account_admin must be advanced/,
  },
  {
    name: "role names match case-insensitively",
    policy: "keyplane-advanced-for-roles",
    props: { ...good, securityLevel: "standard", roles: ["instance administrator"] },
    expect: /must be advanced/,
  },
  {
    name: "other roles may be Standard",
    policy: "keyplane-advanced-for-roles",
    props: { ...good, securityLevel: "standard", roles: ["Viewer"] },
  },
  {
    name: "the guarded roles come from the config",
    policy: "keyplane-advanced-for-roles",
    props: { ...good, securityLevel: "standard", roles: ["Investigator"] },
    config: { roles: ["Investigator"] },
    expect: /holding Investigator/,
  },
  { name: "no role is forbidden by default", policy: "keyplane-forbidden-roles", props: good },
  {
    name: "a forbidden role on a key",
    policy: "keyplane-forbidden-roles",
    props: good,
    config: { roles: ["instance_administrator"] },
    expect: /`roles` holds Instance Administrator, which API keys may not hold/,
  },
  {
    name: "a forbidden role bound to a key",
    policy: "keyplane-forbidden-roles",
    type: "pulumi-nodejs:dynamic/keyplane:RoleBinding",
    props: { principal: { type: "apiKey", id: 4 }, role: "Account Admin" },
    config: { roles: ["Account Admin"] },
    expect: /RoleBinding 'ci': `role` Account Admin is bound to an API key/,
  },
  {
    name: "a forbidden role bound to a user is not a key's",
    policy: "keyplane-forbidden-roles",
    type: "pulumi-nodejs:dynamic/keyplane:RoleBinding",
    props: { principal: { type: "user", id: "a@b" }, role: "Account Admin" },
    config: { roles: ["Account Admin"] },
  },
  {
    name: "no comment",
    policy: "keyplane-comment-required",
    props: { ...good, comment: "  " },
    expect: /has no `comment`/,
  },
  {
    name: "rotated without overlap",
    policy: "keyplane-overlap-required",
    props: { ...good, overlap: undefined },
    expect: /is rotated .* but has no `overlap`/,
  },
  {
    name: "rotationTriggers count as rotation",
    policy: "keyplane-overlap-required",
    props: { roles: ["Viewer"], rotationTriggers: ["q3"] },
    expect: /has no `overlap`/,
  },
  {
    name: "a key never rotated needs no overlap",
    policy: "keyplane-overlap-required",
    props: { roles: ["Viewer"] },
  },
  {
    name: "no scope",
    policy: "keyplane-scope-required",
    props: { ...good, scope: undefined },
    expect: /has no `scope`/,
  },
  {
    name: "a stored key with a scope",
    policy: "keyplane-scope-required",
    props: { roles: ["Viewer"], hasScope: true },
  },
  {
    name: "the native plugin's ApiKey",
    policy: "keyplane-comment-required",
    type: "keyplane:index:ApiKey",
    props: { roles: ["Viewer"] },
    expect: /ApiKey 'ci': has no `comment`/,
  },
  {
    name: "other resource types are not checked",
    policy: "keyplane-comment-required",
    type: "aws:s3/bucket:Bucket",
    props: {},
  },
  {
    name: "a ScopeDefinition is not a key",
    policy: "keyplane-scope-required",
    type: "pulumi-nodejs:dynamic/keyplane:ScopeDefinition",
    props: {},
  },
];

describe("policies (as functions)", () => {
  for (const r of rows) {
    it(`${r.policy}: ${r.name}`, () => {
      const got = run(r.policy, r.props, { type: r.type, config: r.config });
      if (!r.expect) assert.deepEqual(got, []);
      else {
        assert.equal(got.length, 1, JSON.stringify(got));
        assert.match(got[0]!, r.expect);
      }
    });
  }

  it("every policy is listed, and each has a row that breaks it", () => {
    assert.deepEqual(
      policies.map((p) => p.name),
      [...POLICY_NAMES],
    );
    for (const n of POLICY_NAMES)
      assert.ok(
        rows.some((r) => r.policy === n && r.expect),
        `no failing row for ${n}`,
      );
  });

  it("matches the dynamic and the native type tokens, and nothing else", () => {
    assert.equal(keyplaneType("pulumi-nodejs:dynamic/keyplane:ApiKey"), "ApiKey");
    assert.equal(keyplaneType("keyplane:index:RoleBinding"), "RoleBinding");
    assert.equal(keyplaneType("pulumi-nodejs:dynamic:Resource"), undefined);
    assert.equal(keyplaneType("other:index:ApiKey"), undefined);
  });

  it("guards the administrator roles by default", () => {
    assert.deepEqual(
      defaults(policies.find((p) => p.name === "keyplane-advanced-for-roles")!).roles,
      ADMIN_ROLES,
    );
  });

  it("the shipped pack's version is the package's", () => {
    const pack = JSON.parse(
      fs.readFileSync(path.join(repoRoot, "policy-pack", "package.json"), "utf8"),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    assert.equal(pack.version, pkg.version);
  });
});
