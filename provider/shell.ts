/**
 * The provider shell: the only provider code that Pulumi serializes into state.
 *
 * A dynamic provider object, and everything it captures, is written into every resource's
 * state as JavaScript text, and `read`/`delete` later run that old text. So the object we hand
 * to Pulumi is a shell: each method loads keyplane's provider runtime from the installed
 * package at call time and forwards to it. It captures one string (the resource kind) and
 * nothing else: no credentials, no endpoint, no client. Consequences:
 *  - credentials are read at call time (env, or stack config through `configure`);
 *  - upgrading keyplane upgrades the code that refreshes and deletes existing resources;
 *  - the state stays small.
 *
 * The runtime is found from the plugin's working directory (the program's directory):
 * `keyplane/provider-runtime` in node_modules, or, inside the keyplane repository itself,
 * the package root's dist/.
 */
import type * as pulumi from "@pulumi/pulumi";

export type ResourceKind = "apiKey" | "roleBinding" | "scopeDefinition" | "role";

/** Loads the provider runtime at call time. Serialized by value: it may only use require, process and globals. */
function loadKeyplaneRuntime(): {
  provider(kind: string, config: Record<string, string | undefined>): pulumi.dynamic.ResourceProvider;
} {
  const path = require("path");
  const fs = require("fs");
  const tried: string[] = [];
  try {
    return require(require.resolve("keyplane/provider-runtime", { paths: [process.cwd()] }));
  } catch (e) {
    tried.push(`keyplane/provider-runtime from ${process.cwd()}: ${(e as Error).message.split("\n")[0]}`);
  }
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, "utf8")).name === "keyplane") {
          return require(path.join(dir, "dist", "provider", "runtime.js"));
        }
      } catch (e) {
        tried.push(`${pj}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    if (dir === path.dirname(dir)) break;
  }
  throw new Error(`keyplane: cannot load the provider runtime; install keyplane in the program's project (npm install keyplane). Tried: ${tried.join("; ")}`);
}

/** The serialized provider for one resource kind. */
export function providerShell(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  return {
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      // Runs in the provider process, after deserialization: nothing stored here is serialized.
      const c = req.config;
      (this as { kpConfig?: Record<string, string | undefined> }).kpConfig = {
        endpoint: c.get("keyplane:endpoint"),
        apiKeyId: c.get("keyplane:apiKeyId"),
        apiKey: c.get("keyplane:apiKey"),
        securityLevel: c.get("keyplane:securityLevel"),
      };
    },
    async check(olds, news) {
      return loadKeyplaneRuntime().provider(kind, (this as { kpConfig?: Record<string, string | undefined> }).kpConfig ?? {}).check!(olds, news);
    },
    async diff(id, olds, news) {
      return loadKeyplaneRuntime().provider(kind, (this as { kpConfig?: Record<string, string | undefined> }).kpConfig ?? {}).diff!(id, olds, news);
    },
    async create(inputs) {
      return loadKeyplaneRuntime().provider(kind, (this as { kpConfig?: Record<string, string | undefined> }).kpConfig ?? {}).create(inputs);
    },
    async read(id, props) {
      return loadKeyplaneRuntime().provider(kind, (this as { kpConfig?: Record<string, string | undefined> }).kpConfig ?? {}).read!(id, props);
    },
    async update(id, olds, news) {
      return loadKeyplaneRuntime().provider(kind, (this as { kpConfig?: Record<string, string | undefined> }).kpConfig ?? {}).update!(id, olds, news);
    },
    async delete(id, props) {
      return loadKeyplaneRuntime().provider(kind, (this as { kpConfig?: Record<string, string | undefined> }).kpConfig ?? {}).delete!(id, props);
    },
  };
}
