// Starts the example application as a user does (the moonbridge command, a
// real supervisor and its workers) on 127.0.0.1 and a free port, and stops
// it: every test leaves nothing running.

import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
/** The moonbridge command's entry, as its package.json's bin names it. */
const CLI = join(ROOT, "node_modules", "moonbridge", "bin", "moonbridge.js");

export interface Example {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the app printed so far (stdout and stderr). */
  output(): string;
  /** Waits until the output matches `pattern` (after `from` characters). */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpMatchArray>;
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/**
 * Starts the app with extra environment variables (timeouts, heartbeat) and
 * waits until it listens. `openFiles`: the soft limit of open files to raise
 * the supervisor's to (as far as the hard limit allows), for many connections.
 */
export async function startExample(
  env: Record<string, string> = {},
  args: string[] = [],
  openFiles?: number,
): Promise<Example> {
  const command = [process.execPath, CLI, ...args, join(ROOT, "src", "app.mjs")];
  const [file, argv] =
    openFiles === undefined
      ? [process.execPath, command.slice(1)]
      : ["sh", ["-c", raiseOpenFiles(openFiles), "sh", ...command]];
  const child = spawn(file, argv, {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stopAll() reaches the workers too
  });
  running.add(child);
  let out = "";
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
      for (const waiter of waiters.splice(0)) waiter();
    }),
  );
  const waitFor = async (pattern: RegExp, from = 0): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const match = out.slice(from).match(pattern);
      if (match !== null) return match;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`example did not print ${pattern}; output:\n${out}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const match = await waitFor(/listening on (https?):\/\/127\.0\.0\.1:(\d+)\//);
  const port = Number(match[2]);
  return {
    child,
    port,
    url: `${match[1]}://127.0.0.1:${port}`,
    output: () => out,
    waitFor,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** A shell script that raises the soft open-files limit to `limit` (or the hard limit), then runs its arguments. */
export function raiseOpenFiles(limit: number): string {
  return `ulimit -n ${limit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
}

/** Kills whatever is still running, workers included. */
export function stopAll(): void {
  killGroups(running);
}

/** SIGKILLs the process group of each child (each started `detached`), workers included, and forgets them. */
export function killGroups(children: Set<ChildProcess>): void {
  for (const child of children) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
  children.clear();
}

/**
 * Starts the example before a test file's tests and stops it after them.
 * The object returned is filled in once the app listens (in beforeAll).
 */
export function useExample(env: Record<string, string> = {}, args: string[] = []): Example {
  const app = {} as Example;
  beforeAll(async () => {
    Object.assign(app, await startExample(env, args));
  });
  afterAll(async () => {
    await app.stop?.();
    stopAll();
  });
  return app;
}
