/**
 * After `pulumi up`: switch SBAC on for the tenant, then ask, as the gateway, whether each
 * region's key may run response actions on endpoints of either region.
 *
 *   pulumi stack output --json --show-secrets > outputs.json
 *   npx ts-node --transpile-only check.ts outputs.json
 *
 * Admin credentials (to switch SBAC on) come from KEYPLANE_ENDPOINT, KEYPLANE_API_KEY_ID and
 * KEYPLANE_API_KEY, as for the provider.
 */
import * as fs from "node:fs";
import { KeyplaneClient, contract } from "keyplane/sdk";

async function main(): Promise<void> {
  const out = JSON.parse(fs.readFileSync(process.argv[2] ?? "outputs.json", "utf8"));
  const endpoint = process.env.KEYPLANE_ENDPOINT!;
  const admin = new KeyplaneClient({
    endpoint,
    apiKeyId: process.env.KEYPLANE_API_KEY_ID!,
    apiKey: process.env.KEYPLANE_API_KEY!,
  });
  await admin.settings.update({ sbacEnabled: true });
  const gateway = new KeyplaneClient({
    endpoint,
    apiKeyId: out.gatewayKeyId,
    apiKey: out.gatewayKey,
  });
  for (const region of ["emea", "apac"]) {
    for (const group of ["emea-servers", "apac-servers"]) {
      // The caller's request, as the gateway received it: a fresh signature each time.
      const headers = contract.authHeaders({
        apiKeyId: out[`${region}KeyId`],
        apiKey: out[`${region}Key`],
        securityLevel: "advanced",
      });
      const v = await gateway.auth.verify({
        headers,
        permission: { component: "response", level: "view_edit" },
        resource: { endpointGroups: [group] },
      });
      console.log(`${region} key on ${group}: ${v.valid ? "allowed" : `refused (${v.reason})`}`);
    }
  }
  const headers = contract.authHeaders({
    apiKeyId: out.emeaKeyId,
    apiKey: out.emeaKey,
    securityLevel: "advanced",
  });
  const rows = await gateway.auth.verify({
    headers,
    permission: { component: "datasets", level: "view" },
    resource: { dataset: "xdr_data" },
  });
  console.log(
    `emea key on dataset xdr_data: ${rows.valid ? `allowed, rows where ${rows.row_filter}` : `refused (${rows.reason})`}`,
  );
  await gateway.close();
  await admin.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
