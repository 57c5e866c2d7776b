/** Tenant settings, the Notification Center, the management audit log. */
import { pageWindow } from "../../sdk/contract";
import type { CallCtx, Ctx, Handlers } from "../http/context";
import { data, reply } from "../http/reply";
import { keyPolicyBreaches } from "../authz/keyPolicy";
import { keyNarrowing } from "../authz/keyVisibility";
import { ApiError, invalid } from "../errors";
import { webhookRefusal } from "../webhookTarget";
import type { NotificationRecord } from "../store/store";

export function notificationToWire(n: NotificationRecord) {
  return {
    id: n.id,
    type: n.lead === "unused" ? ("API Key Unused" as const) : ("API Key Expiration" as const),
    title: n.title,
    message: n.message,
    key_id: n.keyId,
    lead: n.lead,
    expiration: n.expiration,
    created_ts: n.createdTs,
    read: n.read,
    webhook_status: n.webhookStatus,
    webhook_attempts: n.webhookAttempts,
  };
}

async function updateSettings(c: Ctx<"settings.update">) {
  const b = c.body;
  const cur = await c.svc.store.getSettings();
  // SBAC decides whether scopes narrow anyone at all: only an administrator (whom it never
  // narrows) may switch it, or a scoped key could switch it off, widen itself, and switch it on.
  if (b.sbac_enabled !== undefined && b.sbac_enabled !== cur.sbac_enabled && !c.principal.admin) {
    throw new ApiError(
      "PRIVILEGE_ESCALATION",
      "request_data.sbac_enabled: switching SBAC on or off needs an administrator role",
      {
        fields: [{ path: "request_data.sbac_enabled", reason: "needs an administrator role" }],
      },
    );
  }
  if (b.notification_webhook && !c.svc.options.allowPrivateWebhooks) {
    const why = await webhookRefusal(b.notification_webhook);
    if (why)
      throw invalid(
        "request_data.notification_webhook",
        `${why}; such targets are refused unless the server runs with --allow-private-webhooks`,
      );
  }
  const next = {
    ...cur,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
  };
  if (
    next.default_key_lifetime_ms !== null &&
    next.max_key_lifetime_ms !== null &&
    next.default_key_lifetime_ms > next.max_key_lifetime_ms
  ) {
    throw invalid("request_data.default_key_lifetime_ms", "must not exceed max_key_lifetime_ms");
  }
  if (next.nonce_reuse_window_ms > next.replay_window_ms) {
    // A timestamp older than the replay window is refused anyway; a longer reuse window would promise what it cannot give.
    throw invalid("request_data.nonce_reuse_window_ms", "must not exceed replay_window_ms");
  }
  const s = await c.svc.store.updateSettings(b);
  const policyChanged = Object.keys(b).some(
    (k) => k.startsWith("key_") || k === "max_key_lifetime_ms",
  );
  const breaking = policyChanged ? await keysBreakingPolicy(c, s) : undefined;
  await c.svc.audit.record(c.req, c.principal, {
    entity: "SERVER_SETTINGS",
    subtype: "edit",
    description: `Changed settings: ${Object.keys(b).join(", ")}`,
    additional: {
      ...Object.fromEntries(
        Object.entries(b).map(([k, v]) => [k, k === "notification_webhook" && v ? "(set)" : v]),
      ),
      ...(breaking ? { keys_breaking_policy_count: breaking.count } : {}),
    },
  });
  return breaking
    ? {
        body: {
          data: s,
          metadata: {
            keys_breaking_policy: breaking.keys,
            keys_breaking_policy_count: breaking.count,
          },
        },
      }
    : data(s);
}

const REPORTED_BREACHES = 500;

/** Active keys that break the key policy as it now stands: reported, never cut. */
async function keysBreakingPolicy(
  c: CallCtx,
  s: Awaited<ReturnType<CallCtx["svc"]["store"]["getSettings"]>>,
) {
  const keys: Array<{
    id: number;
    breaches: Array<{ field: string; setting: string; reason: string }>;
  }> = [];
  let count = 0;
  for (let offset = 0; ; offset += 500) {
    const page = await c.svc.store.listKeys({ filters: [], offset, limit: 500, now: c.now });
    for (const k of page.rows) {
      if (k.status === "revoked" || (k.expiration !== null && k.expiration <= c.now)) continue;
      const breaches = keyPolicyBreaches(s, k, c.now);
      if (breaches.length === 0) continue;
      count++;
      if (keys.length < REPORTED_BREACHES) keys.push({ id: k.id, breaches });
    }
    if (page.rows.length < 500) break;
  }
  return { keys, count };
}

async function auditLogs(c: Ctx<"audit.managementLogs">) {
  const b = c.body;
  const { offset, limit } = pageWindow(b, 100);
  const page = await c.svc.store.listAudit({
    filters: b.filters ?? [],
    sort: b.sort,
    offset,
    limit,
  });
  return reply({
    total_count: page.total,
    result_count: page.rows.length,
    data: page.rows.map((a) => ({
      AUDIT_ID: a.id,
      AUDIT_OWNER_NAME: a.ownerName,
      AUDIT_OWNER_EMAIL: a.ownerEmail,
      AUDIT_ASSET_JSON: null,
      AUDIT_ASSET_NAMES: a.assetNames,
      AUDIT_HOSTNAME: null,
      AUDIT_RESULT: a.result,
      AUDIT_REASON: a.reason,
      AUDIT_DESCRIPTION: a.description,
      AUDIT_ENTITY: a.entity,
      AUDIT_ENTITY_SUBTYPE: a.subtype,
      AUDIT_SESSION_ID: null,
      AUDIT_CASE_ID: null,
      AUDIT_INSERT_TIME: a.ts,
      AUDIT_SEVERITY: a.severity,
      AUDIT_LINK: null,
      AUDIT_SOURCE_IP: a.sourceIp,
      AUDIT_USER_AGENT: a.userAgent,
      AUDIT_USER_ROLES: a.userRoles,
      AUDIT_ADDITIONAL_INFORMATION: a.additional,
      AUDIT_OBJECT_ID: a.objectId,
    })),
  });
}

export const adminHandlers: Handlers = {
  "settings.get": async (c) => data(await c.svc.store.getSettings()),
  "settings.update": updateSettings,
  "notifications.list": async (c) => {
    const q = c.query;
    const { offset, limit } = pageWindow(q);
    const page = await c.svc.store.listNotifications(
      {
        unread: q.unread === undefined ? undefined : q.unread === "true",
        keyId: q.key_id,
        // The notices of keys outside the caller's scope are not shown (authz/keyVisibility.ts).
        narrow: await keyNarrowing(c),
      },
      offset,
      limit,
    );
    return data(page.rows.map(notificationToWire), { total: page.total });
  },
  "notifications.patch": async (c) => {
    const id = Number(c.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw invalid("id", "must be a positive integer");
    const read = c.body.read;
    const n = await c.svc.store.setNotificationRead(id, read, await keyNarrowing(c));
    if (!n) throw new ApiError("NOT_FOUND", `notification ${id} does not exist`);
    await c.svc.audit.record(c.req, c.principal, {
      entity: "NOTIFICATION",
      subtype: read ? "read" : "unread",
      description: `Marked notification ${id} ${read ? "read" : "unread"}`,
      objectId: id,
    });
    return data(notificationToWire(n));
  },
  "audit.managementLogs": auditLogs,
};
