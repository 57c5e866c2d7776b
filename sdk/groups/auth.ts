/** `client.auth`: verify another request's key, permission and scope (for downstream services). */
import type { ComponentName, VerifyResult } from "../contract";
import type { CallOptions } from "../transport";
import { compact, snakeKeys } from "../wire";
import { CallGroup } from "./base";

/** Re-exported from the contract (zod output types). */
export type { VerifyResult };

/** Scope attributes of the resource being accessed; only the areas given are checked. */
export interface VerifyResourceInput {
  /** Wire `asset_group_ids`. */
  assetGroupIds?: number[];
  /** Tags on the case or issue; an empty list means untagged (wire `cases_issues_tags`). */
  casesIssuesTags?: string[];
  /** Wire `endpoint_groups`. */
  endpointGroups?: string[];
  /** Wire `endpoint_tags`. */
  endpointTags?: string[];
  /** A dataset: the reply then carries its row filter. */
  dataset?: string;
}

/** `verify` input. */
export interface VerifyInput {
  /**
   * The caller's auth headers as received: `x-xdr-auth-id`, `authorization`, and for Advanced keys
   * `x-xdr-nonce` and `x-xdr-timestamp` (names are case-insensitive).
   */
  headers: Record<string, string>;
  /** The permission the service needs; omitted: only authenticate. */
  permission?: { component: ComponentName; level?: "view" | "view_edit" };
  /** The resource's scope attributes. */
  resource?: VerifyResourceInput;
}

/** Key verification. */
export class AuthApi extends CallGroup {
  /**
   * Asks whether the forwarded headers carry a valid key holding `permission` within scope. An
   * invalid key is an answer (`valid: false` with a `reason`), not an error. Never retried: the
   * forwarded Advanced nonce is consumed by the first attempt.
   */
  async verify(input: VerifyInput, opts?: CallOptions): Promise<VerifyResult> {
    const body = compact({
      headers: input.headers,
      permission: input.permission
        ? compact({ component: input.permission.component, level: input.permission.level })
        : undefined,
      resource: input.resource ? snakeKeys(input.resource) : undefined,
    });
    return (await this.call("auth.verify", { body }, opts)).body.reply;
  }
}
