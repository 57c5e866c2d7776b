/** `keyplane openapi`: prints the OpenAPI document generated from the contract. */
import { parse, type Command } from "../args";

const usage = `usage: keyplane openapi

Prints the OpenAPI 3.1 document of the keyplane API (the same one the server serves at
/public_api/v1/openapi.json). docs/openapi.json is this output.`;

export const openapiCommand: Command = {
  name: "openapi",
  summary: "print the OpenAPI document",
  usage,
  async run(argv) {
    const { values } = parse(argv, {});
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const { openApiDocument } = await import("../../server/openapi");
    process.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`);
    return 0;
  },
};
