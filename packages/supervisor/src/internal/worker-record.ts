// What the supervisor keeps of each worker of a pool: its process and
// channel, its state as it last reported, its listening slot, and what it was
// sent (listener copies, a run, a resumed connection) and not yet answered.

import type { ChildProcess } from "node:child_process";
import type { HandleSender } from "./handle-channel";
import type { ParkedConnection } from "./parked-connections";
import type { ExitReason } from "./protocol";

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
