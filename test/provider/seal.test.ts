/**
 * Sealed delivery (`sealTo`): the key is age-encrypted inside the provider and only the
 * ciphertext reaches the engine. The search covers the exported state (plain and with
 * --show-secrets, which would reveal any Pulumi-encrypted copy), every file of the backend and
 * the engine's verbose logs; a key minted without sealTo beside it is found by the same search,
 * so the search can fail.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as age from "age-encryption";
import type { Stack } from "@pulumi/pulumi/automation";
import * as keyplane from "../../provider";
import { ApiKeyInputs } from "../../provider/resources/apiKey";
import { recipientError, SEALED_KEY_VALUE, sealKey, unsealKey } from "../../provider/seal";
import { scratchDir } from "../helpers/paths";
import { keyplaneCli, keyWorks } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { inlineStack, outputsOf } from "../helpers/stacks";

/** Every file under a directory, as one string. */
function allFiles(dir: string): string {
  let out = "";
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += fs.readFileSync(path.join(e.parentPath, e.name), "latin1");
  }
  return out;
}

describe("sealed delivery (sealTo, sealedKey, keyplane unseal)", function () {
  this.timeout(10 * 60_000);
  let t: TestServer;
  let identity: string;
  let recipient: string;
  const stacks: Stack[] = [];

  before(async () => {
    t = await startTestServer();
    identity = await age.generateX25519Identity();
    recipient = await age.identityToRecipient(identity);
  });
  after(async () => {
    for (const s of stacks) await s.destroy().catch(() => undefined);
    await t?.close();
  });

  it("seals to every recipient and opens with any of their identities, and no other", async () => {
    const other = await age.generateX25519Identity();
    const stranger = await age.generateX25519Identity();
    const sealed = await sealKey("the-key-value", [
      recipient,
      await age.identityToRecipient(other),
    ]);
    assert.match(
      sealed,
      /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+-----END AGE ENCRYPTED FILE-----\n?$/,
    );
    assert.doesNotMatch(sealed, /the-key-value/);
    assert.equal(await unsealKey(sealed, [identity]), "the-key-value");
    assert.equal(await unsealKey(sealed, [other]), "the-key-value");
    await assert.rejects(unsealKey(sealed, [stranger]), /no identity matched/i);
  });

  it("check names sealTo and the reason for a bad recipient, and refuses sealing an adopted key", () => {
    const cases: Array<{ input: unknown; expect: RegExp }> = [
      { input: "ssh-ed25519 AAAA", expect: /not an age recipient/ },
      {
        input: [recipient.slice(0, -1) + (recipient.endsWith("q") ? "p" : "q")],
        expect: /not a valid age recipient/,
      },
      { input: [], expect: /at least one recipient/ },
      { input: 42, expect: /age recipient/ },
    ];
    for (const c of cases) {
      const r = ApiKeyInputs.safeParse({ roles: ["Viewer"], sealTo: c.input });
      assert.equal(r.success, false, JSON.stringify(c.input));
      const issue = r.error!.issues[0]!;
      assert.equal(issue.path[0], "sealTo");
      assert.match(issue.message, c.expect);
    }
    assert.equal(recipientError(recipient), undefined);
    const adopted = ApiKeyInputs.safeParse({ roles: ["Viewer"], adopt: 4, sealTo: recipient });
    assert.equal(adopted.success, false);
    assert.match(adopted.error!.issues[0]!.message, /cannot seal an adopted key/);
  });

  it("keyplane unseal --keygen makes an identity; unseal opens a sealed key from stdin", async () => {
    const dir = scratchDir("unseal");
    const idFile = path.join(dir, "consumer.age");
    const gen = await keyplaneCli(["unseal", "--keygen", "--identity", idFile]);
    assert.equal(gen.code, 0, gen.stderr);
    const rec = gen.stdout.trim();
    assert.match(rec, /^age1[0-9a-z]{58}$/);
    assert.equal(fs.statSync(idFile).mode & 0o777, 0o600);
    const again = await keyplaneCli(["unseal", "--keygen", "--identity", idFile]);
    assert.equal(again.code, 2, "an identity is never overwritten");
    const sealed = await sealKey("kp-sealed-value", [rec]);
    const open = await keyplaneCli(["unseal", "--identity", idFile], {}, sealed);
    assert.equal(open.code, 0, open.stderr);
    assert.equal(open.stdout, "kp-sealed-value\n");
    const wrong = path.join(dir, "wrong.age");
    fs.writeFileSync(wrong, `${await age.generateX25519Identity()}\n`);
    const refused = await keyplaneCli(["unseal", "--identity", wrong], {}, sealed);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot open the sealed key/);
    assert.doesNotMatch(refused.stderr + refused.stdout, /kp-sealed-value/);
  });

  it("the key never reaches state or the engine's logs; the consumer opens sealedKey and the key works; rotation seals a new one", async () => {
    const trigger = { v: "one" };
    const { stack, engine } = await inlineStack(t, async () => {
      const sealed = new keyplane.ApiKey("sealed", {
        roles: ["Viewer"],
        sealTo: [recipient],
        expiresIn: "30d",
        rotationTriggers: [trigger.v],
      });
      const control = new keyplane.ApiKey("control", { roles: ["Viewer"], expiresIn: "30d" });
      return {
        sealedId: sealed.keyId,
        sealedKey: sealed.sealedKey,
        sealedNote: sealed.key,
        controlId: control.keyId,
        controlKey: control.key,
      };
    });
    stacks.push(stack);
    let logs = "";
    const collect = (s: string) => (logs += s);
    const up = await stack.up({
      onOutput: collect,
      onError: collect,
      logToStdErr: true,
      logVerbosity: 9,
      logFlow: true,
      debug: true,
    });
    const o = outputsOf(up);
    assert.equal(o.sealedNote, SEALED_KEY_VALUE);
    const key = await unsealKey(o.sealedKey, [identity]);
    assert.ok(await keyWorks(t.url, { id: o.sealedId, key }), "the unsealed key authenticates");
    assert.ok(await keyWorks(t.url, { id: o.controlId, key: o.controlKey }));
    assert.ok(logs.length > 10_000, `verbose engine logs were captured (${logs.length} chars)`);

    const stateDir = engine.backendUrl.slice("file://".length);
    const env = {
      ...process.env,
      ...engine.envVars,
      PATH: `${engine.binDir}${path.delimiter}${process.env.PATH}`,
    };
    const exportPlain = execFileSync(
      path.join(engine.binDir, "pulumi"),
      ["stack", "export", "--stack", `organization/keyplane-test/${stack.name}`],
      { env, cwd: stateDir, encoding: "utf8" },
    );
    // The Automation API's export decrypts every secret (it runs `stack export --show-secrets`).
    const exportShown = JSON.stringify(await stack.exportStack());
    const files = allFiles(stateDir);
    const home = allFiles(engine.pulumiHome);
    // The search can fail: the unsealed key is in the decrypted export (and only there).
    assert.ok(exportShown.includes(o.controlKey), "an unsealed key shows in --show-secrets");
    assert.ok(!exportPlain.includes(o.controlKey), "…and is encrypted in the export");
    assert.ok(
      !files.includes(o.controlKey),
      `…and in the state files: ${files.slice(Math.max(0, files.indexOf(o.controlKey) - 300), files.indexOf(o.controlKey) + 100)}`,
    );
    for (const [where, text] of Object.entries({ exportPlain, exportShown, files, home, logs })) {
      assert.ok(!text.includes(key), `the sealed key's value is in ${where}`);
    }
    assert.ok(
      exportPlain.includes(JSON.stringify(o.sealedKey).slice(1, 60)),
      "sealedKey itself is in state, readable",
    );

    trigger.v = "two";
    const rotated = outputsOf(await stack.up());
    assert.notEqual(rotated.sealedId, o.sealedId, "replaced");
    assert.notEqual(rotated.sealedKey, o.sealedKey, "a new sealedKey");
    const key2 = await unsealKey(rotated.sealedKey, [identity]);
    assert.notEqual(key2, key);
    assert.ok(await keyWorks(t.url, { id: rotated.sealedId, key: key2 }));
    const after = JSON.stringify(await stack.exportStack());
    assert.ok(!after.includes(key2) && !allFiles(stateDir).includes(key2));
  });
});
