/**
 * Every other call group against the real server: roles, users, groups, bindings, scopes,
 * settings, notifications, audit, auth.verify, and the client's health and OpenAPI calls.
 */
import * as assert from "node:assert/strict";
import { ConflictError, contract, ForbiddenError, KeyplaneClient, NotFoundError } from "../../sdk";
import { startTestServer, type TestServer } from "../helpers/server";
import { clientFor, rejection } from "./support";

const DAY = 86_400_000;

describe("sdk call groups", function () {
  this.timeout(60_000);
  let srv: TestServer;
  let client: KeyplaneClient;

  before(async () => {
    srv = await startTestServer();
    client = clientFor(srv);
  });
  after(async () => {
    await client?.close();
    await srv?.close();
  });

  it("health and the OpenAPI document", async () => {
    assert.deepEqual(await client.health(), { status: "available" });
    const doc = (await client.openapi()) as { openapi?: string; paths?: object };
    assert.match(String(doc.openapi), /^3\./);
    assert.ok(doc.paths && Object.keys(doc.paths).length > 10);
  });

  describe("roles", () => {
    it("lists predefined roles and the permission config", async () => {
      const page = await client.roles.list();
      assert.ok(page.items.some((r) => r.pretty_name === "Viewer" && !r.is_custom));
      assert.equal(page.totalCount, page.items.length);
      const small = await client.roles.list({ searchFrom: 0, searchTo: 2 });
      assert.equal(small.items.length, 2);
      assert.equal(small.totalCount, page.totalCount);
      const cfg = await client.roles.permissionConfig();
      const names = cfg.rbac_permissions.flatMap((c) =>
        c.sub_categories.flatMap((s) => s.permissions.map((p) => p.view_name)),
      );
      assert.ok(names.includes("public_api_view"));
    });

    it("creates, gets, updates, looks up by name and deletes a custom role", async () => {
      const created = await client.roles.create({
        name: "SDK Auditor",
        description: "reads audit",
        components: { audit: "view" },
      });
      assert.ok(created.role_id);
      const r = await client.roles.get(created.role_id!);
      assert.equal(r.pretty_name, "SDK Auditor");
      assert.equal(r.is_custom, true);
      assert.deepEqual(r.components, { audit: "view" });

      await client.roles.update(created.role_id!, {
        name: "SDK Auditor 2",
        componentPermissions: ["audit_view", "notifications_action"],
      });
      const u = await client.roles.get(created.role_id!);
      assert.equal(u.pretty_name, "SDK Auditor 2");
      assert.deepEqual(u.components, { audit: "view", notifications: "view_edit" });

      const legacy = await client.roles.getByNames(["SDK Auditor 2"]);
      assert.equal(legacy.length, 1);
      assert.equal(legacy[0]![0]!.pretty_name, "SDK Auditor 2");
      // An unknown name fails the call, as in the reference.
      await assert.rejects(
        client.roles.getByNames(["SDK Auditor 2", "no such role"]),
        (e: Error & { status?: number }) =>
          e.status === 400 && /Role 'no such role' was not found/.test(e.message),
      );

      assert.match((await client.roles.delete(created.role_id!)).message, /deleted/);
      assert.ok(
        (await rejection(() => client.roles.get(created.role_id!))) instanceof NotFoundError,
      );
    });

    it("refuses to change a predefined role", async () => {
      const e = await rejection(() => client.roles.delete("viewer"));
      assert.ok(e instanceof ForbiddenError);
      assert.equal(e.code, "READ_ONLY");
    });
  });

  describe("users and groups", () => {
    it("creates, gets, lists, patches and deletes users, and the legacy user calls", async () => {
      await client.users.create({
        email: "Ada@Example.com",
        firstName: "Ada",
        lastName: "Lovelace",
        roleId: "Viewer",
      });
      const u = await client.users.get("ada@example.com");
      assert.equal(u.user_first_name, "Ada");
      assert.equal(u.role_name, "Viewer");
      assert.ok(u.effective_roles?.includes("Viewer"));
      assert.ok((await client.users.list()).items.some((x) => x.user_email === "ada@example.com"));

      await client.users.patch("ada@example.com", {
        lastName: "King",
        status: "Inactive",
        isHidden: true,
      });
      const p = await client.users.get("ada@example.com");
      assert.equal(p.user_last_name, "King");
      assert.equal(p.status, "Inactive");
      assert.equal(p.is_hidden, true);

      assert.equal(await client.users.setRole(["ada@example.com"], "Investigator"), 1);
      assert.equal((await client.users.get("ada@example.com")).role_name, "Investigator");
      assert.ok(
        (await client.users.listLegacy()).some(
          (x) => x.user_email === "ada@example.com" && x.role_name === "Investigator",
        ),
      );

      await client.users.delete("ada@example.com");
      assert.ok(
        (await rejection(() => client.users.get("ada@example.com"))) instanceof NotFoundError,
      );
    });

    it("creates, gets, lists, patches, looks up by name and deletes user groups", async () => {
      await client.users.create({ email: "grace@example.com" });
      const created = await client.groups.create({
        name: "SDK Team",
        description: "d",
        roleId: "Viewer",
        users: ["grace@example.com"],
      });
      const id = created.group_id!;
      const g = await client.groups.get(id);
      assert.equal(g.group_name, "SDK Team");
      assert.equal(g.pretty_role_name, "Viewer");
      assert.deepEqual(g.users, ["grace@example.com"]);
      assert.ok((await client.groups.list()).items.some((x) => x.group_id === id));

      const nested = await client.groups.create({ name: "SDK Inner" });
      await client.groups.patch(id, {
        name: "SDK Team 2",
        nestedGroupIds: [nested.group_id!],
        idpGroups: ["okta-team"],
      });
      const p = await client.groups.get(id);
      assert.equal(p.group_name, "SDK Team 2");
      assert.deepEqual(
        p.nested_groups.map((n) => n.group_id),
        [nested.group_id],
      );
      assert.deepEqual(p.idp_groups, ["okta-team"]);
      assert.deepEqual(
        (await client.groups.getByNames(["SDK Team 2"])).map((x) => x.user_email),
        [["grace@example.com"]],
      );

      const conflict = await rejection(() => client.groups.create({ name: "SDK Team 2" }));
      assert.ok(conflict instanceof ConflictError);

      await client.groups.delete(id);
      await client.groups.delete(nested.group_id!);
      assert.ok((await rejection(() => client.groups.get(id))) instanceof NotFoundError);
    });
  });

  describe("bindings", () => {
    it("binds a role to a key, lists by principal, and deletes the binding", async () => {
      const k = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" });
      const b = await client.bindings.create({
        principalType: "api-key",
        principalId: k.id,
        role: "Investigator",
      });
      assert.equal(b.principal_id, String(k.id));
      assert.equal(b.role_name, "Investigator");
      assert.equal(b.owner, "binding");
      assert.deepEqual(await client.bindings.get(b.binding_id), b);

      const list = await client.bindings.list({ principalType: "api-key", principalId: k.id });
      assert.deepEqual(list.items.map((x) => x.role_name).sort(), ["Investigator", "Viewer"]);
      assert.equal(list.totalCount, 2);

      const dup = await rejection(() =>
        client.bindings.create({
          principalType: "api-key",
          principalId: k.id,
          role: "Investigator",
        }),
      );
      assert.ok(dup instanceof ConflictError);

      const keyOwned = list.items.find((x) => x.owner === "api-key")!;
      const ro = await rejection(() => client.bindings.delete(keyOwned.binding_id));
      assert.ok(ro instanceof ForbiddenError);
      assert.equal(ro.code, "READ_ONLY");

      await client.bindings.delete(b.binding_id);
      assert.ok(
        (await rejection(() => client.bindings.get(b.binding_id))) instanceof NotFoundError,
      );
    });
  });

  describe("scopes", () => {
    it("manages named definitions written in camelCase, and entity scopes", async () => {
      const created = await client.scopes.createDefinition({
        name: "SDK EU",
        description: "EU endpoints",
        areas: {
          endpoints: {
            endpointGroups: { mode: "scope", names: ["eu-2", "eu-1"] },
            endpointTags: { mode: "any" },
          },
          datasetsRows: {
            defaultFilterMode: "see_all",
            filters: [{ dataset: "xdr_data", filter: "region = 'eu'" }],
          },
        },
      });
      const def = await client.scopes.getDefinition(created.scope_id);
      assert.equal(def.name, "SDK EU");
      assert.deepEqual(
        def.areas.endpoints.endpoint_groups.tags.map((t) => t.tag_name),
        ["eu-1", "eu-2"],
      );
      assert.equal(def.areas.endpoints.endpoint_tags.mode, "any");
      assert.equal(def.areas.datasets_rows.default_filter_mode, "see_all");
      assert.deepEqual(contract.scopeFromRead(def.areas).assets, {
        mode: "no_scope",
        asset_group_ids: [],
      });
      assert.ok(
        (await client.scopes.listDefinitions()).items.some((d) => d.scope_id === created.scope_id),
      );

      const upd = await client.scopes.updateDefinition(created.scope_id, {
        description: "EU only",
        areas: { assets: { mode: "see_all" } },
      });
      assert.equal(upd.description, "EU only");
      assert.equal(upd.areas.assets.mode, "see_all");
      assert.equal(
        upd.areas.endpoints.endpoint_groups.mode,
        "no_scope",
        "areas replace the whole scope",
      );

      await client.users.create({ email: "linus@example.com" });
      await client.scopes.set("user", "linus@example.com", { scopeDefinitionId: created.scope_id });
      const s1 = await client.scopes.get("user", "linus@example.com");
      assert.equal(s1.scope_definition_id, created.scope_id);
      assert.equal(s1.scope_definition_name, "SDK EU");

      const inUse = await rejection(() => client.scopes.deleteDefinition(created.scope_id));
      assert.ok(inUse instanceof ConflictError);
      assert.equal(inUse.code, "IN_USE");

      await client.scopes.set("user", "linus@example.com", {
        casesIssues: { mode: "scope", names: ["IT"] },
      });
      const s2 = await client.scopes.get("user", "linus@example.com");
      assert.equal(s2.scope_definition_id, null);
      assert.deepEqual(
        s2.cases_issues.tags.map((t) => t.tag_name),
        ["IT"],
      );

      // The wire spelling is accepted as well.
      await client.scopes.set("user", "linus@example.com", {
        assets: { mode: "scope", asset_group_ids: [7] },
      });
      assert.deepEqual(
        (await client.scopes.get("user", "linus@example.com")).assets.asset_groups.map(
          (g) => g.asset_group_id,
        ),
        [7],
      );

      await client.scopes.clear("user", "linus@example.com");
      assert.equal((await client.scopes.get("user", "linus@example.com")).has_scope, false);
      await client.scopes.deleteDefinition(created.scope_id);
      assert.ok(
        (await rejection(() => client.scopes.getDefinition(created.scope_id))) instanceof
          NotFoundError,
      );
      assert.ok(
        (await rejection(() => client.scopes.get("user", "nobody@example.com"))) instanceof
          NotFoundError,
      );
    });
  });

  describe("settings", () => {
    it("reads and changes tenant settings in camelCase", async () => {
      const before = await client.settings.get();
      assert.equal(before.sbac_enabled, false);
      const after = await client.settings.update({
        tenantFqdn: "tenant.example.com",
        replayWindowMs: 120_000,
      });
      assert.equal(after.tenant_fqdn, "tenant.example.com");
      assert.equal(after.replay_window_ms, 120_000);
      const k = await client.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard" });
      assert.equal((await client.apiKeys.examples(k.id)).url, "https://tenant.example.com");
      await client.settings.update({ tenantFqdn: null, replayWindowMs: before.replay_window_ms });
      assert.deepEqual(await client.settings.get(), before);
    });
  });

  describe("notifications", () => {
    it("lists expiration notices, filters them and marks them read", async () => {
      const k = await client.apiKeys.generate({
        roles: ["Viewer"],
        securityLevel: "standard",
        expiration: new Date(Date.now() + 3 * DAY),
      });
      await srv.running.app.services.scheduler.tick();
      const page = await client.notifications.list({ keyId: k.id });
      assert.equal(page.items.length, 1);
      assert.equal(page.totalCount, 1);
      const n = page.items[0]!;
      assert.equal(n.lead, "7d");
      assert.equal(n.read, false);
      const read = await client.notifications.markRead(n.id);
      assert.equal(read.read, true);
      assert.equal(
        (await client.notifications.list({ keyId: k.id, unread: true })).items.length,
        0,
      );
      assert.equal((await client.notifications.markRead(n.id, false)).read, false);
      assert.equal(
        (await client.notifications.list({ keyId: k.id, unread: true })).items.length,
        1,
      );
    });
  });

  describe("audit", () => {
    it("reads the management log with camelCase filters and sort, and iterates it", async () => {
      const tag = `audit-${Date.now()}`;
      for (let i = 0; i < 3; i++)
        await client.apiKeys.generate({
          roles: ["Viewer"],
          securityLevel: "standard",
          comment: tag,
        });
      const page = await client.audit.managementLogs({
        filters: [
          { field: "type", value: "API_KEY" },
          { field: "subType", value: ["create"] },
          { field: "timestamp", operator: "gte", value: new Date(Date.now() - 60_000) },
        ],
        sort: { field: "timestamp", order: "desc" },
        searchTo: 2,
      });
      assert.equal(page.items.length, 2);
      assert.equal(page.resultCount, 2);
      assert.ok(page.totalCount >= 3);
      assert.ok(
        page.items.every(
          (a) => a.AUDIT_ENTITY === "API_KEY" && a.AUDIT_ENTITY_SUBTYPE === "create",
        ),
      );
      assert.ok(page.items[0]!.AUDIT_INSERT_TIME >= page.items[1]!.AUDIT_INSERT_TIME);

      const all: number[] = [];
      for await (const a of client.audit.iterate({
        filters: [
          { field: "type", value: "API_KEY" },
          { field: "subType", value: "create" },
        ],
        pageSize: 2,
      })) {
        all.push(a.AUDIT_ID);
      }
      assert.equal(all.length, page.totalCount);
      assert.equal(new Set(all).size, all.length);
      assert.deepEqual((await client.audit.list({ searchTo: 1 })).items.length, 1);
    });
  });

  describe("auth.verify", () => {
    it("verifies forwarded Standard and Advanced headers, with a permission", async () => {
      const verifier = await srv.createKey({ roles: ["Key Verifier"] });
      const svc = clientFor(srv, verifier);
      try {
        const std = await srv.createKey({ roles: ["Investigator"] });
        const ok = await svc.auth.verify({
          headers: contract.authHeaders({ apiKeyId: std.id, apiKey: std.key }),
          permission: { component: "cases_issues", level: "view_edit" },
          resource: { casesIssuesTags: ["IT"] },
        });
        assert.equal(ok.valid, true);
        assert.equal(ok.key_id, std.id);
        assert.deepEqual(ok.roles, ["Investigator"]);

        const adv = await srv.createKey({ roles: ["Viewer"], level: "advanced" });
        const signed = contract.authHeaders({
          apiKeyId: adv.id,
          apiKey: adv.key,
          securityLevel: "advanced",
        });
        const a = await svc.auth.verify({
          headers: signed,
          permission: { component: "endpoints" },
        });
        assert.equal(a.valid, true);
        assert.equal(a.security_level, "advanced");
        const replay = await svc.auth.verify({ headers: signed });
        assert.equal(replay.valid, false);
        assert.equal(replay.reason, "REPLAYED");

        const denied = await svc.auth.verify({
          headers: contract.authHeaders({ apiKeyId: std.id, apiKey: std.key }),
          permission: { component: "response", level: "view_edit" },
        });
        assert.equal(denied.valid, false);
        assert.equal(denied.reason, "INSUFFICIENT_PERMISSION");

        const wrong = await svc.auth.verify({
          headers: { "x-xdr-auth-id": String(std.id), authorization: "x".repeat(64) },
        });
        assert.equal(wrong.valid, false);
        assert.equal(wrong.reason, "NOT_FOUND");
      } finally {
        await svc.close();
      }
    });

    it("is forbidden to a key without the verify permission", async () => {
      const viewer = await srv.createKey({ roles: ["Viewer"] });
      const c = clientFor(srv, viewer);
      try {
        const e = await rejection(() => c.auth.verify({ headers: {} }));
        assert.ok(e instanceof ForbiddenError);
        assert.equal(e.requiredPermission, "verify:view");
      } finally {
        await c.close();
      }
    });
  });
});
