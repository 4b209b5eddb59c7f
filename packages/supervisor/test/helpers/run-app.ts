// Runs test/fixtures/app.mjs as a real supervisor in a child process, talks to
// it over 127.0.0.1 or a Unix socket, and stops it: every test leaves nothing running.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PoolStats } from "../../src/index";

/** The test application (test/fixtures/app.mjs). */
export const APP = join(import.meta.dirname, "..", "fixtures", "app.mjs");

export interface App {
  child: ChildProcess;
  port: number;
  dir: string;
  logFile: string;
  output: () => string;
  /** One command line to the server; resolves with its one-line answer ("" if closed without one). */
  ask(command: string, target?: { path: string }): Promise<string>;
  stats(): Promise<PoolStats>;
  /** Lines of the fixture's record file. */
  records(): string[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
const dirs: string[] = [];

/** Kills every app still running, workers included (each app is its own process group), and removes its files. */
export async function stopAll(): Promise<void> {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
  running.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function startApp(
  config: {
    listeners?: unknown[];
    options?: Record<string, unknown>;
    runMillis?: number;
    /** prepare() throws in every worker. */
    prepareFails?: boolean;
    /** While a file exists at this path, loading the app throws (a new version that cannot start). */
    brokenIf?: string;
    /** Node options for the supervisor (and so its workers). */
    nodeArgs?: string[];
    /** Extra environment variables for the supervisor (and so its workers). */
    env?: Record<string, string>;
  },
  expectReady = true,
): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), "moon-sup-"));
  dirs.push(dir);
  const logFile = join(dir, "records.txt");
  const listeners = (config.listeners ?? [{ proto: "tcp", host: "127.0.0.1", port: 0 }]).map(
    (listener) => JSON.parse(JSON.stringify(listener).replaceAll("$DIR", dir)),
  );
  const child = spawn(process.execPath, [...(config.nodeArgs ?? []), APP], {
    env: {
      ...process.env,
      ...config.env,
      MOONBRIDGE_TEST_CONFIG: JSON.stringify({ ...config, listeners, logFile }),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
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
  const waitFor = async (pattern: RegExp, from: number): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const match = out.slice(from).match(pattern);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no ${pattern} in output:\n${out}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  let port = 0;
  if (expectReady) {
    const ready = await waitFor(/READY (.*)\n/, 0);
    const addresses = JSON.parse(ready[1] as string) as Array<{ proto: string; port?: number }>;
    port = addresses.find((address) => address.proto === "tcp")?.port ?? 0;
  }
  const app: App = {
    child,
    port,
    dir,
    logFile,
    output: () => out,
    ask(command, target) {
      return new Promise((resolve, reject) => {
        const socket = target
          ? createConnection(target)
          : createConnection({ host: "127.0.0.1", port });
        let answer = "";
        socket.on("data", (chunk) => {
          answer += chunk.toString();
        });
        socket.on("error", reject);
        socket.on("close", () => resolve(answer.trim()));
        socket.write(`${command}\n`);
      });
    },
    async stats() {
      const from = out.length;
      child.kill("SIGUSR2");
      const match = await waitFor(/STATS (.*)\n/, from);
      return JSON.parse(match[1] as string);
    },
    records() {
      try {
        return readFileSync(logFile, "utf8").split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
    exited,
  };
  return app;
}

/**
 * A connection that the worker holds (HOLD, or another command that holds)
 * until `release()`; `pid` is the worker's answer (its pid, for HOLD).
 */
export async function hold(
  app: App,
  command = "HOLD",
): Promise<{ pid: string; release: () => Promise<void> }> {
  const socket = createConnection({ host: "127.0.0.1", port: app.port });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  const pid = await new Promise<string>((resolve, reject) => {
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text.trim());
    });
    socket.on("error", reject);
    socket.write(`${command}\n`);
  });
  return {
    pid,
    release: () => {
      socket.end();
      return closed;
    },
  };
}

/** `n` held connections at once, once each has its worker. */
export function holdMany(app: App, n: number, command = "HOLD") {
  return Promise.all(Array.from({ length: n }, () => hold(app, command)));
}

/** Polls `check` until it holds (a bound on waiting, not a timing assertion). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  accept: (value: T) => boolean,
  what: string,
  seconds = 15,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Opens a connection to 127.0.0.1:`port`, writes `line` (if any) and
 * resolves with what came back until the server closed it, trimmed, or with
 * the error's code (ECONNREFUSED, ECONNRESET, ...).
 */
export function talk(port: number, line?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    socket.on("close", () => resolve(answer.trim()));
    if (line !== undefined) socket.write(`${line}\n`);
  });
}
