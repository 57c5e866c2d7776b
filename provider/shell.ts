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
 * One shell object per kind, made once: Pulumi serializes a provider once per object, so a
 * stack with 100 keys pays for one serialization, not 100.
 *
 * The runtime is found from the plugin's working directory (the program's directory):
 * `keyplane/provider-runtime` in node_modules, or, inside the keyplane repository itself,
 * the package root's dist/. (No comments inside the functions below: their text is what
 * lands in state.)
 */
import type * as pulumi from "@pulumi/pulumi";

export type ResourceKind = "apiKey" | "roleBinding" | "scopeDefinition" | "role";

type Runtime = { provider(kind: string, config: Record<string, string | undefined>): pulumi.dynamic.ResourceProvider };

/** Loads the provider runtime at call time. Serialized by value: it may only use require, process and globals. */
function loadKeyplaneRuntime(): Runtime {
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
        if (JSON.parse(fs.readFileSync(pj, "utf8")).name === "keyplane") return require(path.join(dir, "dist", "provider", "runtime.js"));
      } catch (e) {
        tried.push(`${pj}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    if (dir === path.dirname(dir)) break;
  }
  throw new Error(`keyplane: cannot load the provider runtime; install keyplane in the program's project (npm install keyplane). Tried: ${tried.join("; ")}`);
}

type Shell = pulumi.dynamic.ResourceProvider & { kind: ResourceKind; config?: Record<string, string | undefined>; p(): pulumi.dynamic.ResourceProvider };

/**
 * Makes the shell for one kind: every method forwards to the runtime's provider for that kind.
 * The stack config `configure` receives is kept on the object (`this`), which exists only in
 * the provider process; serialized captured variables would not be shared between methods.
 */
function makeShell(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  const shell: Shell = {
    kind,
    p() {
      return loadKeyplaneRuntime().provider(this.kind, this.config ?? {});
    },
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      const c = req.config;
      this.config = { endpoint: c.get("keyplane:endpoint"), apiKeyId: c.get("keyplane:apiKeyId"), apiKey: c.get("keyplane:apiKey"), securityLevel: c.get("keyplane:securityLevel") };
    },
    check(olds, news) {
      return this.p().check!(olds, news);
    },
    diff(id, olds, news) {
      return this.p().diff!(id, olds, news);
    },
    create(inputs) {
      return this.p().create(inputs);
    },
    read(id, props) {
      return this.p().read!(id, props);
    },
    update(id, olds, news) {
      return this.p().update!(id, olds, news);
    },
    delete(id, props) {
      return this.p().delete!(id, props);
    },
  } as Shell;
  return shell;
}

const shells = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/** The serialized provider for one resource kind (one object per kind per program). */
export function providerShell(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let s = shells.get(kind);
  if (!s) {
    s = makeShell(kind);
    shells.set(kind, s);
  }
  return s;
}
