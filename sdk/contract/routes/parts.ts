/** Pieces the area tables of the route table share: the paging and `when_unused` queries, permissions. */
import { z } from "zod";
import { PageNumber } from "../common";
import type { ComponentName } from "../components";

export const PagingQuery = z.object({
  search_from: PageNumber.optional(),
  search_to: PageNumber.optional(),
});

export const WhenUnusedQuery = z.object({
  when_unused: z
    .enum(["true", "false"], { error: "must be true or false" })
    .optional()
    .describe("Retire instead of failing when only retiring keys still use it."),
});

export const view = (component: ComponentName) => ({ component, level: "view" as const });
export const edit = (component: ComponentName) => ({ component, level: "view_edit" as const });
