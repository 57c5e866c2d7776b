/**
 * The keyplane API contract: zod schemas of every request and reply, the error codes, the
 * route table. The server validates with these, the SDK parses with them, and the OpenAPI
 * document is generated from them.
 */
export * from "./common";
export * from "./components";
export * from "./scopes";
export * from "./apiKeys";
export * from "./roles";
export * from "./users";
export * from "./bindings";
export * from "./settings";
export * from "./notifications";
export * from "./audit";
export * from "./verify";
export * from "./meta";
export * from "./routes";
export * from "./signing";
