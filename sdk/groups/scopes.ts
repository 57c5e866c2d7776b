/** `client.scopes`: named scope definitions (extension) and the scopes of users, groups and API keys. */
import type { z } from "zod";
import type { EntityScope, EntityType, ScopeDefinition, ScopeDefinitionCreated } from "../contract";
import { InvalidArgumentError } from "../errors";
import type { CallOptions } from "../transport";
import { compact, scopeAreasToWire, type ScopeAreasInput } from "../wire";
import { CallGroup, idempotent, totalOf, type Page, type PageRange } from "./base";

/** Re-exported from the contract (zod output types). */
export type { EntityScope, EntityType, ScopeDefinition };
/** The reply to `createDefinition`: a message and the new definition's id. */
export type ScopeDefinitionCreatedReply = z.output<typeof ScopeDefinitionCreated>["data"];

/** `createDefinition` input. */
export interface CreateScopeDefinitionInput {
  /** Unique name. */
  name: string;
  /** Free text. */
  description?: string | null;
  /** The scope; at least one area. */
  areas: ScopeAreasInput;
}

/** `updateDefinition` input: any subset. */
export type UpdateScopeDefinitionInput = Partial<CreateScopeDefinitionInput>;

/**
 * `set` input: inline areas, or `{ scopeDefinitionId }` to point at a named definition, or
 * `{ clear: true }` to remove the entity's scope.
 */
export type EntityScopeInput =
  | ScopeAreasInput
  | { scopeDefinitionId: string }
  | { scope_definition_id: string }
  | { clear: true };

function definitionToWire(i: UpdateScopeDefinitionInput): Record<string, unknown> {
  return compact({
    name: i.name,
    description: i.description,
    areas: i.areas === undefined ? undefined : scopeAreasToWire(i.areas),
  });
}

function entityScopeToWire(i: EntityScopeInput): Record<string, unknown> {
  if ("clear" in i && i.clear !== undefined) {
    if (i.clear !== true) throw new InvalidArgumentError("clear", "must be true when given");
    return { clear: true };
  }
  if ("scopeDefinitionId" in i && i.scopeDefinitionId !== undefined)
    return { scope_definition_id: i.scopeDefinitionId };
  return scopeAreasToWire(i as ScopeAreasInput) as Record<string, unknown>;
}

/** Scope definitions and entity scopes. */
export class ScopesApi extends CallGroup {
  /** A page of named scope definitions. */
  async listDefinitions(range: PageRange = {}, opts?: CallOptions): Promise<Page<ScopeDefinition>> {
    const b = (
      await this.call(
        "scopeDefinitions.list",
        { query: { search_from: range.searchFrom, search_to: range.searchTo } },
        opts,
      )
    ).body;
    return { items: b.data, totalCount: totalOf(b) };
  }

  /** One definition by id (or name). Its `areas` are in the canonical read shape. */
  async getDefinition(scopeId: string, opts?: CallOptions): Promise<ScopeDefinition> {
    return (await this.call("scopeDefinitions.get", { params: { scope_id: scopeId } }, opts)).body
      .data;
  }

  /** Creates a named definition; returns its id. Not retried. */
  async createDefinition(
    input: CreateScopeDefinitionInput,
    opts?: CallOptions,
  ): Promise<ScopeDefinitionCreatedReply> {
    return (
      await this.call(
        "scopeDefinitions.create",
        { body: definitionToWire(input), headers: idempotent() },
        opts,
      )
    ).body.data;
  }

  /** Updates a definition (every entity pointing at it follows); returns it. */
  async updateDefinition(
    scopeId: string,
    input: UpdateScopeDefinitionInput,
    opts?: CallOptions,
  ): Promise<ScopeDefinition> {
    return (
      await this.call(
        "scopeDefinitions.update",
        { params: { scope_id: scopeId }, body: definitionToWire(input) },
        opts,
      )
    ).body.data;
  }

  /** Deletes a definition no entity points at ({@link ConflictError} `IN_USE` otherwise). */
  async deleteDefinition(
    scopeId: string,
    options: { whenUnused?: boolean } = {},
    opts?: CallOptions,
  ): Promise<{ message: string; retired?: boolean }> {
    const query = options.whenUnused ? { when_unused: "true" } : {};
    return (
      await this.call("scopeDefinitions.delete", { params: { scope_id: scopeId }, query }, opts)
    ).body.data as { message: string; retired?: boolean };
  }

  /** The scope of a user (email), a user group (id) or an API key (id). */
  async get(
    entityType: EntityType,
    entityId: string | number,
    opts?: CallOptions,
  ): Promise<EntityScope> {
    return (
      await this.call(
        "scopes.get",
        { params: { entity_type: entityType, entity_id: entityId } },
        opts,
      )
    ).body.data;
  }

  /** Sets (or with `{ clear: true }` removes) the scope of a user, a user group or an API key. */
  async set(
    entityType: EntityType,
    entityId: string | number,
    scope: EntityScopeInput,
    opts?: CallOptions,
  ): Promise<{ message: string }> {
    const body = entityScopeToWire(scope);
    return (
      await this.call(
        "scopes.put",
        { params: { entity_type: entityType, entity_id: entityId }, body },
        opts,
      )
    ).body.data;
  }

  /** Removes the scope of a user, a user group or an API key. */
  async clear(
    entityType: EntityType,
    entityId: string | number,
    opts?: CallOptions,
  ): Promise<{ message: string }> {
    return this.set(entityType, entityId, { clear: true }, opts);
  }
}
