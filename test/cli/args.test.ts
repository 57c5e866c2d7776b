/** The CLI's flag parsing and the drift summary's sentence, as tables of cases. */
import * as assert from "node:assert/strict";
import { didYouMean, parse, UsageError } from "../../cli/args";
import { planSentence } from "../../provider/drift";

describe("CLI flags", () => {
  const options = {
    role: { type: "string", multiple: true },
    comment: { type: "string" },
    yes: { type: "boolean" },
  } as const;

  const ok: Array<{ name: string; argv: string[]; role: string[] | undefined }> = [
    { name: "a repeated option", argv: ["--role", "a", "--role", "b"], role: ["a", "b"] },
    { name: "its plural with a comma list", argv: ["--roles", "a,b"], role: ["a", "b"] },
    {
      name: "both, singular first",
      argv: ["--role", "a", "--roles", "b, c"],
      role: ["a", "b", "c"],
    },
    { name: "a singular value with a comma, kept whole", argv: ["--role", "a,b"], role: ["a,b"] },
    { name: "neither", argv: ["--yes"], role: undefined },
  ];
  for (const c of ok) {
    it(`reads ${c.name}`, () => {
      const { values } = parse(c.argv, options);
      assert.deepEqual(values.role, c.role);
      assert.ok(!("roles" in values), "the plural is folded into the option");
    });
  }

  const bad: Array<{ name: string; argv: string[]; message: RegExp }> = [
    {
      name: "a near miss, with the option meant",
      argv: ["--rol", "x"],
      message: /^unknown option --rol; did you mean --role\?$/,
    },
    {
      name: "a misspelling",
      argv: ["--coment", "x"],
      message: /^unknown option --coment; did you mean --comment\?$/,
    },
    { name: "nothing close", argv: ["--frobnicate"], message: /^unknown option --frobnicate$/ },
    {
      name: "an empty list item",
      argv: ["--roles", "a,,b"],
      message: /--roles: 'a,,b' has an empty item/,
    },
    { name: "a missing value", argv: ["--comment"], message: /--comment/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => parse(c.argv, options),
        (e: unknown) => e instanceof UsageError && c.message.test(e.message),
      );
    });
  }

  it("suggests only options that are close", () => {
    assert.equal(didYouMean("expird", ["expired", "expiring-within"]), "expired");
    assert.equal(didYouMean("json", ["csv", "yes"]), undefined);
  });
});

describe("the drift summary's sentence", () => {
  const cases: Array<{ plan: Record<string, number>; expect: string }> = [
    { plan: { create: 1 }, expect: "create 1 resource" },
    { plan: { update: 2, same: 4 }, expect: "update 2 resources" },
    {
      plan: { create: 1, replace: 1, "create-replacement": 1, "delete-replaced": 1 },
      expect: "create 1 resource and replace 1",
    },
    {
      plan: { create: 1, update: 1, delete: 2 },
      expect: "create 1 resource, update 1 and delete 2",
    },
    { plan: { same: 3 }, expect: "" },
  ];
  for (const c of cases) {
    it(`says ${JSON.stringify(c.plan)} as "${c.expect}"`, () =>
      assert.equal(planSentence(c.plan), c.expect));
  }
});
