/**
 * The bodies the server takes without running zod (server/http/commonBodies.ts): over a table of
 * bodies, the plain path takes exactly the ones its shape names, and for each of them returns
 * what the route's zod schema returns; every other body is left to the schema (and its wording).
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../sdk/contract";
import { COMMON_BODIES } from "../../server/http/commonBodies";

const route = (id: string) => (ROUTES as readonly RouteDef[]).find((r) => r.id === id)!;
const id = (value: unknown[]) => ({ field: "id", operator: "in", value });
const many = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** [name, request_data (as JSON text, so it is what the body parser hands over), taken?] */
const LIST_CASES: Array<[string, string, boolean]> = [
  ["one id", JSON.stringify({ filters: [id([5])] }), true],
  ["several ids", JSON.stringify({ filters: [id([5, 7, 9, 5])] }), true],
  ["two id filters", JSON.stringify({ filters: [id([5]), id([6, 7])] }), true],
  ["no ids", JSON.stringify({ filters: [id([])] }), true],
  ["a hundred ids", JSON.stringify({ filters: [id(many(100))] }), true],
  ["the largest safe id", JSON.stringify({ filters: [id([Number.MAX_SAFE_INTEGER])] }), true],
  ["keys in another order", '{"filters":[{"value":[5],"operator":"in","field":"id"}]}', true],
  ["101 ids", JSON.stringify({ filters: [id(many(101))] }), false],
  ["an id as a string", JSON.stringify({ filters: [id(["5"])] }), false],
  ["id 0", JSON.stringify({ filters: [id([0])] }), false],
  ["a negative id", JSON.stringify({ filters: [id([-3])] }), false],
  ["a fractional id", JSON.stringify({ filters: [id([1.5])] }), false],
  ["an id past 2^53", JSON.stringify({ filters: [id([2 ** 53])] }), false],
  ["a null id", JSON.stringify({ filters: [id([null])] }), false],
  ["an id that is a list", JSON.stringify({ filters: [id([[5]])] }), false],
  ["value not a list", JSON.stringify({ filters: [{ ...id([]), value: 5 }] }), false],
  ["operator eq", JSON.stringify({ filters: [{ ...id([5]), operator: "eq" }] }), false],
  ["another field", JSON.stringify({ filters: [{ ...id([5]), field: "roles" }] }), false],
  ["an extra filter key", JSON.stringify({ filters: [{ ...id([5]), x: 1 }] }), false],
  ["a missing filter key", JSON.stringify({ filters: [{ field: "id", value: [5] }] }), false],
  ["a filter that is a list", JSON.stringify({ filters: [[5]] }), false],
  ["a null filter", JSON.stringify({ filters: [null] }), false],
  [
    "an id and an expiration filter",
    JSON.stringify({ filters: [id([5]), { field: "expiration", operator: "gte", value: 1 }] }),
    false,
  ],
  ["no filters", JSON.stringify({ filters: [] }), false],
  ["filters not a list", JSON.stringify({ filters: id([5]) }), false],
  ["paging too", JSON.stringify({ filters: [id([5])], search_from: 0 }), false],
  [
    "a sort too",
    JSON.stringify({ filters: [id([5])], sort: { field: "id", keyword: "asc" } }),
    false,
  ],
  ["an unknown key too", JSON.stringify({ filters: [id([5])], other: true }), false],
  [
    "a __proto__ key too",
    '{"filters":[{"field":"id","operator":"in","value":[5]}],"__proto__":{"x":1}}',
    false,
  ],
  [
    "a __proto__ filter key",
    '{"filters":[{"field":"id","operator":"in","value":[5],"__proto__":[]}]}',
    false,
  ],
  ["an empty body", "{}", false],
  ["a list", "[]", false],
  ["a string", '"filters"', false],
  ["null", "null", false],
];

describe("request bodies taken without zod (commonBodies.ts)", () => {
  const list = route("apiKeys.list");
  const plain = COMMON_BODIES["apiKeys.list"]!;
  for (const [name, text, taken] of LIST_CASES) {
    it(`get_api_keys, ${name}: ${taken ? "taken, as zod parses it" : "left to zod"}`, () => {
      const rd = JSON.parse(text) as unknown;
      const out = plain(rd);
      assert.equal(out !== undefined, taken);
      if (out === undefined) return;
      const z = list.request!.safeParse(JSON.parse(text));
      assert.ok(z.success, "zod refuses a body the plain path took");
      assert.deepEqual(out, z.data);
      // A copy: the handler's body shares nothing with the parsed JSON.
      assert.notEqual(
        (out as { filters: unknown[] }).filters,
        (rd as { filters: unknown[] }).filters,
      );
    });
  }

  it("names only routes of the contract, each with a request schema", () => {
    for (const rid of Object.keys(COMMON_BODIES)) assert.ok(route(rid)?.request, rid);
  });
});
