/** The audit log: one row per audited request, filtered, sorted and paged in SQL. */
import type { AuditFilter } from "../../sdk/contract/audit";
import type { Driver, Param } from "./driver";
import { countOf, num, type Page, PAGING, placeholders, str } from "./sql";

export interface AuditRecord {
  id: number;
  ts: number;
  actorKeyId: number | null;
  ownerName: string | null;
  ownerEmail: string | null;
  entity: string;
  subtype: string | null;
  result: "SUCCESS" | "FAIL";
  reason: string | null;
  description: string | null;
  objectId: string | null;
  assetNames: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  userRoles: string[];
  additional: Record<string, unknown>;
  severity: string;
}

export type NewAudit = Omit<AuditRecord, "id">;

interface AuditRow {
  id: number | string;
  ts: number | string;
  actor_key_id: number | string | null;
  owner_name: string | null;
  owner_email: string | null;
  entity: string;
  subtype: string | null;
  result: string;
  reason: string | null;
  description: string | null;
  object_id: string | null;
  asset_names: string | null;
  source_ip: string | null;
  user_agent: string | null;
  user_roles: string;
  additional: string;
  severity: string;
}

function fromRow(r: AuditRow): AuditRecord {
  return {
    id: Number(r.id),
    ts: Number(r.ts),
    actorKeyId: num(r.actor_key_id),
    ownerName: str(r.owner_name),
    ownerEmail: str(r.owner_email),
    entity: String(r.entity),
    subtype: str(r.subtype),
    result: r.result as "SUCCESS" | "FAIL",
    reason: str(r.reason),
    description: str(r.description),
    objectId: str(r.object_id),
    assetNames: str(r.asset_names),
    sourceIp: str(r.source_ip),
    userAgent: str(r.user_agent),
    userRoles: JSON.parse(String(r.user_roles)),
    additional: JSON.parse(String(r.additional)),
    severity: String(r.severity),
  };
}

const AUDIT_SORT_COLUMNS: Record<string, string> = {
  type: "entity",
  "sub-type": "subtype",
  result: "result",
  timestamp: "ts",
  // Keys have no email: their display name ("Public API - 12") stands in for it.
  email: "COALESCE(owner_email, owner_name)",
};

export class AuditStore {
  constructor(private readonly driver: Driver) {}

  /** Deletes audit entries older than `before` (the retention setting); returns how many. */
  async purge(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM audit_log WHERE ts < ?", [before])).changes;
  }

  async insert(a: NewAudit): Promise<void> {
    await this.driver.run(
      `INSERT INTO audit_log (ts, actor_key_id, owner_name, owner_email, entity, subtype, result, reason, description, object_id,
         asset_names, source_ip, user_agent, user_roles, additional, severity)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        a.ts,
        a.actorKeyId,
        a.ownerName,
        a.ownerEmail,
        a.entity,
        a.subtype,
        a.result,
        a.reason,
        a.description,
        a.objectId,
        a.assetNames,
        a.sourceIp,
        a.userAgent,
        JSON.stringify(a.userRoles),
        JSON.stringify(a.additional),
        a.severity,
      ],
    );
  }

  async list(q: {
    filters: AuditFilter[];
    sort?: { field: string; keyword: "asc" | "desc" };
    offset: number;
    limit: number;
  }): Promise<Page<AuditRecord>> {
    const where: string[] = [];
    const params: Param[] = [];
    const col: Record<string, string> = {
      email: AUDIT_SORT_COLUMNS.email!,
      type: "entity",
      sub_type: "subtype",
      result: "result",
    };
    for (const f of q.filters) {
      if (f.field === "timestamp") {
        where.push(f.operator === "gte" ? "ts >= ?" : "ts <= ?");
        params.push(f.value as number);
      } else {
        const vals = f.value as string[];
        if (vals.length === 0) where.push("1 = 0");
        else {
          where.push(`${col[f.field]} IN (${placeholders(vals.length)})`);
          params.push(...vals);
        }
      }
    }
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sortCol = AUDIT_SORT_COLUMNS[q.sort?.field ?? "timestamp"] ?? "ts";
    const dir = q.sort?.keyword === "asc" ? "ASC" : q.sort ? "DESC" : "DESC";
    const rows = await this.driver.all<AuditRow>(
      `SELECT * FROM audit_log ${w} ORDER BY ${sortCol} ${dir}, id ${dir} ${PAGING}`,
      [...params, q.limit, q.offset],
    );
    const total = await countOf(this.driver, `SELECT COUNT(*) AS c FROM audit_log ${w}`, params);
    return { rows: rows.map(fromRow), total };
  }
}
