// What the supervisor package keeps once per process, on globalThis: an app
// that loads the package both through import (dist/index.js) and require
// (dist/index.cjs) has two copies of this code, and module variables would
// count listen() calls twice from 0 (two pools numbered 0: each worker would
// serve the wrong one), start two worker runtimes, and install the signal
// handlers twice. The key carries a format number: a version that lays the
// state out differently uses another, and keeps a state of its own.

import type { PoolStats } from "../pool";
import type { BoundAddress } from "./bind-listeners";

const KEY = Symbol.for("@moonbridge/supervisor/process/v1");

/** A pool as the signal handlers and the service manager's notices see it. */
export interface Stoppable {
  readonly ready: Promise<BoundAddress[]>;
  stop(): Promise<void>;
  /** Resolves when the reload ends (done or abandoned). */
  reload(): Promise<void>;
  /** Its statistics, for a worker that asks (stats-query.ts). */
  stats(): PoolStats;
}

export interface ProcessState {
  /** listen() calls so far: a pool's number, which a worker uses to find its own. */
  calls: number;
  /** Questions for the supervisor's statistics so far (stats-query.ts), to number them. */
  questions: number;
  /** The worker runtime of this process, once its listen() call came (workers only). */
  runtime: { readonly started: boolean } | undefined;
  /** Every pool of this supervisor process, for SIGTERM, SIGINT and SIGHUP. */
  pools: Stoppable[];
  signalsInstalled: boolean;
  /** A stop signal came: a second one exits at once. */
  stopping: boolean;
  /** When it came (ms since the epoch). */
  stoppingSince: number;
  /** The service manager's notices (service-notify.ts), once the first pool is made. */
  notices?: ServiceNotices;
}

export interface ServiceNotices {
  /** NOTIFY_SOCKET as the process started with it (removed from the environment); undefined: none. */
  socket: string | undefined;
  /** The notices sent so far, one after the other. */
  queue: Promise<void>;
  /** READY=1 for the start has been arranged. */
  readyArranged: boolean;
  /** A failure to send has been logged (once is enough). */
  failureLogged: boolean;
}

/** The process's state, made by whichever copy of the package asks first. */
export function processState(): ProcessState {
  const holder = globalThis as { [KEY]?: ProcessState };
  holder[KEY] ??= {
    calls: 0,
    questions: 0,
    runtime: undefined,
    pools: [],
    signalsInstalled: false,
    stopping: false,
    stoppingSince: 0,
  };
  return holder[KEY];
}
