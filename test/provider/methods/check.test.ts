/**
 * The provider's `check` of every kind, called directly: bad inputs are refused naming the
 * property and the reason, without a call to the server; values unknown at preview are skipped.
 */
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderDeps } from "../../../provider/common";
import { apiKeyProvider } from "../../../provider/resources/apiKey";
import { roleProvider } from "../../../provider/resources/role";
import { roleBindingProvider } from "../../../provider/resources/roleBinding";
import { scopeDefinitionProvider } from "../../../provider/resources/scopeDefinition";
import { UNKNOWN } from "./harness";

describe("provider methods against a real server", function () {
  describe("check", () => {
    const noServer: ProviderDeps = {
      now: () => Date.UTC(2026, 10, 1),
      api: () => {
        throw new Error("check must not call the server");
      },
      warn: () => undefined,
    };
    const long = "x".repeat(1025);
    const cases: Array<{
      name: string;
      provider: (d: ProviderDeps) => pulumi.dynamic.ResourceProvider;
      news: Record<string, unknown>;
      property: string;
      reason: RegExp;
    }> = [
      {
        name: "a past expiration",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiration: "2020-01-01T00:00:00Z" },
        property: "expiration",
        reason: /in the past/,
      },
      {
        name: "an expiration that is not a date",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiration: "next week" },
        property: "expiration",
        reason: /ISO-8601/,
      },
      {
        name: "a malformed expiresIn",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiresIn: "90 days" },
        property: "expiresIn",
        reason: /not a duration/,
      },
      {
        name: "a malformed rotateBefore",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiresIn: "90d", rotateBefore: "soon" },
        property: "rotateBefore",
        reason: /not a duration/,
      },
      {
        name: "a malformed overlap",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], overlap: "1 day" },
        property: "overlap",
        reason: /not a duration/,
      },
      {
        name: "an empty roles list",
        provider: apiKeyProvider,
        news: { roles: [] },
        property: "roles",
        reason: /at least one role/,
      },
      {
        name: "missing roles",
        provider: apiKeyProvider,
        news: {},
        property: "roles",
        reason: /required/,
      },
      {
        name: "an over-long comment",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], comment: long },
        property: "comment",
        reason: /at most 1024/,
      },
      {
        name: "an unknown security level",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], securityLevel: "paranoid" },
        property: "securityLevel",
        reason: /standard.*advanced/,
      },
      {
        name: "both expiration and expiresIn",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiration: "2030-01-01", expiresIn: "9d" },
        property: "expiresIn",
        reason: /not both/,
      },
      {
        name: "rotateBefore without an expiry",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], rotateBefore: "7d" },
        property: "rotateBefore",
        reason: /needs `expiration` or `expiresIn`/,
      },
      {
        name: "a scope mode not valid for its area",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], scope: { assets: { mode: "any" } } },
        property: "scope.assets.mode",
        reason: /not valid for assets/,
      },
      {
        name: "an unknown property",
        provider: apiKeyProvider,
        news: { roles: ["Viewer"], expiry: "9d" },
        property: "(inputs)",
        reason: /unknown property: expiry/,
      },
      {
        name: "a scope definition with no areas",
        provider: scopeDefinitionProvider,
        news: { name: "s", areas: {} },
        property: "areas",
        reason: /at least one area/,
      },
      {
        name: "a scope definition with a mode not valid for its area",
        provider: scopeDefinitionProvider,
        news: { name: "s", areas: { cases_issues: { mode: "any" } } },
        property: "areas.cases_issues.mode",
        reason: /not valid for cases_issues/,
      },
      {
        name: "a scope mode `scope` with no names",
        provider: scopeDefinitionProvider,
        news: { name: "s", areas: { endpoints: { endpoint_groups: { mode: "scope" } } } },
        property: "areas.endpoints.endpoint_groups.names",
        reason: /at least one entry/,
      },
      {
        name: "a role with no permission",
        provider: roleProvider,
        news: { name: "r", components: { public_api: "none" } },
        property: "components",
        reason: /at least one component/,
      },
      {
        name: "a role with an unknown component",
        provider: roleProvider,
        news: { name: "r", components: { coffee: "view" } },
        property: "components",
        reason: /coffee/,
      },
      {
        name: "a binding to an unknown principal type",
        provider: roleBindingProvider,
        news: { principal: { type: "robot", id: "1" }, role: "Viewer" },
        property: "principal.type",
        reason: /user.*group.*apiKey/,
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name}, naming ${c.property}, without calling the server`, async () => {
        const r = await c.provider(noServer).check!({}, c.news);
        const f = (r.failures ?? []).find((x) => x.property === c.property);
        assert.ok(f, `expected a failure on ${c.property}, got ${JSON.stringify(r.failures)}`);
        assert.match(f.reason, c.reason);
      });
    }

    it("skips values the engine does not know yet (preview)", async () => {
      const r = await apiKeyProvider(noServer).check!(
        {},
        { roles: [UNKNOWN], scope: UNKNOWN, comment: "ok" },
      );
      assert.deepEqual(r.failures ?? [], []);
    });

    it("names an expiration that has passed since the key was made, and says what to do", async () => {
      const past = Date.UTC(2026, 9, 1);
      const r = await apiKeyProvider(noServer).check!(
        { roles: ["Viewer"], expiration: past },
        { roles: ["Viewer"], expiration: past },
      );
      assert.match(
        r.failures![0]!.reason,
        /has passed, so the key expired; set a later expiration/,
      );
    });
  });
});
