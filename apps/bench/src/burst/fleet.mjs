// The client processes of burst.bench.mjs (src/burst/clients.mjs), started
// and driven from the measuring process: each in a process group of its own,
// killed on exit whatever happens; its JSON lines read as they come,
// commands written to its stdin, and the lines of several processes of one
// kind summed (src/parking/client-processes.mjs does the same for the
// parking bench's clients, which behave differently).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SCRIPT = join(fileURLToPath(new URL(".", import.meta.url)), "clients.mjs");

/** Process groups of client processes still running, by leader pid. */
const groups = new Set();
process.on("exit", () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
});

/** @typedef {Record<string, any>} Line A JSON line of clients.mjs, with its `type`. */

class ClientProcess {
  /**
   * @param {number} port
   * @param {number} count
   * @param {"idle" | "loris"} kind
   * @param {Record<string, string>} env
   */
  constructor(port, count, kind, env) {
    this.child = spawn(process.execPath, [SCRIPT, String(port), String(count), kind], {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    if (this.child.pid === undefined) throw new Error("could not start a client process");
    this.pid = this.child.pid;
    groups.add(this.pid);
    /** @type {Line[]} */
    this.lines = [];
    this.stderr = "";
    /** @type {string | undefined} */
    this.exited = undefined;
    this.child.stderr?.setEncoding("utf8").on("data", (chunk) => {
      this.stderr += chunk;
    });
    createInterface({
      input: /** @type {import("node:stream").Readable} */ (this.child.stdout),
    }).on("line", (text) => this.lines.push(JSON.parse(text)));
    this.child.on("exit", (code, signal) => {
      this.exited = String(code ?? signal);
      groups.delete(this.pid);
    });
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
      await new Promise((resolve) => setTimeout(resolve, 20));
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

/**
 * Sums the numeric fields of lines and merges their `failures` counts; `ms`
 * is the largest.
 * @param {readonly Line[]} lines
 * @returns {Line}
 */
export function combine(lines) {
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

/** `clients` clients of one kind, spread over `processes` processes (the first ones take the remainder). */
export class ClientGroup {
  /**
   * @param {number} port
   * @param {number} clients
   * @param {number} processes
   * @param {"idle" | "loris"} kind
   * @param {Record<string, string>} env BENCH_CONNECT_TIMEOUT_S and BENCH_ANSWER_TIMEOUT_S, for clients.mjs.
   */
  constructor(port, clients, processes, kind, env) {
    const base = Math.floor(clients / processes);
    this.processes = Array.from(
      { length: processes },
      (_, i) => new ClientProcess(port, base + (i < clients % processes ? 1 : 0), kind, env),
    );
  }

  /** Every process's next line of `type`, combined. */
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
