/** The root Pulumi program (Pulumi.yaml at the repo root). For now: the engine smoke resource. */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const fileProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    require("fs").writeFileSync(inputs.path, inputs.content);
    return { id: inputs.path, outs: inputs };
  },
  async update(_id, _olds, news) {
    require("fs").writeFileSync(news.path, news.content);
    return { outs: news };
  },
  async delete(id) {
    require("fs").rmSync(id, { force: true });
  },
};

class DemoFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  constructor(name: string, args: { path: string; content: string }) {
    super(fileProvider, name, args, {}, "demo", "File");
  }
}

const note = new DemoFile("note", { path: path.resolve(__dirname, "..", "..", ".keyplane", "demo-note.txt"), content: "keyplane demo" });
export const notePath = note.path;
