/** The serialized provider shell of ScopeDefinition (stable path: keyplane/provider-shells/scopeDefinition). */
import { makeShell } from "../shell";

export = makeShell("scopeDefinition");
