/**
 * The admin CLI as a person uses it: `keyplane keys …` and `keyplane notifications` in a child
 * process, with the KEYPLANE_* environment, against a real server. Exit codes 0 ok, 1 error,
 * 2 usage; errors on stderr.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { scratchDir } from "../helpers/paths";
import { keyplaneCli } from "../helpers/run";
import { startTestServer, type TestServer } from "../helpers/server";
import { credentialEnv } from "../helpers/stacks";

const DAY = 86_400_000;

/** The CLI with only the given KEYPLANE_* credentials (none from the caller's environment). */
const cli = (args: string[], env: Record<string, string>, input?: string) =>
  keyplaneCli(
    args,
    { KEYPLANE_ENDPOINT: "", KEYPLANE_API_KEY_ID: "", KEYPLANE_API_KEY: "", ...env },
    input,
  );

describe("keyplane keys and notifications (the admin CLI)", function () {
  this.timeout(120_000);
  let t: TestServer;
  let env: Record<string, string>;
  let soon: number;
  let old: number;
  let adv: number;

  before(async () => {
    t = await startTestServer();
    env = credentialEnv(t.url, t.admin);
    soon = (
      await t.createKey({
        roles: ["Viewer"],
        comment: "expires soon",
        expiration: Date.now() + 5 * DAY + 3_600_000,
      })
    ).id;
    adv = (
      await t.createKey({
        roles: ["Investigator"],
        level: "advanced",
        comment: "robot",
        expiration: Date.now() + 90 * DAY,
      })
    ).id;
    old = (await t.createKey({ roles: ["Viewer"], comment: "old one" })).id;
    // Expired behind the API's back (the API refuses past expirations).
    await t.running.store.updateKey(old, {
      expiration: Date.now() - 2 * DAY - 60_000,
      by: null,
      now: Date.now(),
    });
    t.running.app.services.cache.invalidate();
  });
  after(async () => {
    await t.close();
  });

  it("has --help everywhere and usage errors exit 2", async () => {
    for (const args of [
      ["--help"],
      ["keys", "--help"],
      ["keys", "list", "--help"],
      ["keys", "generate", "--help"],
      ["notifications", "--help"],
      ["drift", "--help"],
      ["server", "--help"],
    ]) {
      const r = await cli(args, env);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /usage: keyplane/);
    }
    const u = await cli(["keys", "frobnicate"], env);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /unknown subcommand 'keys frobnicate'/);
    const f = await cli(["keys", "list", "--colour"], env);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /unknown option --colour\n/);
    // A near miss names the option that was meant.
    const near = await cli(["keys", "edit", "1", "--rol", "Viewer"], env);
    assert.equal(near.code, 2);
    assert.match(near.stderr, /unknown option --rol; did you mean --role\?/);
    assert.equal((await cli([], env)).code, 2);
  });

  it("says which credentials are missing", async () => {
    const r = await cli(["keys", "list"], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /KEYPLANE_ENDPOINT/);
  });

  it("lists keys as a table with relative expiry, and filters", async () => {
    const all = await cli(["keys", "list"], env);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /ID\s+LEVEL\s+ROLES\s+STATUS\s+EXPIRES\s+LAST USED\s+COMMENT/);
    assert.match(all.stdout, new RegExp(`\\n${soon}\\s+standard\\s+Viewer\\s+active\\s+in 5 d`));
    assert.match(
      all.stdout,
      new RegExp(`\\n${old}\\s+standard\\s+Viewer\\s+expired\\s+expired 2 d ago`),
    );
    const within = await cli(["keys", "list", "--expiring-within", "30d"], env);
    assert.match(within.stdout, new RegExp(`\\n${soon}\\s`));
    assert.doesNotMatch(within.stdout, new RegExp(`\\n(${adv}|${old})\\s`));
    const expired = await cli(["keys", "list", "--expired"], env);
    assert.match(expired.stdout, new RegExp(`\\n${old}\\s`));
    assert.doesNotMatch(expired.stdout, new RegExp(`\\n${soon}\\s`));
    const level = await cli(
      ["keys", "list", "--level", "advanced", "--role", "Investigator", "--comment", "ROB"],
      env,
    );
    assert.match(level.stdout, new RegExp(`\\n${adv}\\s+advanced\\s+Investigator`));
    assert.equal(level.stdout.trim().split("\n").length, 2, level.stdout);
    const none = await cli(["keys", "list", "--comment", "no such comment"], env);
    assert.match(none.stdout, /no keys match/);
  });

  it("prints JSON and CSV, never a key value", async () => {
    const j = await cli(["keys", "list", "--json"], env);
    const rows = JSON.parse(j.stdout) as Array<Record<string, unknown>>;
    assert.ok(rows.some((r) => r.id === adv && r.security_level === "advanced"));
    assert.ok(!j.stdout.includes(t.admin.key));
    const c = await cli(["keys", "list", "--csv", "--sort", "id:desc"], env);
    const lines = c.stdout.trim().split("\n");
    assert.equal(
      lines[0],
      "id,security_level,roles,status,expiration,creation_time,created_by,user_name,last_used,comment,scope_definition_id",
    );
    assert.ok(lines[1]!.startsWith(`${old},`), "sorted by id descending");
    assert.equal((await cli(["keys", "list", "--json", "--csv"], env)).code, 2);
    // Quoting is the CSV library's: a comment with a comma, a quote and a line break stays one cell.
    const tricky = 'a, "b"\r\nc';
    assert.equal((await cli(["keys", "edit", String(old), "--comment", tricky], env)).code, 0);
    const q = await cli(["keys", "list", "--csv", "--sort", "id:asc"], env);
    assert.ok(q.stdout.includes(`"a, ""b""\r\nc"`), q.stdout);
  });

  it("shows one key, and its entire row with --json", async () => {
    const s = await cli(["keys", "show", String(adv)], env);
    assert.match(s.stdout, /security level\s+advanced/);
    assert.match(s.stdout, /expires\s+\S+ \(in 89 d\)/);
    const j = await cli(["keys", "show", String(adv), "--json"], env);
    assert.equal(JSON.parse(j.stdout).comment, "robot");
    const missing = await cli(["keys", "show", "99999"], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
    assert.equal((await cli(["keys", "show", "abc"], env)).code, 2);
  });

  it("prints the View Examples snippets", async () => {
    const r = await cli(["keys", "examples", String(adv)], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /# Python 3/);
    assert.match(r.stdout, /API_KEY = "YOUR_API_KEY"/);
    assert.match(r.stdout, /sha256sum/);
  });

  it("generates a key once, with a warning, or into a 0600 file", async () => {
    const g = await cli(
      ["keys", "generate", "--role", "Viewer", "--expires-in", "30d", "--comment", "from the cli"],
      env,
    );
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stderr, /only time the key is shown/);
    const key = /key: (\S+)/.exec(g.stdout)![1]!;
    assert.ok(key.length >= 64);
    const out = path.join(scratchDir("cli"), "key.txt");
    const f = await cli(
      ["keys", "generate", "--role", "Viewer", "--level", "advanced", "--output", out],
      env,
    );
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /generated advanced key \d+; the key is in/);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    const written = fs.readFileSync(out, "utf8").trim();
    assert.ok(!f.stdout.includes(written) && !f.stderr.includes(written));
    const again = await cli(["keys", "generate", "--role", "Viewer", "--output", out], env);
    assert.equal(again.code, 2, "an existing file is never overwritten");
    const bad = await cli(["keys", "generate", "--role", "Nope"], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown role 'Nope'/);
  });

  it("takes a list option both ways (--role a --role b, --roles a,b), printing nothing on stderr", async () => {
    for (const args of [
      ["--role", "Viewer", "--role", "Key Verifier"],
      ["--roles", "Viewer,Key Verifier"],
      ["--roles", "Viewer", "--role", "Key Verifier"],
    ]) {
      const e = await cli(["keys", "edit", String(soon), ...args], env);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(e.stderr, "", "nothing on stderr when all is well");
      const j = JSON.parse((await cli(["keys", "show", String(soon), "--json"], env)).stdout);
      assert.deepEqual([...j.roles].sort(), ["Key Verifier", "Viewer"], args.join(" "));
    }
    const empty = await cli(["keys", "edit", String(soon), "--roles", "Viewer,"], env);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--roles: 'Viewer,' has an empty item/);
  });

  it("edits and deletes (asking first unless --yes)", async () => {
    const e = await cli(
      ["keys", "edit", String(soon), "--comment", "edited", "--expires-in", "60d"],
      env,
    );
    assert.equal(e.code, 0, e.stderr);
    const j = JSON.parse((await cli(["keys", "show", String(soon), "--json"], env)).stdout);
    assert.equal(j.comment, "edited");
    assert.equal(
      (await cli(["keys", "edit", String(soon)], env)).code,
      2,
      "nothing to change is a usage error",
    );
    const ask = await cli(["keys", "delete", String(soon)], env);
    assert.equal(ask.code, 2);
    assert.match(ask.stderr, /pass --yes/);
    const d = await cli(["keys", "delete", String(soon), "--yes"], env);
    assert.equal(d.code, 0);
    assert.match(d.stdout, /deleted 1 key/);
  });

  it("lists the expiration notices", async () => {
    const k = await t.createKey({ roles: ["Viewer"], expiration: Date.now() + 3 * DAY });
    await t.running.app.services.scheduler.tick();
    const r = await cli(["notifications"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ID\s+KEY\s+LEAD\s+KEY EXPIRES/);
    assert.match(r.stdout, new RegExp(`\\s${k.id}\\s+7d\\s+in 2 d\\s+no`));
    const j = JSON.parse((await cli(["notifications", "--json"], env)).stdout) as Array<{
      type: string;
    }>;
    assert.ok(j.every((n) => n.type === "API Key Expiration"));
  });
});
