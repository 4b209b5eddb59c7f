// Runs a fixture script under test/fixtures in a child process and collects
// how it ended: what the package does to the whole process (its one
// 'unhandledRejection' listener, both builds loaded at once) is tested in a
// process of its own, against the build in dist/.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** How a child process ended and what it wrote. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `test/fixtures/<fixture>` with `args` under this Node, and resolves
 * once it has exited (it is killed if it runs for 20 seconds).
 *
 * @example
 * ```ts
 * const out = await runChild("dual.mjs", ["install"]);
 * expect(out.code).toBe(0);
 * ```
 */
export function runChild(fixture: string, args: string[]): Promise<Outcome> {
  const script = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
