/** `keyplane docs resources|schema`: prints docs/resources.md or the plugin's schema.json, generated from the resources' schemas. */
import { parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane docs resources|schema

resources: prints the resources reference (docs/resources.md), generated from the zod schemas of
ApiKey, RoleBinding, ScopeDefinition and Role.
schema: prints the native plugin's Pulumi package schema (schema.json), from the same schemas.
('keyplane openapi' prints the API's OpenAPI document.)`;

export const docsCommand: Command = {
  name: "docs",
  summary: "print the resources reference generated from the schemas",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {}, true);
    if (values.help) return (console.log(usage), 0);
    if (!["resources", "schema"].includes(positionals[0] ?? "") || positionals.length !== 1)
      throw new UsageError("give the document to print: resources or schema");
    if (positionals[0] === "schema") {
      const { schemaJson } = await import("../../provider/plugin/schema");
      const { pluginVersion } = await import("../../provider/plugin/install");
      process.stdout.write(schemaJson(pluginVersion()));
      return 0;
    }
    const { resourcesMarkdown } = await import("../../provider/docs");
    process.stdout.write(resourcesMarkdown());
    return 0;
  },
};
