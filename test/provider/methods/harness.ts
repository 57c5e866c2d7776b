/**
 * What the provider-method tests share: a real server on a fake clock, the SDK client over it,
 * each kind's provider with a captured warn, and `check` then `create` as the engine does them.
 * The tests are split by concern: check.test.ts, apiKey.test.ts, others.test.ts.
 */
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { sdkApi, type ProviderApi } from "../../../provider/api";
import type { ProviderDeps } from "../../../provider/common";
import { apiKeyProvider } from "../../../provider/resources/apiKey";
import { roleProvider } from "../../../provider/resources/role";
import { roleBindingProvider } from "../../../provider/resources/roleBinding";
import { scopeDefinitionProvider } from "../../../provider/resources/scopeDefinition";
import { KeyplaneClient } from "../../../sdk";
import { startTestServer, type TestServer } from "../../helpers/server";

export const DAY = 86_400_000;
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface Harness {
  t: TestServer;
  client: KeyplaneClient;
  api: ProviderApi;
  warnings: string[];
  deps: ProviderDeps;
  keys: pulumi.dynamic.ResourceProvider;
  bindings: pulumi.dynamic.ResourceProvider;
  scopes: pulumi.dynamic.ResourceProvider;
  roles: pulumi.dynamic.ResourceProvider;
  /** Keys on the server, by id. */
  keyIds(): Promise<number[]>;
}

async function harness(): Promise<Harness> {
  const t = await startTestServer({ fakeClock: Date.UTC(2026, 10, 1) });
  const client = new KeyplaneClient({
    endpoint: t.url,
    apiKeyId: t.admin.id,
    apiKey: t.admin.key,
    retryBaseDelayMs: 5,
  });
  const api = sdkApi(client);
  const warnings: string[] = [];
  const deps: ProviderDeps = {
    now: () => t.clock.now(),
    api: () => api,
    warn: (m) => warnings.push(m),
  };
  return {
    t,
    client,
    api,
    warnings,
    deps,
    keys: apiKeyProvider(deps),
    bindings: roleBindingProvider(deps),
    scopes: scopeDefinitionProvider(deps),
    roles: roleProvider(deps),
    async keyIds() {
      const page = await client.apiKeys.list({ searchTo: 1000 });
      return page.items.map((k) => k.id);
    },
  };
}

/** check, then create, as the engine does. */
export async function checkAndCreate(
  p: pulumi.dynamic.ResourceProvider,
  news: Record<string, unknown>,
) {
  const c = await p.check!({}, news);
  assert.deepEqual(
    c.failures ?? [],
    [],
    `unexpected check failures: ${JSON.stringify(c.failures)}`,
  );
  const r = await p.create(c.inputs);
  return { id: r.id, outs: r.outs, inputs: c.inputs };
}

/**
 * Registers a suite's hooks (inside a `describe`): a fresh harness before its tests, handed to
 * `set`; warnings cleared before each test; the client and server closed after.
 */
export function useHarness(set: (h: Harness) => void): void {
  let h: Harness | undefined;
  before(async () => {
    h = await harness();
    set(h);
  });
  after(async () => {
    await h?.client.close();
    await h?.t.close();
  });
  beforeEach(() => {
    if (h) h.warnings.length = 0;
  });
}
