#!/usr/bin/env node
/**
 * `pulumi-resource-keyplane`: the entry the engine starts (`<engine address>` as argument).
 * It serves the provider protocol on a loopback port and prints the port, as Pulumi expects.
 * The composition root: the real clock and the SDK client are made here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { sdkApi } from "../api";
import { clientFor, resolveCredentials } from "../credentials";
import { packageRoot } from "./install";
import { pluginServer } from "./server";

function main(): void {
  const root = packageRoot();
  const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))
    .version as string;
  const schema = fs.readFileSync(path.join(root, "schema.json"), "utf8");
  const engineAddress = process.argv.slice(2).find((a) => !a.startsWith("-"));
  const { server, shutdown } = pluginServer({
    version,
    schema,
    now: () => Date.now(),
    api: (config) => sdkApi(clientFor(resolveCredentials(config))),
    engineAddress,
  });
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`pulumi-resource-keyplane: cannot listen: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
  });
  for (const s of ["SIGINT", "SIGTERM"] as const)
    process.on(s, () => {
      shutdown();
      process.exit(0);
    });
}

main();
