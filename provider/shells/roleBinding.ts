/** The serialized provider shell of RoleBinding (stable path: keyplane/provider-shells/roleBinding). */
import { makeShell } from "../shell";

export = makeShell("roleBinding");
