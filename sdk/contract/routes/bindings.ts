/** The route table: role bindings. */
import { z } from "zod";
import * as bindings from "../bindings";
import type { RouteDef } from "../routeDef";
import { edit, PagingQuery, view } from "./parts";

export const BINDING_ROUTES = [
  {
    id: "bindings.list",
    method: "GET",
    path: "/platform/iam/v1/role-binding",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    query: PagingQuery.extend({
      principal_type: bindings.PrincipalType.optional(),
      principal_id: z.string().optional(),
      role_id: z.string().optional(),
    }),
    reply: bindings.BindingListReply,
    summary: "List role bindings.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "bindings.get",
    method: "GET",
    path: "/platform/iam/v1/role-binding/:binding_id",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: bindings.BindingReply,
    summary: "Get one role binding.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "bindings.create",
    method: "POST",
    path: "/platform/iam/v1/role-binding",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: bindings.CreateBindingRequest,
    reply: bindings.BindingReply,
    status: 201,
    summary: "Bind a role to a user, group or API key.",
    reference: false,
    idempotency: "Idempotency-Key",
  },
  {
    id: "bindings.delete",
    method: "DELETE",
    path: "/platform/iam/v1/role-binding/:binding_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    reply: bindings.BindingDeletedReply,
    summary: "Delete a role binding made through this API.",
    reference: false,
    retry: "repeatable",
  },
] as const satisfies readonly RouteDef[];
