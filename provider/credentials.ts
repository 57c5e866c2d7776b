/**
 * Provider credentials, resolved at call time: env (`KEYPLANE_ENDPOINT`, `KEYPLANE_API_KEY_ID`,
 * `KEYPLANE_API_KEY`, `KEYPLANE_SECURITY_LEVEL`) wins over stack config (`keyplane:endpoint`,
 * `keyplane:apiKeyId`, `keyplane:apiKey` (secret), `keyplane:securityLevel`). Env winning means a
 * server that moved stays reachable on destroy, when the engine configures the provider from the
 * config stored in state. Clients are cached per credential for keep-alive.
 */
import { KeyplaneClient } from "../sdk";

export interface Credentials {
  endpoint: string;
  apiKeyId: number;
  apiKey: string;
  securityLevel: "standard" | "advanced";
}

export type RawConfig = Record<string, string | undefined>;

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialsError";
  }
}

/** Resolves credentials from env, then config; the error names what is missing and how to set it. */
export function resolveCredentials(
  config: RawConfig,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const pick = (envName: string, key: string) => {
    const e = env[envName];
    if (e !== undefined && e !== "") return e;
    const c = config[key];
    return c === undefined || c === "" ? undefined : c;
  };
  const endpoint = pick("KEYPLANE_ENDPOINT", "endpoint");
  const id = pick("KEYPLANE_API_KEY_ID", "apiKeyId");
  const key = pick("KEYPLANE_API_KEY", "apiKey");
  const level = (pick("KEYPLANE_SECURITY_LEVEL", "securityLevel") ?? "standard").toLowerCase();
  const missing: string[] = [];
  if (!endpoint)
    missing.push("the endpoint (KEYPLANE_ENDPOINT or `pulumi config set keyplane:endpoint URL`)");
  if (!id)
    missing.push("the key id (KEYPLANE_API_KEY_ID or `pulumi config set keyplane:apiKeyId ID`)");
  if (!key)
    missing.push("the key (KEYPLANE_API_KEY or `pulumi config set --secret keyplane:apiKey KEY`)");
  if (missing.length)
    throw new CredentialsError(`keyplane provider credentials are missing: ${missing.join("; ")}`);
  if (!/^https?:\/\//i.test(endpoint!))
    throw new CredentialsError(`keyplane endpoint '${endpoint}' is not an http(s) URL`);
  if (!/^[1-9][0-9]*$/.test(id!))
    throw new CredentialsError(`keyplane apiKeyId '${id}' is not a key id (a positive integer)`);
  if (level !== "standard" && level !== "advanced")
    throw new CredentialsError(`keyplane securityLevel '${level}' must be standard or advanced`);
  return {
    endpoint: endpoint!.replace(/\/+$/, ""),
    apiKeyId: Number(id),
    apiKey: key!,
    securityLevel: level,
  };
}

const clients = new Map<string, KeyplaneClient>();

/** A client for these credentials, reused across calls in this process. */
export function clientFor(c: Credentials): KeyplaneClient {
  const k = `${c.endpoint}|${c.apiKeyId}|${c.securityLevel}|${c.apiKey.length}:${c.apiKey.slice(-6)}`;
  let client = clients.get(k);
  if (!client) {
    client = new KeyplaneClient({
      endpoint: c.endpoint,
      apiKeyId: c.apiKeyId,
      apiKey: c.apiKey,
      securityLevel: c.securityLevel,
      retries: 6,
      userAgent: "keyplane-pulumi-provider",
    });
    clients.set(k, client);
  }
  return client;
}
