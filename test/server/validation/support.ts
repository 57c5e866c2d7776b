/**
 * The shape of a bad-input case, the fixtures the cases point at (made by the suite's `before`),
 * and the builders the case tables share.
 */
export interface Case {
  name: string;
  /** Route id from the route table. */
  route: string;
  /** Path parameters, when the route has any (filled in before the suite runs). */
  params?: () => Record<string, string>;
  /** The request_data sent (or, with `body`, the whole body); a function when it needs fixtures. */
  input?: unknown;
  body?: unknown;
  /** Raw query string for GET lists. */
  query?: string;
  expectStatus: number;
  expectCode: string;
  /** The field err_msg must name, and words of the reason. */
  expectField: string;
  expectReason: string;
}

export const fixtures: {
  keyId: number;
  roleId: string;
  groupId: string;
  scopeId: string;
  email: string;
} = { keyId: 0, roleId: "", groupId: "", scopeId: "", email: "" };

export const gen = (x: Record<string, unknown>) => ({
  roles: ["Viewer"],
  security_level: "standard",
  ...x,
});
const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
export const idFilters = (count: number, each: number) =>
  Array.from({ length: count }, (_, j) => ({
    field: "id",
    operator: "in",
    value: ids(each, j * each + 1),
  }));
export const many = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i));
