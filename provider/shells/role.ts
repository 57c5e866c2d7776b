/** The serialized provider shell of Role (stable path: keyplane/provider-shells/role). */
import { makeShell } from "../shell";

export = makeShell("role");
