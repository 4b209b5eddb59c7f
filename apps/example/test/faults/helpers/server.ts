// Starts an application with the moonbridge command, as a user does, for the
// fault tests: the example or a fixture, on 127.0.0.1 (port 0 unless a test
// says otherwise), in a process group of its own so that stopAll() reaches
// the supervisor and every worker, even after the supervisor itself died.
// Unlike ../../helpers/example.ts it can start an app that never listens (a
// busy port) and run any app file.

import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killGroups, raiseOpenFiles } from "../../helpers/example";
import { childrenOf, groupMembers } from "./procs";

const ROOT = join(import.meta.dirname, "..", "..", "..");
/** The moonbridge command's entry, as its package.json's bin names it. */
export const CLI = join(ROOT, "node_modules", "moonbridge", "bin", "moonbridge.js");
/** The example application. */
export const EXAMPLE = join(ROOT, "src", "app.mjs");
/** A fixture app of this folder, by file name. */
export function fixture(name: string): string {
  return join(import.meta.dirname, "..", "fixtures", name);
}

export interface Launched {
  child: ChildProcess;
  /** The supervisor's process id, also its process group's id. */
  pid: number;
  /** Everything printed so far, stdout and stderr interleaved as they came. */
  output(): string;
  /** Waits (up to `seconds`) until the output after `from` characters matches. */
  waitFor(pattern: RegExp, from?: number, seconds?: number): Promise<RegExpMatchArray>;
  /** Resolves when the supervisor has exited: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The supervisor's exit, or "running" after `seconds`. */
  exitWithin(
    seconds: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | "running">;
  /** Sends a signal to the supervisor alone (not its group). */
  signal(name: NodeJS.Signals): void;
  /** The supervisor's child processes now (its workers). */
  workers(): number[];
  /** Live (not zombie) processes of the supervisor's process group now. */
  group(): number[];
}

export interface Server extends Launched {
  port: number;
}

export interface LaunchOptions {
  env?: Record<string, string>;
  /** moonbridge's own options, before the app (e.g. ["--stats", "0.5"]). */
  args?: string[];
  /** Raise the supervisor's soft limit of open files to this (or the hard limit). */
  openFiles?: number;
}

const running = new Set<ChildProcess>();

/** Starts `app` with the moonbridge command; does not wait for anything. */
export function launch(app: string, options: LaunchOptions = {}): Launched {
  const command = [process.execPath, CLI, ...(options.args ?? []), app];
  const [file, argv] =
    options.openFiles === undefined
      ? [process.execPath, command.slice(1)]
      : ["sh", ["-c", raiseOpenFiles(options.openFiles), "sh", ...command]];
  const child = spawn(file, argv, {
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: "0",
      HEARTBEAT_SECONDS: "3600",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, workers included
  });
  if (child.pid === undefined) throw new Error(`could not start ${app}`);
  const pid = child.pid;
  running.add(child);
  let out = "";
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    wake();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      wake();
    }),
  );
  const waitFor = async (pattern: RegExp, from = 0, seconds = 30) => {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const match = out.slice(from).match(pattern);
      if (match !== null) return match;
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        const why = Date.now() > deadline ? `within ${seconds} s` : "before it exited";
        throw new Error(`${app} did not print ${pattern} ${why}; output:\n${out.slice(-4000)}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return {
    child,
    pid,
    output: () => out,
    waitFor,
    exited,
    exitWithin: (seconds) =>
      Promise.race([
        exited,
        new Promise<"running">((resolve) => setTimeout(() => resolve("running"), seconds * 1000)),
      ]),
    signal(name) {
      try {
        process.kill(pid, name);
      } catch {}
    },
    workers: () => childrenOf(pid),
    group: () => groupMembers(pid),
  };
}

/** Starts `app` and waits until it prints "listening on http://127.0.0.1:PORT/". */
export async function start(app: string, options: LaunchOptions = {}): Promise<Server> {
  const launched = launch(app, options);
  const match = await launched.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  return { ...launched, port: Number(match[1]) };
}

/** Kills every process group started here, workers included, whatever state it is in. */
export function stopAll(): void {
  killGroups(running);
}

/**
 * Waits (up to `seconds`) for a `--stats` line of pool 0 (after `from`
 * characters of output) that satisfies `check`; returns it, or the newest
 * line (undefined if none) when none did.
 */
export async function statsWhere(
  app: Launched,
  check: (stats: Record<string, unknown>) => boolean,
  seconds: number,
  from = 0,
): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const stats = latestStats(app.output(), from);
    if ((stats !== undefined && check(stats)) || Date.now() > deadline) return stats;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The newest `--stats` line of pool 0 in `output` (after `from` characters), parsed. */
export function latestStats(output: string, from = 0): Record<string, unknown> | undefined {
  const lines = [...output.slice(from).matchAll(/pool 0: (\{.*\})/g)];
  const last = lines.at(-1)?.[1];
  return last === undefined ? undefined : JSON.parse(last);
}

const copies: string[] = [];

/**
 * A copy of fixture `name` in a new temporary directory, where it can be
 * overwritten while it runs; "moonbridge" resolves there through a
 * node_modules link to the workspace's package. Returns the copy's path.
 */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "moonbridge-faults-"));
  copies.push(dir);
  mkdirSync(join(dir, "node_modules"));
  const moonbridge = realpathSync(join(ROOT, "node_modules", "moonbridge"));
  symlinkSync(moonbridge, join(dir, "node_modules", "moonbridge"), "dir");
  const file = join(dir, name);
  copyFileSync(fixture(name), file);
  return file;
}

/** Replaces `file`'s content at once (a new file renamed over it): a worker starting meanwhile reads the old or the new, never a part. */
export function rewrite(file: string, content: string): void {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

/** Removes the temporary directories of copyFixture(). */
export function removeCopies(): void {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
}
