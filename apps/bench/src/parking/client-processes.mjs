// The processes of idle clients (clients.mjs) for parking.bench.mjs, started
// and driven from the measuring process: how many of them a client count
// needs under the file-descriptor limit, their JSON lines read as they come,
// commands written to their stdin, and each run in a process group of its own
// that is killed on exit, whatever happens.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SCRIPT = join(fileURLToPath(new URL(".", import.meta.url)), "clients.mjs");
/** File descriptors a Node process uses besides its sockets (stdio, epoll, libuv, ...), with room to spare. */
export const FD_SPARE = 200;

/** Process groups of client processes still running, by leader pid. */
const groups = new Set();
process.on("exit", () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
});

/** The soft limit on open files (`ulimit -n`) a process started from here gets. */
export function fileLimit() {
  const out = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim();
  return out === "unlimited" ? Number.POSITIVE_INFINITY : Number(out);
}

/**
 * How many processes `clients` sockets need: at most `perProcess` each, and
 * no more than the file limit allows.
 */
export function processesFor(
  /** @type {number} */ clients,
  /** @type {number} */ perProcess,
  /** @type {number} */ limit,
) {
  const each = Math.min(perProcess, limit - FD_SPARE);
  if (each < 1) throw new Error(`ulimit -n is ${limit}: too low for any client process`);
  return Math.ceil(clients / each);
}

/**
 * @typedef {Record<string, any>} Line A JSON line of clients.mjs, with its `type`.
 */

class ClientProcess {
  /**
   * @param {number} port
   * @param {number} count
   * @param {Record<string, string>} env
   * @param {(line: Line) => void} onProgress
   */
  constructor(port, count, env, onProgress) {
    this.child = spawn(process.execPath, [SCRIPT, String(port), String(count)], {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    if (this.child.pid === undefined) throw new Error("could not start a client process");
    this.pid = this.child.pid;
    groups.add(this.pid);
    /** @type {Line[]} */
    this.lines = [];
    /** @type {Array<() => void>} */
    this.wakers = [];
    this.stderr = "";
    /** @type {string | undefined} */
    this.exited = undefined;
    this.child.stderr?.setEncoding("utf8").on("data", (chunk) => {
      this.stderr += chunk;
    });
    createInterface({
      input: /** @type {import("node:stream").Readable} */ (this.child.stdout),
    }).on("line", (text) => {
      const line = JSON.parse(text);
      if (line.type === "progress") onProgress(line);
      else this.lines.push(line);
      this.wake();
    });
    this.child.on("exit", (code, signal) => {
      this.exited = String(code ?? signal);
      groups.delete(this.pid);
      this.wake();
    });
  }

  wake() {
    for (const waker of this.wakers.splice(0)) waker();
  }

  /** The next line of `type` (removed from the queue); rejects after `timeoutMs` or if the process ends first. */
  async next(/** @type {string} */ type, /** @type {number} */ timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line) => line.type === type);
      if (index >= 0) return /** @type {Line} */ (this.lines.splice(index, 1)[0]);
      if (this.exited !== undefined)
        throw new Error(
          `client process ${this.pid} exited (${this.exited}) before "${type}"\n${this.stderr}`,
        );
      if (Date.now() > deadline)
        throw new Error(`client process ${this.pid}: no "${type}" within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
  }

  send(/** @type {string} */ command) {
    if (this.exited === undefined) this.child.stdin?.write(`${command}\n`);
  }

  /** "close" (sockets reset, exit), then SIGKILL to the group if it is still there after 5 s. */
  async stop() {
    this.send("close");
    const deadline = Date.now() + 5000;
    while (this.exited === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {}
    groups.delete(this.pid);
  }
}

/** Sums the numeric fields of lines and merges their `failures` counts. */
function combine(/** @type {Line[]} */ lines) {
  /** @type {Line} */
  const total = { failures: {} };
  for (const line of lines)
    for (const [key, value] of Object.entries(line)) {
      if (key === "failures")
        for (const [reason, n] of Object.entries(value))
          total.failures[reason] = (total.failures[reason] ?? 0) + n;
      else if (typeof value === "number")
        total[key] = key === "ms" ? Math.max(total[key] ?? 0, value) : (total[key] ?? 0) + value;
    }
  return total;
}

/**
 * `clients` idle clients of 127.0.0.1:`port`, spread over `processes`
 * processes (the first ones take the remainder). Progress goes to stderr.
 */
export class ClientFleet {
  /**
   * @param {number} port
   * @param {number} clients
   * @param {number} processes
   * @param {Record<string, string>} env BENCH_FIRST_TIMEOUT_S and the like, for clients.mjs.
   */
  constructor(port, clients, processes, env) {
    /** @type {Map<number, Line>} */
    const progress = new Map();
    let lastReport = 0;
    const onProgress = (/** @type {number} */ i, /** @type {Line} */ line) => {
      progress.set(i, line);
      if (Date.now() - lastReport < 2000) return;
      lastReport = Date.now();
      const total = combine([...progress.values()]);
      const failed = Object.values(total.failures).reduce((a, b) => a + b, 0);
      console.error(
        `  ${total.answered} of ${clients} clients answered, ${total.pending} waiting, ${failed} failed`,
      );
    };
    const base = Math.floor(clients / processes);
    this.processes = Array.from(
      { length: processes },
      (_, i) =>
        new ClientProcess(port, base + (i < clients % processes ? 1 : 0), env, (line) =>
          onProgress(i, line),
        ),
    );
  }

  /** Every process's next line of `type`, combined (numbers summed, `ms` the largest). */
  async next(/** @type {string} */ type, /** @type {number} */ timeoutMs) {
    return combine(await Promise.all(this.processes.map((p) => p.next(type, timeoutMs))));
  }

  send(/** @type {string} */ command) {
    for (const p of this.processes) p.send(command);
  }

  async stop() {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}
