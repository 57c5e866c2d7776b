/**
 * The native provider plugin: the Pulumi provider gRPC protocol served with the stubs that
 * @pulumi/pulumi ships, over the same resource code as the dynamic provider (each kind's
 * check/diff/create/read/update/delete, and planApiKey for ApiKey's plans).
 *
 * What this adds over the dynamic provider and over @pulumi/pulumi's own Node provider server:
 *  - Configure receives the provider configuration (`keyplane:*`); the environment still wins;
 *  - Diff answers with a detailed diff over the user-facing input properties only, replace vs
 *    update per property; time-driven replacements say why, as a warning on the resource;
 *  - the state holds the schema's outputs, and the provider's bookkeeping sits in one internal
 *    property (`__keyplane`), which plans never list;
 *  - Read without properties (`pulumi import`) adopts the live object.
 */
import * as grpc from "@grpc/grpc-js";
import type * as pulumi from "@pulumi/pulumi";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type { ProviderApi } from "../api";
import { stable, type ProviderDeps } from "../common";
import { planApiKey, type ApiKeyState } from "../resources/apiKey";
import { importState } from "./import";
import { BOOKKEEPING, fromOutputs, kindOfUrn, toOutputs, type PluginKind } from "./kinds";
import { fromStruct, toStruct, type Unwrapped } from "./wire";

export interface PluginOptions {
  version: string;
  schema: string;
  /** The clock (injected: the plugin's main passes the real one, tests may pass their own). */
  now(): number;
  /** A client for the configuration Configure received (env wins inside). */
  api(config: Record<string, string | undefined>): ProviderApi;
  /** The engine's address, for logging warnings against resources. */
  engineAddress?: string;
}

const CONFIG_KEYS = ["endpoint", "apiKeyId", "apiKey", "securityLevel"] as const;

/** A gRPC error the engine shows as the operation's failure. */
function failure(e: unknown): grpc.ServiceError {
  const err = new Error((e as Error)?.message ?? String(e)) as grpc.ServiceError;
  err.code = grpc.status.UNKNOWN;
  err.details = err.message;
  return err;
}

type Handler<Req, Res> = (req: Req) => Promise<Res>;
function unary<Req, Res>(h: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    h(call.request).then(
      (r) => cb(null, r),
      (e) => cb(failure(e)),
    );
  };
}

const unimplemented: grpc.handleUnaryCall<unknown, unknown> = (_call, cb) =>
  cb({
    code: grpc.status.UNIMPLEMENTED,
    details: "not implemented by keyplane",
    name: "Unimplemented",
    message: "not implemented",
  } as grpc.ServiceError);

/** The user-facing input properties that differ between the old inputs and the new ones. */
function changedInputs(
  k: PluginKind,
  oldInputs: Record<string, unknown>,
  news: Record<string, unknown>,
): string[] {
  return Object.keys(k.inputs.shape).filter((p) => stable(oldInputs[p]) !== stable(news[p]));
}

function propertyDiff(kind: providerPb.PropertyDiff.Kind): providerPb.PropertyDiff {
  const d = new providerPb.PropertyDiff();
  d.setKind(kind);
  d.setInputdiff(true);
  return d;
}

export function pluginServer(opts: PluginOptions): { server: grpc.Server; shutdown(): void } {
  let config: Record<string, string | undefined> = {};
  const engine = opts.engineAddress
    ? new engineGrpc.EngineClient(opts.engineAddress, grpc.credentials.createInsecure(), {
        "grpc.enable_channelz": 0,
      })
    : undefined;

  function warnOn(urn: string) {
    return (message: string) => {
      if (!engine) {
        process.stderr.write(`${message}\n`);
        return;
      }
      const r = new enginePb.LogRequest();
      r.setSeverity(enginePb.LogSeverity.WARNING);
      r.setMessage(message);
      r.setUrn(urn);
      engine.log(r, () => undefined);
    };
  }

  // One client per configuration: resolving the credentials and wrapping the client once per
  // Configure rather than once per call (it showed in the plugin's CPU profile). The environment,
  // which wins, does not change within the process. A failure (missing credentials) is not kept.
  let api: ProviderApi | undefined;
  function depsFor(urn: string): ProviderDeps {
    return { now: opts.now, api: () => (api ??= opts.api(config)), warn: warnOn(urn) };
  }
  const providerFor = (k: PluginKind, urn: string): pulumi.dynamic.ResourceProvider =>
    k.provider(depsFor(urn));

  const impl: Partial<providerGrpc.IResourceProviderServer> = {
    getPluginInfo: unary(async () => new pluginPb.PluginInfo().setVersion(opts.version)),
    getSchema: unary(async () => new providerPb.GetSchemaResponse().setSchema(opts.schema)),
    checkConfig: unary(async (req: providerPb.CheckRequest) =>
      new providerPb.CheckResponse().setInputs(req.getNews()),
    ),
    diffConfig: unary(async () =>
      new providerPb.DiffResponse().setChanges(providerPb.DiffResponse.DiffChanges.DIFF_NONE),
    ),
    configure: unary(async (req: providerPb.ConfigureRequest) => {
      const vars = req.getVariablesMap();
      const args = fromStruct(req.getArgs()).value;
      const next: Record<string, string | undefined> = {};
      for (const k of CONFIG_KEYS) {
        const v = vars.get(`keyplane:config:${k}`) ?? vars.get(`keyplane:${k}`) ?? args[k];
        next[k] = v === undefined || v === null ? undefined : String(v);
      }
      config = next;
      api = undefined;
      return new providerPb.ConfigureResponse()
        .setAcceptsecrets(true)
        .setSupportspreview(false)
        .setAcceptresources(false)
        .setAcceptoutputs(false);
    }),
    check: unary(async (req: providerPb.CheckRequest) => {
      const k = kindOfUrn(req.getUrn());
      const olds = fromStruct(req.getOlds()).value;
      const news = fromStruct(req.getNews());
      const r = await providerFor(k, req.getUrn()).check!(olds, news.value);
      const res = new providerPb.CheckResponse().setInputs(
        toStruct(r.inputs ?? {}, news.secretKeys),
      );
      res.setFailuresList(
        (r.failures ?? []).map((f) =>
          new providerPb.CheckFailure().setProperty(f.property).setReason(f.reason),
        ),
      );
      return res;
    }),
    diff: unary(async (req: providerPb.DiffRequest) => {
      const k = kindOfUrn(req.getUrn());
      const oldInputs = fromStruct(req.getOldInputs()).value;
      const olds = fromOutputs(k, fromStruct(req.getOlds()).value, oldInputs);
      const news = fromStruct(req.getNews()).value;
      const deps = depsFor(req.getUrn());
      let replaces: string[];
      let updates: string[];
      if (k.name === "ApiKey") {
        const p = planApiKey(olds as unknown as ApiKeyState, news as never, deps.now());
        for (const r of p.replaces)
          if (r.property === "expiration" || r.property === "rotateBefore") deps.warn(r.reason);
        // An expiry-driven replacement is shown on the expiry property the program declares.
        const expiryProp =
          news.expiration !== undefined
            ? "expiration"
            : news.expiresIn !== undefined
              ? "expiresIn"
              : "expiration";
        replaces = [
          ...new Set(
            p.replaces.map((r) => (r.property === "expiration" ? expiryProp : r.property)),
          ),
        ];
        updates = p.updates;
      } else {
        const d = await k.provider(deps).diff!(req.getId(), olds, news);
        replaces = d.replaces ?? [];
        updates = d.changes
          ? changedInputs(k, oldInputs, news).filter((p) => !replaces.includes(p))
          : [];
        // A change the inputs do not show (drift read into state): name the inputs the provider compared.
        if (d.changes && replaces.length === 0 && updates.length === 0)
          updates = Object.keys(news).filter((p) => p in k.inputs.shape);
      }
      const res = new providerPb.DiffResponse();
      const changed = replaces.length > 0 || updates.length > 0;
      res.setChanges(
        changed
          ? providerPb.DiffResponse.DiffChanges.DIFF_SOME
          : providerPb.DiffResponse.DiffChanges.DIFF_NONE,
      );
      res.setReplacesList(replaces);
      res.setDeletebeforereplace(false);
      res.setDiffsList([...new Set([...replaces, ...updates])]);
      const detailed = res.getDetaileddiffMap();
      const K = providerPb.PropertyDiff.Kind;
      for (const p of replaces)
        detailed.set(
          p,
          propertyDiff(
            news[p] === undefined && oldInputs[p] !== undefined
              ? K.DELETE_REPLACE
              : oldInputs[p] === undefined && news[p] !== undefined
                ? K.ADD_REPLACE
                : K.UPDATE_REPLACE,
          ),
        );
      for (const p of updates)
        if (!replaces.includes(p))
          detailed.set(
            p,
            propertyDiff(
              news[p] === undefined ? K.DELETE : oldInputs[p] === undefined ? K.ADD : K.UPDATE,
            ),
          );
      res.setHasdetaileddiff(true);
      return res;
    }),
    create: unary(async (req: providerPb.CreateRequest) => {
      const k = kindOfUrn(req.getUrn());
      const news = fromStruct(req.getProperties());
      const r = await providerFor(k, req.getUrn()).create(news.value);
      return new providerPb.CreateResponse()
        .setId(r.id)
        .setProperties(outputsStruct(k, r.outs, news));
    }),
    read: unary(async (req: providerPb.ReadRequest) => {
      const k = kindOfUrn(req.getUrn());
      const id = req.getId();
      const stored = fromStruct(req.getProperties()).value;
      const deps = depsFor(req.getUrn());
      // `pulumi import`: the engine sends only the id; start from what the server holds.
      const importing = Object.keys(stored).length === 0;
      let props: Record<string, unknown>;
      if (importing) {
        const seed = await importState(k, id, deps.api());
        if (!seed) return new providerPb.ReadResponse();
        props = seed;
      } else props = fromOutputs(k, stored, fromStruct(req.getInputs()).value);
      const r = await k.provider(deps).read!(id, props);
      if (!r.id) return new providerPb.ReadResponse();
      // The engine stores the inputs returned here beside the outputs (refresh), so the
      // bookkeeping is compact against them; an import writes the full form, as the engine may
      // store checked inputs instead.
      const inputs = r.inputs ?? {};
      const res = new providerPb.ReadResponse()
        .setId(r.id)
        .setProperties(
          outputsStruct(k, r.props ?? {}, { value: inputs, secretKeys: new Set() }, importing),
        );
      res.setInputs(toStruct(inputs));
      return res;
    }),
    update: unary(async (req: providerPb.UpdateRequest) => {
      const k = kindOfUrn(req.getUrn());
      const olds = fromOutputs(
        k,
        fromStruct(req.getOlds()).value,
        fromStruct(req.getOldInputs()).value,
      );
      const news = fromStruct(req.getNews());
      const p = providerFor(k, req.getUrn());
      const r = p.update ? await p.update(req.getId(), olds, news.value) : { outs: olds };
      return new providerPb.UpdateResponse().setProperties(outputsStruct(k, r.outs ?? {}, news));
    }),
    delete: unary(async (req: providerPb.DeleteRequest) => {
      const k = kindOfUrn(req.getUrn());
      const props = fromOutputs(
        k,
        fromStruct(req.getProperties()).value,
        fromStruct(req.getOldInputs()).value,
      );
      await providerFor(k, req.getUrn()).delete!(req.getId(), props);
      return new Empty();
    }),
    cancel: unary(async () => new Empty()),
    attach: unary(async () => new Empty()),
  };
  for (const m of [
    "handshake",
    "parameterize",
    "invoke",
    "call",
    "construct",
    "getMapping",
    "getMappings",
  ] as const) {
    (impl as Record<string, unknown>)[m] = unimplemented;
  }
  (impl as Record<string, unknown>).list = (call: grpc.ServerWritableStream<unknown, unknown>) =>
    call.emit("error", { code: grpc.status.UNIMPLEMENTED, details: "not implemented by keyplane" });

  // channelz (gRPC's live introspection) off: nobody queries it here, and its per-call
  // bookkeeping showed in the plugin's CPU profile.
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
    "grpc.enable_channelz": 0,
  });
  server.addService(
    providerGrpc.ResourceProviderService,
    impl as providerGrpc.IResourceProviderServer,
  );
  return {
    server,
    shutdown() {
      engine?.close();
      server.forceShutdown();
    },
  };
}

/**
 * A kind's state as the engine stores it: secrets marked, bookkeeping internal (and secret if any
 * input was), compact against `inputs` (what the engine stores as the inputs beside it) unless
 * `full`.
 */
function outputsStruct(
  k: PluginKind,
  state: Record<string, unknown>,
  inputs: Unwrapped,
  full = false,
) {
  const secretKeys = new Set([...k.secretOutputs, ...inputs.secretKeys]);
  if (inputs.secretKeys.size > 0) secretKeys.add(BOOKKEEPING);
  return toStruct(toOutputs(k, state, full ? undefined : inputs.value), secretKeys);
}
