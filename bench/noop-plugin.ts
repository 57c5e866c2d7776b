/**
 * The plugin benchmark's baseline: a trivial native provider plugin (`kpnoop`) with one no-op
 * resource, served with the same gRPC stubs and the same Node.js process model as
 * pulumi-resource-keyplane, so the ratio measures keyplane's own work, not gRPC or node start-up.
 * Run as `node dist/bench/noop-plugin.js <engine address>`.
 */
import * as grpc from "@grpc/grpc-js";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

export const NOOP_VERSION = "0.0.1";

export const NOOP_SCHEMA = JSON.stringify({
  name: "kpnoop",
  version: NOOP_VERSION,
  resources: {
    "kpnoop:index:Noop": {
      inputProperties: {
        roles: { type: "array", items: { type: "string" } },
        comment: { type: "string" },
        expiresIn: { type: "string" },
      },
      properties: {
        roles: { type: "array", items: { type: "string" } },
        comment: { type: "string" },
        expiresIn: { type: "string" },
      },
    },
  },
});

function serve(): void {
  let n = 0;
  const ok =
    <Req, Res>(f: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> =>
    (call, cb) =>
      cb(null, f(call.request));
  const impl: Partial<providerGrpc.IResourceProviderServer> = {
    getPluginInfo: ok(() => new pluginPb.PluginInfo().setVersion(NOOP_VERSION)),
    getSchema: ok(() => new providerPb.GetSchemaResponse().setSchema(NOOP_SCHEMA)),
    checkConfig: ok((req: providerPb.CheckRequest) =>
      new providerPb.CheckResponse().setInputs(req.getNews()),
    ),
    diffConfig: ok(() =>
      new providerPb.DiffResponse().setChanges(providerPb.DiffResponse.DiffChanges.DIFF_NONE),
    ),
    configure: ok(() => new providerPb.ConfigureResponse().setAcceptsecrets(true)),
    check: ok((req: providerPb.CheckRequest) =>
      new providerPb.CheckResponse().setInputs(req.getNews()),
    ),
    diff: ok(() =>
      new providerPb.DiffResponse().setChanges(providerPb.DiffResponse.DiffChanges.DIFF_NONE),
    ),
    create: ok((req: providerPb.CreateRequest) =>
      new providerPb.CreateResponse()
        .setId(`noop-${process.pid}-${n++}`)
        .setProperties(req.getProperties()),
    ),
    read: ok((req: providerPb.ReadRequest) =>
      new providerPb.ReadResponse()
        .setId(req.getId())
        .setProperties(req.getProperties())
        .setInputs(req.getInputs()),
    ),
    update: ok((req: providerPb.UpdateRequest) =>
      new providerPb.UpdateResponse().setProperties(req.getNews()),
    ),
    delete: ok(() => new Empty()),
    cancel: ok(() => new Empty()),
  };
  const unimplemented: grpc.handleUnaryCall<unknown, unknown> = (_c, cb) =>
    cb({
      code: grpc.status.UNIMPLEMENTED,
      details: "no",
      name: "Unimplemented",
      message: "no",
    } as grpc.ServiceError);
  for (const m of [
    "handshake",
    "parameterize",
    "invoke",
    "call",
    "construct",
    "getMapping",
    "getMappings",
    "attach",
  ])
    (impl as Record<string, unknown>)[m] ??= unimplemented;
  const server = new grpc.Server();
  server.addService(
    providerGrpc.ResourceProviderService,
    impl as providerGrpc.IResourceProviderServer,
  );
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) process.exit(1);
    process.stdout.write(`${port}\n`);
  });
  for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => process.exit(0));
}

if (require.main === module) serve();
