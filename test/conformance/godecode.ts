/**
 * Decoding as Go's encoding/json does it, for the Go SDK conformance tests: the official Go SDK
 * (PaloAltoNetworks/cortex-cloud-go) cannot be installed here, so its reply types are described
 * below in our own words, field by field, from types/platform/system_management.go and
 * errors/api.go (commit d314a2bba18dafce5259fcc256dfc355892361c3), and a reply is judged by the
 * rules json.Unmarshal applies to them:
 * - a JSON null leaves any field as it is (no error), whatever its type;
 * - a string field takes only a string, a number field only a number (an int only a whole one),
 *   a bool only a bool, a struct only an object, a slice only an array;
 * - object keys match field names exactly, else case-insensitively; unknown keys are ignored.
 */

export type GoType =
  | "string"
  | "int"
  | "bool"
  | "any"
  | { struct: Record<string, GoType> }
  | { slice: GoType }
  | { custom: (v: unknown, at: string) => unknown };

export class GoDecodeError extends Error {}

const kind = (v: unknown) =>
  v === null
    ? "null"
    : Array.isArray(v)
      ? "array"
      : typeof v === "object"
        ? "object"
        : typeof v === "boolean"
          ? "bool"
          : typeof v;

/** Decodes `v` into a value of type `t`, or throws a {@link GoDecodeError} worded like Go's. */
export function goDecode(t: GoType, v: unknown, at = "(root)"): unknown {
  if (v === null) return null;
  const wrong = (want: string) =>
    new GoDecodeError(`json: cannot unmarshal ${kind(v)} into Go value of type ${want} (at ${at})`);
  if (t === "any") return v;
  if (t === "string") {
    if (typeof v !== "string") throw wrong("string");
    return v;
  }
  if (t === "int") {
    if (typeof v !== "number" || !Number.isInteger(v)) throw wrong("int");
    return v;
  }
  if (t === "bool") {
    if (typeof v !== "boolean") throw wrong("bool");
    return v;
  }
  if ("custom" in t) return t.custom(v, at);
  if ("slice" in t) {
    if (!Array.isArray(v)) throw wrong("[]T");
    return v.map((x, i) => goDecode(t.slice, x, `${at}[${i}]`));
  }
  if (typeof v !== "object" || Array.isArray(v)) throw wrong("struct");
  const out: Record<string, unknown> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  for (const [field, ft] of Object.entries(t.struct)) {
    const hit =
      entries.find(([k]) => k === field) ??
      entries.find(([k]) => k.toLowerCase() === field.toLowerCase());
    if (hit) out[field] = goDecode(ft, hit[1], `${at}.${field}`);
  }
  return out;
}

/** The SDK's `ResponseWrapperKeys`: each key in turn, looked up in a map (exactly, case-sensitive). */
export function goUnwrap(body: unknown, keys: string[]): unknown {
  let cur = body;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur))
      throw new GoDecodeError(`failed to unmarshal response wrapper for key '${k}'`);
    if (!(k in (cur as object))) throw new GoDecodeError(`response wrapper key '${k}' not found`);
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const S = (fields: Record<string, GoType>): GoType => ({ struct: fields });
const list = (t: GoType): GoType => ({ slice: t });

// types/platform/system_management.go, in the SDK's field order.
export const Tag = S({ tag_id: "string", tag_name: "string" });
export const Scope = S({
  assets: S({
    mode: "string",
    asset_groups: list(S({ asset_group_id: "int", asset_group_name: "string" })),
  }),
  datasets_rows: S({
    default_filter_mode: "string",
    filters: list(S({ dataset: "string", filter: "string" })),
  }),
  endpoints: S({
    endpoint_groups: S({ mode: "string", tags: list(Tag) }),
    endpoint_tags: S({ mode: "string", tags: list(Tag) }),
  }),
  cases_issues: S({ mode: "string", tags: list(Tag) }),
});
export const User = S({
  user_email: "string",
  user_first_name: "string",
  user_last_name: "string",
  role_name: "string",
  last_logged_in: "int",
  user_type: "string",
  groups: list("string"),
  scope: Scope,
});
export const NestedGroup = S({ group_id: "string", group_name: "string" });
export const UserGroup = S({
  group_id: "string",
  group_name: "string",
  description: "string",
  role_id: "string",
  pretty_role_name: "string",
  created_by: "string",
  created_ts: "int",
  updated_ts: "int",
  users: list("string"),
  group_type: "string",
  nested_groups: list(NestedGroup),
  idp_groups: list("string"),
});
export const Message = S({ message: "string" });
export const IamUser = S({
  user_email: "string",
  user_first_name: "string",
  user_last_name: "string",
  phone_number: "string",
  status: "string",
  role_name: "string",
  last_logged_in: "int",
  is_hidden: "bool",
  user_type: "string",
  groups: list(NestedGroup),
});
export const ListIamUsersResponse = S({ data: list(IamUser), metadata: S({ total_count: "int" }) });
export const GetIamUserResponse = S({ data: IamUser });
export const ListRolesResponse = S({
  data: list(
    S({
      role_id: "string",
      pretty_name: "string",
      description: "string",
      is_custom: "bool",
      created_by: "string",
      created_ts: "int",
      updated_ts: "int",
    }),
  ),
  metadata: S({ total_count: "int" }),
});
export const ListPermissionConfigsResponse = S({
  data: S({
    rbac_permissions: list(
      S({
        category_name: "string",
        sub_categories: list(
          S({
            sub_category_name: "string",
            permissions: list(
              S({
                name: "string",
                view_name: "string",
                action_name: "string",
                sub_permissions: list(S({ action_name: "string", name: "string" })),
              }),
            ),
          }),
        ),
      }),
    ),
    datasetGroups: list(S({ datasets: list("string"), dataset_category: "string" })),
  }),
});
export const SetRoleResponse = S({ update_count: "string" });
export const HealthCheckResponse = S({
  service: "string",
  status: "string",
  reason: "string",
  timestamp: "int",
});

// errors/api.go: err_extra is read as a list of these objects, else as a string; anything else fails.
const ErrorExtraItem = S({
  type: "string",
  loc: list("any"),
  msg: "string",
  message: "string",
  field: "any",
  input: "any",
  ctx: S({ expected: "string", min_length: "int" }),
});
export const ErrorExtraField: GoType = {
  custom: (v, at) => {
    if (Array.isArray(v)) return goDecode(list(ErrorExtraItem), v, at);
    if (typeof v === "string") return v === "" ? [] : [{ type: "string_error", msg: v }];
    throw new GoDecodeError(
      `err_extra must be either a string or an array of error objects (at ${at})`,
    );
  },
};
export const CortexCloudAPIError = S({
  reply: S({ err_code: "int", err_msg: "string", err_extra: ErrorExtraField }),
  data: S({ err_msg: "string", metadata: S({ err_code: "int", err_extra: ErrorExtraField }) }),
  errorCode: "string",
  message: "string",
  err_code: "int",
  err_msg: "string",
});
