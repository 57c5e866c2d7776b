/** `keyplane docs resources`: prints docs/resources.md, generated from the resources' schemas. */
import { parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane docs resources

Prints the resources reference (docs/resources.md), generated from the zod schemas of ApiKey,
RoleBinding, ScopeDefinition and Role. ('keyplane openapi' prints the API's OpenAPI document.)`;

export const docsCommand: Command = {
  name: "docs",
  summary: "print the resources reference generated from the schemas",
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {}, true);
    if (values.help) return (console.log(usage), 0);
    if (positionals[0] !== "resources" || positionals.length !== 1) throw new UsageError("give the document to print: resources");
    const { resourcesMarkdown } = await import("../../provider/docs");
    process.stdout.write(resourcesMarkdown());
    return 0;
  },
};
