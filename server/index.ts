/** keyplane/server: the key-management service. */
export { buildServer, type Ctx, type ServerDeps, type ServerOptions, type Services } from "./app";
export {
  startServer,
  openStore,
  type RunningServer,
  type StartOptions,
  DEFAULT_DB,
  DEFAULT_BOOTSTRAP_FILE,
  DEFAULT_KEYRING_FILE,
} from "./start";
export { FakeClock, systemClock, type Clock } from "./clock";
export { Keyring, KeyringError } from "./crypto/keyring";
export { Store } from "./store/store";
export { openApiDocument } from "./openapi";
export { PREDEFINED_ROLES } from "./authz/roles";
