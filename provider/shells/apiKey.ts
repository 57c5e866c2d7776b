/** The serialized provider shell of ApiKey (stable path: keyplane/provider-shells/apiKey). */
import { makeShell } from "../shell";

export = makeShell("apiKey");
