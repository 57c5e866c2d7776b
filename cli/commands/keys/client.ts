/**
 * What every `keyplane keys …` subcommand (and `keyplane notifications`) starts from: a client
 * from the KEYPLANE_* environment, as the provider reads it, and key ids from the command line.
 */
import type { KeyplaneClient } from "../../../sdk";
import { UsageError } from "../../args";

export const ENV_HELP = `Credentials come from KEYPLANE_ENDPOINT, KEYPLANE_API_KEY_ID, KEYPLANE_API_KEY and
KEYPLANE_SECURITY_LEVEL (standard|advanced), as for the Pulumi provider.`;

export async function client(): Promise<KeyplaneClient> {
  const { resolveCredentials } = await import("../../../provider/credentials");
  let c;
  try {
    c = resolveCredentials({});
  } catch (e) {
    throw new UsageError(
      (e as Error).message.replace("keyplane provider credentials", "credentials"),
    );
  }
  const { KeyplaneClient } = await import("../../../sdk");
  return new KeyplaneClient({
    endpoint: c.endpoint,
    apiKeyId: c.apiKeyId,
    apiKey: c.apiKey,
    securityLevel: c.securityLevel,
    userAgent: "keyplane-cli",
  });
}

export function parseId(s: string | undefined, what = "ID"): number {
  if (!s || !/^[1-9][0-9]*$/.test(s))
    throw new UsageError(`${what} must be a key id (a positive integer), got '${s ?? ""}'`);
  return Number(s);
}
