/**
 * planApiKey: the one pure function that diff reports and update carries out. A table of
 * (state, inputs, clock) → plan; no server, no engine.
 */
import * as assert from "node:assert/strict";
import { planApiKey, type ApiKeyPlan, type ApiKeyState } from "../../provider/resources/apiKey";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 1);
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A Standard key made 10 days ago with `expiresIn: 30d`, roles [Viewer], comment "ci", no scope. */
function state(over: Partial<ApiKeyState> = {}): ApiKeyState {
  const created = NOW - 10 * DAY;
  return {
    keyId: 7,
    key: "k".repeat(64),
    createdAt: new Date(created).toISOString(),
    expiresAt: new Date(created + 30 * DAY).toISOString(),
    expiresAtMs: created + 30 * DAY,
    createdBy: "admin",
    status: "active",
    roles: ["Viewer"],
    comment: "ci",
    securityLevel: "standard",
    lastUsed: null,
    scopeId: null,
    scopeAreas: null,
    hasScope: false,
    adopted: false,
    rolesInput: ["Viewer"],
    rolesResolved: ["Viewer"],
    commentInput: "ci",
    expiresIn: "30d",
    desiredExpiration: created + 30 * DAY,
    verifyAfterCreate: true,
    ...over,
  };
}

type News = Parameters<typeof planApiKey>[1];
const inputs = (over: Record<string, unknown> = {}): News =>
  ({
    securityLevel: "standard",
    roles: ["Viewer"],
    comment: "ci",
    expiresIn: "30d",
    verifyAfterCreate: true,
    ...over,
  }) as News;

interface Row {
  name: string;
  olds?: Partial<ApiKeyState>;
  news?: Record<string, unknown>;
  now?: number;
  want: {
    replaces?: string[];
    reason?: RegExp;
    updates?: string[];
    edit?: ApiKeyPlan["edit"];
    setScope?: boolean;
    desiredExpiration?: number | null;
  };
}

const created = NOW - 10 * DAY;
const rows: Row[] = [
  {
    name: "the same inputs: nothing",
    want: {
      replaces: [],
      updates: [],
      edit: {},
      setScope: false,
      desiredExpiration: created + 30 * DAY,
    },
  },
  {
    name: "the same expiresIn, days later: still nothing (resolved once)",
    now: NOW + 5 * DAY,
    want: { replaces: [], updates: [], edit: {} },
  },
  {
    name: "a new securityLevel: replace",
    news: { securityLevel: "advanced" },
    want: { replaces: ["securityLevel"], updates: [] },
  },
  {
    name: "new rotationTriggers: replace",
    news: { rotationTriggers: ["2026-Q3"] },
    want: { replaces: ["rotationTriggers"], updates: [] },
  },
  { name: "a new adopt: replace", news: { adopt: 12 }, want: { replaces: ["adopt"] } },
  {
    name: "an expired key: replace, saying how long ago",
    now: created + 32 * DAY,
    want: { replaces: ["expiration"], reason: /key 7 expired 2 d ago/ },
  },
  {
    name: "inside rotateBefore: replace, saying when it expires",
    olds: { rotateBefore: "7d" },
    news: { rotateBefore: "7d" },
    now: created + 25 * DAY,
    want: {
      replaces: ["rotateBefore"],
      reason: /key 7 expires in 5 d, rotateBefore 7 d/,
      updates: [],
    },
  },
  {
    name: "outside rotateBefore: nothing",
    olds: { rotateBefore: "7d" },
    news: { rotateBefore: "7d" },
    now: created + 20 * DAY,
    want: { replaces: [], updates: [] },
  },
  {
    name: "new roles: update roles",
    news: { roles: ["Viewer", "Investigator"] },
    want: { updates: ["roles"], edit: { roles: ["Viewer", "Investigator"] } },
  },
  {
    name: "roles changed by hand: update roles back",
    olds: { roles: ["Instance Administrator"] },
    want: { updates: ["roles"], edit: { roles: ["Viewer"] } },
  },
  {
    name: "roles not known yet (preview): update, nothing to send",
    news: { roles: [UNKNOWN] },
    want: { updates: ["roles"], edit: {} },
  },
  {
    name: "a new comment: update comment",
    news: { comment: "deploys" },
    want: { updates: ["comment"], edit: { comment: "deploys" } },
  },
  {
    name: "comment removed: clear it",
    news: { comment: undefined },
    want: { updates: ["comment"], edit: { comment: null } },
  },
  {
    name: "comment changed by hand: update it back",
    olds: { comment: "hacked" },
    want: { updates: ["comment"], edit: { comment: "ci" } },
  },
  {
    name: "a new expiresIn: now + the new lifetime",
    news: { expiresIn: "60d" },
    want: {
      updates: ["expiration"],
      edit: { expiration: NOW + 60 * DAY },
      desiredExpiration: NOW + 60 * DAY,
    },
  },
  {
    name: "an explicit expiration instead",
    news: { expiresIn: undefined, expiration: NOW + 3 * DAY },
    want: { updates: ["expiration"], edit: { expiration: NOW + 3 * DAY } },
  },
  {
    name: "no expiry asked any more: clear it",
    news: { expiresIn: undefined },
    want: { updates: ["expiration"], edit: { expiration: null }, desiredExpiration: null },
  },
  {
    name: "expiration changed by hand: set it back",
    olds: { expiresAtMs: created + 90 * DAY },
    want: { updates: ["expiration"], edit: { expiration: created + 30 * DAY } },
  },
  {
    name: "an expiration not known yet: update, nothing to send",
    news: { expiresIn: undefined, expiration: UNKNOWN },
    want: { updates: ["expiration"], edit: {}, desiredExpiration: undefined },
  },
  {
    name: "a scope definition: set the scope",
    news: { scope: "sd-1" },
    want: { updates: ["scope"], setScope: true, edit: {} },
  },
  {
    name: "the same scope definition: nothing",
    olds: { scopeId: "sd-1", hasScope: true, scopeInput: "sd-1" },
    news: { scope: "sd-1" },
    want: { updates: [], setScope: false },
  },
  {
    name: "scope removed by hand: set it again",
    olds: { scopeInput: "sd-1" },
    news: { scope: "sd-1" },
    want: { updates: ["scope"], setScope: true },
  },
  {
    name: "a scope not known yet: update",
    news: { scope: UNKNOWN },
    want: { updates: ["scope"], setScope: true },
  },
  {
    name: "a new overlap: a state-only update",
    news: { overlap: "24h" },
    want: { replaces: [], updates: ["overlap"], edit: {}, setScope: false },
  },
  {
    name: "a new rotateBefore outside the window: a state-only update",
    news: { rotateBefore: "3d" },
    want: { replaces: [], updates: ["rotateBefore"], edit: {} },
  },
  {
    name: "replace and update together",
    news: { securityLevel: "advanced", comment: "x" },
    want: { replaces: ["securityLevel"], updates: ["comment"], edit: { comment: "x" } },
  },
];

describe("planApiKey (the pure plan behind diff and update)", () => {
  for (const r of rows) {
    it(r.name, () => {
      const p = planApiKey(state(r.olds), inputs(r.news), r.now ?? NOW);
      const w = r.want;
      if (w.replaces)
        assert.deepEqual(
          p.replaces.map((x) => x.property),
          w.replaces,
        );
      if (w.reason) assert.match(p.replaces.map((x) => x.reason).join("\n"), w.reason);
      if (w.updates) assert.deepEqual(p.updates, w.updates);
      if (w.edit) assert.deepEqual(p.edit, w.edit);
      if (w.setScope !== undefined) assert.equal(p.setScope, w.setScope);
      if ("desiredExpiration" in w) assert.equal(p.desiredExpiration, w.desiredExpiration);
      assert.equal(p.changes, p.replaces.length > 0 || p.updates.length > 0);
    });
  }
});
