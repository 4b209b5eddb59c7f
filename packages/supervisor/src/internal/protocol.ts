// The messages between the supervisor and its workers over the IPC channel.
// Listener copies travel as raw handles with a "listener" message, at most
// one in flight per worker (Node queues the rest; long queues are slow).

/** Supervisor to worker. */
export type ToWorker =
  /** A fresh copy of listener `id`, for the worker's next accept. */
  | { t: "listener"; id: number }
  /** Run connect for an interval timer or the main listener, if idle. */
  | { t: "run"; name: string; kind: "interval" | "main" }
  /** Exit once idle (now, if idle): the pool shrinks, reloads or stops. */
  | { t: "retire" };

/** Worker to supervisor. */
export type FromWorker =
  /** prepare() is done: the worker can serve once it has listener copies. */
  | { t: "ready" }
  /** The worker listens for the first time: the listeners are in the listening state now. */
  | { t: "accepting" }
  /** The worker took a connection or a run; its listener copies are used up. */
  | { t: "busy" }
  /** connect returned true: the worker is idle again. */
  | { t: "idle" }
  /** A run arrived while the worker was busy: give it to another. */
  | { t: "run-refused"; name: string; kind: "interval" | "main" }
  /** A run (interval or main) has ended. */
  | { t: "run-done"; name: string; kind: "interval" | "main" }
  /** The worker is exiting on its own, and why. */
  | { t: "exiting"; reason: ExitReason };

export type ExitReason =
  | "idle-timeout"
  | "connect-not-true"
  | "handler-error"
  | "retired"
  | "memory-limit";

/** Environment variables that make a process a worker of pool `MOONBRIDGE_POOL` (the nth listen() call). */
export const WORKER_ENV = "MOONBRIDGE_WORKER";
export const POOL_ENV = "MOONBRIDGE_POOL";
