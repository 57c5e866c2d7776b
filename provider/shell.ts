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
 * One shell object per kind, made once (a module's exports): Pulumi serializes a provider once
 * per object, so a stack with 100 keys pays for one serialization, not 100; and when keyplane is
 * installed in node_modules the state holds only a `require` of that module.
 *
 * The runtime is found from the plugin's working directory (the program's directory):
 * `keyplane/provider-runtime` in node_modules, or, inside the keyplane repository itself,
 * the package root's dist/. (No comments inside the functions below: their text is what
 * lands in state.)
 */
import type * as pulumi from "@pulumi/pulumi";

export type ResourceKind = "apiKey" | "roleBinding" | "scopeDefinition" | "role";

type Runtime = {
  provider(
    kind: string,
    config: Record<string, string | undefined>,
  ): pulumi.dynamic.ResourceProvider;
};

/**
 * Loads the provider runtime at call time: `keyplane/provider-runtime` from the program's
 * directory, or, in the keyplane repository itself, the package root's dist/. Serialized by
 * value, so it may only use require, process and globals, and it is kept short: its text is
 * stored twice in every resource's state.
 */
function loadKeyplaneRuntime(): Runtime {
  const path = require("path");
  const fs = require("fs");
  try {
    return require(require.resolve("keyplane/provider-runtime", { paths: [process.cwd()] }));
  } catch {}
  for (let d = process.cwd(); d !== path.dirname(d); d = path.dirname(d)) {
    const f = path.join(d, "package.json");
    if (fs.existsSync(f) && JSON.parse(fs.readFileSync(f, "utf8")).name === "keyplane")
      return require(path.join(d, "dist/provider/runtime.js"));
  }
  throw new Error(
    `keyplane: cannot load the provider runtime from ${process.cwd()}: install keyplane in the program's project (npm install keyplane)`,
  );
}

type Shell = pulumi.dynamic.ResourceProvider & {
  kind: ResourceKind;
  config?: Record<string, string | undefined>;
  rt?: Runtime;
  p(): pulumi.dynamic.ResourceProvider;
};

/**
 * Makes the shell for one kind: every method forwards to the runtime's provider for that kind.
 * The stack config `configure` receives is kept on the object (`this`), which exists only in
 * the provider process; serialized captured variables would not be shared between methods.
 */
function makeShell(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  const shell: Shell = {
    kind,
    p() {
      if (!this.rt) this.rt = loadKeyplaneRuntime();
      return this.rt.provider(this.kind, this.config ?? {});
    },
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      const c = (k: string) => req.config.get(`keyplane:${k}`);
      this.config = {
        endpoint: c("endpoint"),
        apiKeyId: c("apiKeyId"),
        apiKey: c("apiKey"),
        securityLevel: c("securityLevel"),
      };
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

/** Makes the shell object of a kind; each `provider/shells/<kind>.ts` module exports one (see providerShell). */
export { makeShell };

/**
 * The serialized provider for one resource kind: the exports of `provider/shells/<kind>`. When
 * keyplane is installed in node_modules, Pulumi recognises a module's exports and stores only
 * `require("keyplane/provider-shells/<kind>")` in state (that path is part of the package's
 * exports, and stays stable across versions); in this repository it serializes the shell's text.
 */
export function providerShell(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the kind's module is chosen at run time
  return require(`./shells/${kind}`) as pulumi.dynamic.ResourceProvider;
}
