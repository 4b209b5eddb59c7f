// The client processes of burst.bench.mjs (src/burst/clients.mjs), a group
// of one kind driven as one (src/load/client-process.mjs runs each).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientProcess, combine } from "../load/client-process.mjs";

const SCRIPT = join(fileURLToPath(new URL(".", import.meta.url)), "clients.mjs");

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
      (_, i) =>
        new ClientProcess(
          SCRIPT,
          [String(port), String(base + (i < clients % processes ? 1 : 0)), kind],
          env,
        ),
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
