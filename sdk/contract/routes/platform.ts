/** The route table: settings, notifications, audit. */
import { z } from "zod";
import * as audit from "../audit";
import * as notifications from "../notifications";
import * as settings from "../settings";
import { NumericId } from "../common";
import type { RouteDef } from "../routeDef";
import { edit, PagingQuery, view } from "./parts";

export const PLATFORM_ROUTES = [
  {
    id: "settings.get",
    method: "GET",
    path: "/platform/iam/v1/settings",
    family: "platform",
    auth: true,
    permission: view("server_settings"),
    reply: settings.SettingsReply,
    summary: "Tenant settings.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "settings.update",
    method: "PUT",
    path: "/platform/iam/v1/settings",
    family: "platform",
    auth: true,
    permission: edit("server_settings"),
    request: settings.UpdateSettingsRequest,
    reply: settings.SettingsReply,
    summary: "Change tenant settings.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "notifications.list",
    method: "GET",
    path: "/platform/notifications/v1/notifications",
    family: "platform",
    auth: true,
    permission: view("notifications"),
    query: PagingQuery.extend({
      unread: z.enum(["true", "false"]).optional(),
      key_id: NumericId.optional(),
    }),
    reply: notifications.NotificationListReply,
    summary: "API Key Expiration notices.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "notifications.patch",
    method: "PATCH",
    path: "/platform/notifications/v1/notifications/:id",
    family: "platform",
    auth: true,
    permission: edit("notifications"),
    request: notifications.PatchNotificationRequest,
    reply: notifications.NotificationReply,
    summary: "Mark a notice read or unread.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "audit.managementLogs",
    method: "POST",
    path: "/public_api/v1/audits/management_logs",
    family: "public",
    auth: true,
    permission: view("audit"),
    request: audit.AuditRequest,
    reply: audit.AuditReply,
    summary: "Management audit log.",
    reference: true,
    retry: "repeatable",
  },
] as const satisfies readonly RouteDef[];
