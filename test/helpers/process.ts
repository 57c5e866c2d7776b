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

/** The first stdout line that matches `re` (the process keeps running), or why none came in 30 s. */
export function lineMatching(p: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const done = (e?: Error, line?: string) => {
      clearTimeout(timer);
      p.stdout!.off("data", onOut);
      p.off("close", onClose);
      if (e) reject(e);
      else resolve(line!);
    };
    const timer = setTimeout(
      () => done(new Error(`no line matching ${re} in 30 s; stderr: ${err}`)),
      30_000,
    );
    const onOut = (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => re.test(l));
      if (line !== undefined) done(undefined, line);
    };
    const onClose = (code: number | null) =>
      done(new Error(`exited (${code}) before a line matching ${re}; stderr: ${err}`));
    p.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    p.stdout!.on("data", onOut);
    p.on("close", onClose);
  });
}
