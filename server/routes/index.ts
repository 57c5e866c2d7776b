/** Every route group's handlers, as one map from route id to handler. Adding a group is one line here. */
import type { Handlers } from "../http/context";
import { adminHandlers } from "./admin";
import { apiKeyHandlers } from "./apiKeys";
import { bindingHandlers } from "./bindings";
import { groupHandlers } from "./groups";
import { metaHandlers } from "./meta";
import { roleHandlers } from "./roles";
import { scopeHandlers } from "./scopes";
import { userHandlers } from "./users";
import { verifyHandlers } from "./verify";

export const handlers: Handlers = {
  ...metaHandlers,
  ...apiKeyHandlers,
  ...verifyHandlers,
  ...roleHandlers,
  ...userHandlers,
  ...groupHandlers,
  ...bindingHandlers,
  ...scopeHandlers,
  ...adminHandlers,
};
