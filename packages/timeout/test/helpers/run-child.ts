// Runs a fixture script under test/fixtures in a child process and collects
// how it ended: the kill tests need a process of their own to be killed.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** How a child process ended and what it wrote. */
export interface Outcome {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
}

/**
 * Runs `test/fixtures/<fixture>` with `args`; `env` is added to this
 * process's environment (a value of undefined removes the variable).
 *
 * @example
 * ```ts
 * const out = await runChild("child.mjs", ["busy"]);
 * expect(out.signal).toBe("SIGKILL");
 * ```
 */
export function runChild(
  fixture: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Outcome> {
  const script = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(process.execPath, [script, ...args], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}
