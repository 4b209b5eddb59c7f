// What the supervisor keeps of each worker of a pool: its process and
// channel, its state as it last reported, its listening slot, and what it was
// sent (listener copies, a run, resumed connections) and not yet answered.
// A record changes only through the functions below, one per event, so that
// what an event does to a worker is said in one place.

import type { ChildProcess } from "node:child_process";
import type { HandleSender } from "./handle-channel";
import type { ParkedConnection } from "./parked-connections";
import type { ExitReason, FromWorker } from "./protocol";

export type WorkerState = "starting" | "idle" | "busy" | "exiting";

export interface Worker {
  child: ChildProcess;
  /** Its turn file (turn-file.ts): whose request ran, read when it dies. */
  turnFd: number | undefined;
  handles: HandleSender;
  /** Parked connections sent to it and not yet taken or refused, by id. */
  resumes: Map<number, ParkedConnection>;
  /** It refused a resume (a long turn) since it last reported itself idle. */
  declined: boolean;
  /** Sets of listener copies sent and not yet reported used. */
  sets: number;
  state: WorkerState;
  /** It holds a listening slot: it listens whenever idle. */
  slot: boolean;
  /** It keeps its slot but waits on a long connection: another listens for it. */
  waiting: boolean;
  /** When it last became idle or served (ms): the most recent is chosen first, the oldest retired first. */
  idleSince: number;
  retiring: boolean;
  /** The pool's reload count when it was forked: an older one is replaced by a reload. */
  generation: number;
  /** It holds no listener copy any more (the pool stops; or it exited). */
  listenersClosed?: boolean;
  reason: ExitReason | undefined;
  run: Run | undefined;
}

export interface Run {
  name: string;
  kind: "interval" | "main";
}

/** What the parking desk's own worker type shares with a record, for the resume events. */
type ResumeFields = Pick<Worker, "state" | "resumes" | "declined">;

/** A worker just forked: starting, no slot, nothing sent. */
export function newWorker(
  child: ChildProcess,
  handles: HandleSender,
  turnFd: number | undefined,
  generation: number,
): Worker {
  return {
    child,
    turnFd,
    handles,
    resumes: new Map(),
    declined: false,
    sets: 0,
    state: "starting",
    slot: false,
    waiting: false,
    idleSince: 0,
    retiring: false,
    generation,
    reason: undefined,
    run: undefined,
  };
}

/** prepare() is done: the worker is idle. */
export function markReady(worker: Worker, now: number): void {
  worker.state = "idle";
  worker.idleSince = now;
}

/** What a "report" says of the worker; `becameIdle` when it went idle now (its slot may be trimmed). */
export function applyReport(
  worker: Worker,
  report: Extract<FromWorker, { t: "report" }>,
  now: number,
): { becameIdle: boolean } {
  worker.sets -= report.used;
  if (report.released) worker.slot = false;
  // Waiting on a long connection, it keeps its slot, and another listens for it.
  worker.waiting = report.more || (worker.waiting && report.busy && report.took === 0);
  if (worker.state === "exiting") return { becameIdle: false };
  if (!report.busy) worker.declined = false;
  if (report.busy) {
    worker.state = "busy";
    return { becameIdle: false };
  }
  const idle =
    (worker.state !== "idle" || report.took > 0) &&
    worker.run === undefined &&
    worker.resumes.size === 0;
  if (idle) {
    worker.state = "idle";
    worker.idleSince = now;
  }
  return { becameIdle: idle };
}

/** Sets of listener copies sent to it. */
export function copiesSent(worker: Worker, sets: number): void {
  worker.sets += sets;
}

/** A run goes to it: busy until it says otherwise, and its slot gone (a run takes it, refused or not). */
export function runSent(worker: Worker, run: Run): void {
  worker.state = "busy";
  worker.slot = false;
  worker.run = run;
}

/** Its run ended, or it refused it. */
export function runOver(worker: Worker): void {
  worker.run = undefined;
}

/** A parked connection goes to it: busy until it says otherwise. */
export function resumeSent(worker: ResumeFields, connection: ParkedConnection): void {
  worker.state = "busy";
  worker.resumes.set(connection.id, connection);
}

/** It answered the resume `id` (taken, or refused: then it is in a long turn); the connection, if it was sent. */
export function resumeAnswered(
  worker: ResumeFields,
  id: number,
  refused: boolean,
): ParkedConnection | undefined {
  const connection = worker.resumes.get(id);
  worker.resumes.delete(id);
  if (refused) worker.declined = true;
  return connection;
}

/** It died: what was sent to it and not taken, for another worker. */
export function resumesLost(worker: ResumeFields): ParkedConnection[] {
  const lost = [...worker.resumes.values()];
  worker.resumes.clear();
  return lost;
}

/** It may listen now, or may no longer. */
export function setSlot(worker: Worker, slot: boolean): void {
  worker.slot = slot;
}

/** It is told to retire. */
export function markRetiring(worker: Worker): void {
  worker.retiring = true;
}

/** It exits on its own, and why: no slot, no listener copy any more. */
export function markExiting(worker: Worker, reason: ExitReason): void {
  worker.state = "exiting";
  worker.slot = false;
  worker.reason = reason;
  worker.listenersClosed = true;
}

/** It closed its listener copies (the pool stops), or holds none yet (still starting). */
export function markListenersClosed(worker: Worker): void {
  worker.listenersClosed = true;
}
