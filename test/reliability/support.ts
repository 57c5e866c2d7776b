/**
 * What the reliability files share, one import away: the servers under test (`keyplane server` as
 * a child process, in-process servers, retained databases), an undici-based caller with bounded
 * concurrency, Advanced signing and polling (test/helpers/wire.ts, as the server tests use),
 * direct database queries, and the key scanner. Each concern is a module in `support/`.
 */
export { pollUntil, signed, sleep } from "../helpers/wire";
export * from "./support/api";
export * from "./support/db";
export * from "./support/scanner";
export * from "./support/servers";
