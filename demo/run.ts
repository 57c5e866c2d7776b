/** `npm run demo`: runs the root Pulumi program through the Automation API on the offline engine. */
import * as path from "node:path";
import { offlineEngine, packageRoot } from "../provider/engine";

async function main(): Promise<void> {
  const started = Date.now();
  const root = packageRoot();
  const destroy = process.argv.includes("--destroy");
  const engine = await offlineEngine({ baseDir: root });
  const stack = await engine.localStack("demo", root);
  const onOutput = (s: string) => process.stdout.write(s);
  if (destroy) {
    await stack.destroy({ onOutput });
  } else {
    const res = await stack.up({ onOutput });
    console.log(`\noutputs: ${JSON.stringify(Object.fromEntries(Object.entries(res.outputs).map(([k, v]) => [k, v.value])))}`);
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (state in ${path.relative(root, engine.backendUrl.slice(7))})`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
