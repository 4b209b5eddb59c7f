// A client process of the load benches (src/parking/clients.mjs,
// src/burst/clients.mjs), started and driven from the measuring process: in
// a process group of its own, killed on exit whatever happens; its JSON lines
// read as they come (a "progress" line to a callback, the rest queued by
// type), commands written to its stdin; and the lines of several processes
// summed.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Process groups of client processes still running, by leader pid. */
const groups = new Set();
process.on("exit", () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
});

/**
 * @typedef {Record<string, any>} Line A JSON line of a client process, with its `type`.
 */

export class ClientProcess {
  /**
   * @param {string} script the client program
   * @param {string[]} args its arguments
   * @param {Record<string, string>} env
   * @param {(line: Line) => void} [onProgress] takes its "progress" lines, if given
   */
  constructor(script, args, env, onProgress) {
    this.child = spawn(process.execPath, [script, ...args], {
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
      if (line.type === "progress" && onProgress !== undefined) onProgress(line);
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
export function combine(/** @type {Line[]} */ lines) {
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
