// listen(): Moonbridge's listen{...}. In the supervisor process it makes a
// Pool; in a worker (a process the pool forked, running the same module) the
// call with the worker's pool number starts serving instead, and every other
// call is inert. listen() from inside a handler is an error.

import { SupervisorError } from "./errors";
import { withCommandLine } from "./internal/command-line";
import { processState } from "./internal/process-state";
import { titleSupervisor } from "./internal/process-title";
import { POOL_ENV, WORKER_ENV } from "./internal/protocol";
import { arrangeReadyNotice } from "./internal/service-notify";
import { manageSignals } from "./internal/signals";
import { askStats } from "./internal/stats-query";
import { WorkerRuntime } from "./internal/worker-runtime";
import { type ListenOptions, resolveOptions } from "./options";
import { type BoundAddress, Pool, type PoolStats } from "./pool";

/** What listen() returns in a worker: the pool runs elsewhere, so there is nothing to control. */
export interface WorkerSide {
  readonly role: "worker";
  /** Never settles in a worker: the addresses are the supervisor's business. */
  readonly ready: Promise<BoundAddress[]>;
  /**
   * The pool's statistics, as `pool.stats()` gives them in the supervisor
   * (workers by state, parked connections, ...): asked of the supervisor, so
   * a promise (`await pool.stats()` reads the same in both processes).
   * Rejects with SupervisorError `NO_SUPERVISOR` if the supervisor is gone
   * or does not answer within 5 seconds.
   */
  stats(): Promise<PoolStats>;
}

const state = processState();
const isWorker = process.env[WORKER_ENV] === "1";
const myPool = Number(process.env[POOL_ENV]);

/**
 * Moonbridge's `listen{...}`: binds the listeners and starts a pool of worker
 * processes that run `connect` for each connection, one at a time each. Call it
 * at the top level of the application module (run with `node app.js` or
 * `moonbridge app.js`); every worker loads the same module. Each call is its
 * own pool.
 *
 * In the supervisor it returns the {@link Pool} (`ready`, `addresses`,
 * `stats()`, `reload()`, `stop()`); in a worker, a {@link WorkerSide} whose
 * `stats()` asks the supervisor (for a status page).
 * Throws SupervisorError `INVALID_OPTION` for a bad option (before anything
 * is bound), `LISTEN_IN_HANDLER` when called from a handler, and
 * `NO_SUPERVISOR` in a process marked as a worker that no supervisor forked.
 *
 * @example
 * ```ts
 * const pool = listen({
 *   listeners: [{ proto: "tcp", host: "127.0.0.1", port: 8080 }],
 *   async connect(socket) {
 *     await socket.write("hello\n").flush();
 *     return true;
 *   },
 * });
 * ```
 */
export function listen(options: ListenOptions): Pool | WorkerSide {
  if (state.runtime?.started) {
    throw new SupervisorError(
      "LISTEN_IN_HANDLER",
      "listen() must not be called from a prepare, connect or finish handler",
    );
  }
  // The command line's options apply in workers too: they count their own requests (maxRequests).
  const resolved = resolveOptions(withCommandLine(options));
  const index = state.calls++;
  if (isWorker) {
    if (process.send === undefined) {
      throw new SupervisorError(
        "NO_SUPERVISOR",
        `${WORKER_ENV}=1 is set, but this process has no IPC channel to a supervisor: listen() did not fork it (a process that a worker starts inherits the variable; remove it from that process's environment)`,
      );
    }
    if (index === myPool && state.runtime === undefined) {
      const mine = new WorkerRuntime(resolved);
      state.runtime = mine;
      // Start once the module's top level has run (other listen() calls included).
      setImmediate(() => mine.start());
    }
    return {
      role: "worker",
      ready: new Promise<BoundAddress[]>(() => {}),
      stats: () => askStats(index),
    };
  }
  arrangeReadyNotice(); // before any worker is forked: it takes NOTIFY_SOCKET from the environment
  const pool = new Pool(resolved, index);
  titleSupervisor();
  manageSignals(pool);
  return pool;
}

export type { PoolStats };
