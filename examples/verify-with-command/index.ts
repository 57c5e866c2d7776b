import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as keyplane from "keyplane";

const key = new keyplane.ApiKey("smoke-tested", {
  securityLevel: "advanced",
  roles: ["Viewer"],
  comment: "smoke-tested right after creation",
  expiresIn: "30d",
});

// Right after the key exists: fetch its Python example (`keyplane keys examples`), paste the key
// in, and run it. The key reaches the command as a secret environment variable, never on the
// command line. A failing call fails the deployment.
const smoke = new command.local.Command(
  "run-python-example",
  {
    create: pulumi.interpolate`npx --no-install keyplane keys examples ${key.keyId} --python | sed "s|YOUR_API_KEY|$KEYPLANE_NEW_KEY|" | python3 -`,
    environment: { KEYPLANE_NEW_KEY: key.key },
    triggers: [key.keyId],
  },
  { dependsOn: [key] },
);

export const keyId = key.keyId;
export const smokeTest = smoke.stdout;
