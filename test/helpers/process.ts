/** Child processes in tests. */
import type { ChildProcess } from "node:child_process";

/** The first line a process prints on stdout (then it is stopped), or why it printed none within 30 s. */
export function firstLineOf(p: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => p.kill(), 30_000);
    p.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    p.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) p.kill();
    });
    p.on("close", () => {
      clearTimeout(timer);
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
      else reject(new Error(`no line on stdout; stderr: ${err}`));
    });
  });
}
