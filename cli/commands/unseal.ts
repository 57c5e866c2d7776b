/** `keyplane unseal`: opens an ApiKey's `sealedKey` (age, armored or binary) with the consumer's identity. */
import * as fs from "node:fs";
import { parse, UsageError, type Command } from "../args";

const usage = `usage: keyplane unseal --identity FILE [--in FILE] [--keygen]

Decrypts a key sealed with an ApiKey's \`sealTo\` (its \`sealedKey\` output) and prints the
key on stdout. The input is read from --in, or stdin; the identity file holds one or more age
identities (AGE-SECRET-KEY-1…, one a line, # comments), as \`age-keygen\` writes them. Any
age tool opens the same file (\`age -d -i FILE\`).

  --identity FILE  the age identity file (required; keep it mode 0600)
  --in FILE        the sealed key (default: stdin)
  --keygen         instead: write a new X25519 identity to --identity (never overwritten,
                   mode 0600) and print its recipient (age1…), the value for \`sealTo\``;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const unsealCommand: Command = {
  name: "unseal",
  summary: "open a sealedKey with an age identity (or make one with --keygen)",
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      identity: { type: "string" },
      in: { type: "string" },
      keygen: { type: "boolean" },
    });
    if (values.help) return (console.log(usage), 0);
    if (!values.identity) throw new UsageError("--identity is required");
    const age = await import("age-encryption");
    if (values.keygen) {
      const id = await age.generateX25519Identity();
      const recipient = await age.identityToRecipient(id);
      try {
        fs.writeFileSync(
          values.identity,
          `# created by keyplane unseal --keygen\n# public key: ${recipient}\n${id}\n`,
          { mode: 0o600, flag: "wx" },
        );
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST")
          throw new UsageError(`--identity: ${values.identity} exists; it is never overwritten`);
        throw e;
      }
      console.log(recipient);
      return 0;
    }
    const { identitiesFrom, unsealKey } = await import("../../provider/seal");
    let ids: string[];
    try {
      ids = identitiesFrom(fs.readFileSync(values.identity, "utf8"));
    } catch (e) {
      throw new UsageError(
        `--identity: cannot read ${values.identity} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    if (ids.length === 0)
      throw new UsageError(`--identity: ${values.identity} holds no age identity`);
    const input = values.in ? fs.readFileSync(values.in) : await readStdin();
    if (input.length === 0) throw new UsageError("no sealed key on stdin (or --in)");
    let key: string;
    try {
      key = await unsealKey(input, ids);
    } catch (e) {
      // age's own reason (no matching identity, a damaged file); never any key material.
      throw new Error(`cannot open the sealed key: ${(e as Error).message}`);
    }
    process.stdout.write(`${key}\n`);
    return 0;
  },
};
