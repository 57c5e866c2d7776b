/**
 * What the page needs to know of the contract, read from `sdk/contract` (never restated in the
 * page's script): the scope areas with the modes each takes and its list field, the fields
 * `get_api_keys` sorts and filters by, the longest comment, and the components with their
 * display names. Served as JSON at /console/api/contract; none of it is secret.
 */
import type { z } from "zod";
import {
  COMPONENTS,
  KEY_SORT_FIELDS,
  KeyFilter,
  MAX_COMMENT,
  ScopeAreasWrite,
} from "../../sdk/contract";

export interface ConsoleArea {
  /** `assets`, or `endpoints.endpoint_groups` for a nested area. */
  key: string;
  /** The field that holds the mode: `mode`, or `default_filter_mode`. */
  mode_field: string;
  modes: string[];
  /** The list the `scope` mode needs (`names`, `asset_group_ids`), when the area has one. */
  list_field: string | null;
  list_of_numbers: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walks zod's internal definitions of every schema kind
type AnyZod = any;
const unwrap = (x: AnyZod): AnyZod => {
  while (x?.def?.type === "optional" || x?.def?.type === "nullable") x = x.unwrap();
  return x;
};

function areaOf(key: string, schema: AnyZod): ConsoleArea | ConsoleArea[] {
  const shape = unwrap(schema).shape as Record<string, AnyZod>;
  const modeField = ["mode", "default_filter_mode"].find((f) => shape[f]);
  if (!modeField) return Object.entries(shape).flatMap(([k, v]) => areaOf(`${key}.${k}`, v));
  const listField = ["names", "asset_group_ids"].find((f) => shape[f]) ?? null;
  const elem = listField ? unwrap(unwrap(shape[listField]).element) : null;
  return {
    key,
    mode_field: modeField,
    modes: [...unwrap(shape[modeField]).options],
    list_field: listField,
    list_of_numbers: elem?.def?.type === "number",
  };
}

export function consoleContract() {
  const areas = Object.entries(
    (ScopeAreasWrite as unknown as { shape: Record<string, z.ZodType> }).shape,
  ).flatMap(([k, v]) => areaOf(k, v));
  const filterFields = (
    KeyFilter as unknown as { options: Array<{ shape: { field: { value: string } } }> }
  ).options.map((o) => o.shape.field.value);
  return {
    scope_areas: areas,
    key_sort_fields: [...KEY_SORT_FIELDS],
    key_filter_fields: filterFields,
    max_comment: MAX_COMMENT,
    components: COMPONENTS.map((c) => ({ name: c.name, display_name: c.displayName })),
  };
}
