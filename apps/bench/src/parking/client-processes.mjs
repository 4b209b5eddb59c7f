// The processes of idle clients (clients.mjs) for parking.bench.mjs: how
// many of them a client count needs under the file-descriptor limit, and the
// fleet of them, driven as one (src/load/client-process.mjs runs each).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientProcess, combine } from "../load/client-process.mjs";

const SCRIPT = join(fileURLToPath(new URL(".", import.meta.url)), "clients.mjs");
/** File descriptors a Node process uses besides its sockets (stdio, epoll, libuv, ...), with room to spare. */
export const FD_SPARE = 200;

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

/** @typedef {import("../load/client-process.mjs").Line} Line */

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
        new ClientProcess(
          SCRIPT,
          [String(port), String(base + (i < clients % processes ? 1 : 0))],
          env,
          (line) => onProgress(i, line),
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
