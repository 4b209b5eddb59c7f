// The messages between the supervisor and its workers over the IPC channel.
// Listener copies do not travel as messages: handle-channel.ts writes them
// onto the same pipe, SPARE_COPIES sets ahead of what the worker has used, and
// the worker reports what it used and whether it is busy now and then
// ("report"), not for every connection. Only a worker holding a listening
// slot ("listen") listens; it keeps the slot from one connection to the next
// and hands it back when a connection lasts longer than SLOT_RELEASE_MS
// (worker-choice.ts). A parked connection travels as a "conn" frame of the
// handle channel, and its bytes as a "park" or "resume" message with the same
// id (handle-pairs.ts matches them). A worker sends a "held" frame with a
// copy of each connection it keeps serving between requests (the supervisor
// holds it, so the connection outlives the worker: connection-copies.ts),
// and says in its reports which copies it is done with.

import type { ProxyHeaderInfo } from "@moonbridge/socket";
import type { PoolStats } from "../pool";

/**
 * Sets of listener copies (one copy of each socket listener) the supervisor
 * keeps in each worker: one is listened on, the rest wait, so that under load
 * a worker never waits for a copy and copies are sent in batches.
 */
export const SPARE_COPIES = 64;

/** A worker that has used this many sets since its last report reports at once (asking for as many). */
export const REFILL_BATCH = SPARE_COPIES / 2;

/** Milliseconds a worker waits before reporting a change of state: the reports of a busy moment coalesce. */
export const REPORT_MS = 20;

/**
 * Milliseconds a worker holding a listening slot may serve one connection
 * before it hands the slot back (so that another idle worker listens). Short
 * connections keep it: the few workers that hold the slots serve them back to
 * back, with warm caches, and no message is sent per connection.
 */
export const SLOT_RELEASE_MS = 5;

/**
 * Where a connection of a `proxyProtocol` listener stands with its PROXY
 * header: "unread" (its first bytes are the header: the worker reads it
 * before connect), or what the header said. Absent from a message: the
 * connection's listener takes no PROXY protocol.
 */
export type ProxyState = "unread" | ProxyHeaderInfo;

/** Supervisor to worker. */
export type ToWorker =
  /** Run connect for an interval timer or the main listener, if idle. */
  | { t: "run"; name: string; kind: "interval" | "main" }
  /** Exit once idle (now, if idle): the pool shrinks, reloads or stops. */
  | { t: "retire" }
  /**
   * The supervisor has taken the worker's "exiting" message, and so every
   * message and handle it sent before (a connection it parked): it may exit.
   * Its exit could otherwise be seen before them, and such a connection lost.
   */
  | { t: "exit-ok" }
  /**
   * The pool stops: close every listener copy now, busy or not (the port
   * stops accepting once no process holds one), answer "listeners-closed",
   * and leave (responses say so; idle connections are parked); serve on
   * what the supervisor resumes until "retire".
   */
  | { t: "close-listeners" }
  /**
   * A listening slot: listen whenever idle, until a connection lasts longer
   * than SLOT_RELEASE_MS (the report says `released`), a run arrives (a "run"
   * takes the slot, refused or not), or the worker exits.
   */
  | { t: "listen" }
  /** Give the slot back (it reported it unused, and more than LISTENING_SLOTS hold one). */
  | { t: "unlisten" }
  /**
   * Whether the supervisor takes parked connections now (`open`), and whether
   * connections wait for a worker (`wanted`: an idle connection should be
   * parked at once). Sent when either changes, and to each new worker.
   */
  | { t: "parking"; open: boolean; wanted: boolean }
  /** The answer to "stats?" `id`: pool `pool`'s statistics (null: no such pool runs). */
  | { t: "stats"; id: number; pool: number; stats: PoolStats | null }
  /**
   * Serve this parked connection (its handle follows as a "conn" frame with
   * `id`); `bytes` (base64) are read first. A worker in a turn queues it
   * until the turn ends, and refuses it if the turn is long or it leaves.
   * Answered by "resumed" or "resume-refused"; the supervisor keeps its copy
   * of the handle until then (and after "resumed", as the worker's copy).
   * Several may be in flight to one worker.
   */
  | {
      t: "resume";
      id: number;
      bytes: string;
      note?: string | undefined;
      proxyHeader?: ProxyState | undefined;
      /** Taken from the backlog of TLS listener `tls` (its id), never read: the worker wraps it in TLS. */
      tls?: number | undefined;
    };

/** Worker to supervisor. */
export type FromWorker =
  /** prepare() is done: the worker can serve once it has listener copies. */
  | { t: "ready" }
  /** The worker listens for the first time: the listeners are in the listening state now. */
  | { t: "accepting" }
  /**
   * Since the last report the worker used `used` sets of listener copies
   * (each accept, and each run or error that stopped a listen, uses one) and
   * took `took` connections and runs; it is busy now or idle; `released`:
   * it handed its listening slot back (a connection outlasted SLOT_RELEASE_MS
   * while the worker computed); `more`: it keeps its slot, but a connection
   * outlasted SLOT_RELEASE_MS waiting (the event loop mostly idle), so one
   * more worker should listen; `unused`: it listened SLOT_RELEASE_MS without a
   * connection (a slot beyond LISTENING_SLOTS may be taken back).
   */
  | {
      t: "report";
      busy: boolean;
      used: number;
      took: number;
      /** Requests begun since the last report (an HTTP request each; a raw connect call that counts none is one). */
      requests: number;
      released: boolean;
      more: boolean;
      unused: boolean;
      /** Ids of "held" copies whose connections the worker has closed: the supervisor closes them. */
      dropped?: number[] | undefined;
    }
  /**
   * The worker parks a connection: its handle follows as a "conn" frame with
   * `id` (the worker's own count). `bytes` (base64): what the next worker
   * reads first; `wake`: some are the peer's, unread, so it needs a worker at
   * once; `timeout`: seconds to wait for the peer (0: no limit).
   */
  | {
      t: "park";
      id: number;
      bytes: string;
      wake: boolean;
      timeout: number;
      note?: string | undefined;
      /** When `timeout` runs out, wake it (to a worker) instead of closing it. */
      resumeOnTimeout?: boolean;
      /** The supervisor holds a copy of it ("held" frame with this id): that copy is parked, and no frame follows. */
      held?: number;
      proxyHeader?: ProxyState | undefined;
    }
  /**
   * Where the connection of "held" copy `held` stands with its PROXY header
   * (absent: its listener takes none). Sent after each "held" frame, and
   * again once the header is read, in a pool with a `proxyProtocol`
   * listener: a copy inherited from a worker that died is resumed so.
   */
  | { t: "held-proxy"; held: number; proxyHeader?: ProxyState | undefined }
  /**
   * The worker serves the resumed connection `id`: the supervisor keeps its
   * copy of the handle as the worker's "held" copy `held`.
   */
  | { t: "resumed"; id: number; held: number }
  /** A resume arrived during a long turn (or while leaving): give the connection to another. */
  | { t: "resume-refused"; id: number }
  /** A run arrived while the worker was busy: give it to another. */
  | { t: "run-refused"; name: string; kind: "interval" | "main" }
  /** A run (interval or main) has ended. */
  | { t: "run-done"; name: string; kind: "interval" | "main" }
  /** The application asks for pool `pool`'s statistics (a status page): answered by "stats" `id`. */
  | { t: "stats?"; id: number; pool: number }
  /** The worker closed every listener copy it held ("close-listeners"). */
  | { t: "listeners-closed" }
  /**
   * The worker is exiting on its own, and why; `took`: connections and runs
   * not reported yet; `dropped`: as a report's.
   */
  | {
      t: "exiting";
      reason: ExitReason;
      took: number;
      requests: number;
      dropped?: number[] | undefined;
    };

export type ExitReason =
  | "idle-timeout"
  | "connect-not-true"
  | "handler-error"
  | "retired"
  | "memory-limit"
  | "max-requests";

/** Environment variables that make a process a worker of pool `MOONBRIDGE_POOL` (the nth listen() call). */
export const WORKER_ENV = "MOONBRIDGE_WORKER";
export const POOL_ENV = "MOONBRIDGE_POOL";
/** The worker's file descriptor of its turn file (turn-file.ts). */
export const TURN_FD_ENV = "MOONBRIDGE_TURN_FD";
