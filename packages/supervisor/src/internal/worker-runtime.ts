// The life of a worker process: prepare() once, then serve one connection (or
// interval run) at a time, accepting on listener copies the supervisor sends
// ahead (handle-channel.ts) while it holds a listening slot (listen-slots.ts);
// back to idle only when connect returned exactly true; finish() and exit
// otherwise, when told to retire, or after idleTimeout. What it used, whether
// it is busy and whether it handed its slot back go to the supervisor in
// coalesced reports.

import { type EventLoopUtilization, performance } from "node:perf_hooks";
import { MoonSocket } from "@moonbridge/socket";
import { resetTimeouts } from "@moonbridge/timeout";
import type { ResolvedOptions } from "../options";
import { receiveHandles } from "./handle-channel";
import { HandlePairs } from "./handle-pairs";
import { log } from "./log";
import { acceptOnce, type NativeHandle } from "./native-handles";
import {
  type ExitReason,
  type FromWorker,
  REFILL_BATCH,
  REPORT_MS,
  SLOT_RELEASE_MS,
  SPARE_COPIES,
  type ToWorker,
} from "./protocol";
import { WorkerParking } from "./worker-parking";

type Resume = Extract<ToWorker, { t: "resume" }>;

/** Longest an exiting worker waits for its last connection's data to go out. */
const LAST_CLOSE_SECONDS = 10;

type State = "preparing" | "idle" | "busy" | "exiting";

export class WorkerRuntime {
  readonly #options: ResolvedOptions;
  /** Ids (indexes into options.listeners) of the listeners that accept connections. */
  readonly #socketListeners: number[];
  /** Listener copies received and not used yet, per listener id, oldest first. */
  readonly #copies = new Map<number, NativeHandle[]>();
  /** The next report waits a moment, so that the changes of a busy moment go in one message. */
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sets of copies taken to listen on, and connections and runs taken, since the last report. */
  #used = 0;
  #took = 0;
  /** The state the supervisor was told last. */
  #reportedBusy = false;
  #state: State = "preparing";
  #stopAccepting: (() => void) | undefined;
  #retire = false;
  /** The pool stops: no listener copy is kept or listened on any more. */
  #closed = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #announcedAccepting = false;
  /** True while the supervisor lets this worker listen (a listening slot). */
  #slot = false;
  /** The slot was handed back and the supervisor not told yet. */
  #released = false;
  /** The slot is kept, but its connection waits (on I/O): one more worker should listen. */
  #more = false;
  /** The slot was not used for SLOT_RELEASE_MS while listening: the supervisor may take it back. */
  #unused = false;
  #unusedTimer: ReturnType<typeof setTimeout> | undefined;
  /** The event loop's use when the current connection was accepted. */
  #acceptedAt: EventLoopUtilization | undefined;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where this worker's connections are parked. */
  readonly #parking = new WorkerParking(send);
  /** Resumed connections: the message and the handle, matched. */
  readonly #resumes = new HandlePairs<Resume>((message, handle) => this.#onResume(message, handle));

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#socketListeners = [];
    options.listeners.forEach((listener, id) => {
      if (listener.proto === "tcp" || listener.proto === "local") this.#socketListeners.push(id);
    });
  }

  /** True once the worker has started: from then on listen() is an error (handlers run). */
  started = false;

  start(): void {
    this.started = true;
    if (!process.connected) {
      // The supervisor went before this worker could start: nobody to serve for.
      resetTimeouts();
      process.exit(0);
    }
    process.on("message", this.#onMessage);
    receiveHandles(process, (kind, id, handle) => {
      if (kind === "copy") this.#onCopy(id, handle);
      else this.#resumes.handle(id, handle);
    });
    // A terminal's Ctrl-C or hangup reaches the whole process group: the
    // supervisor decides. A SIGTERM sent to a worker itself means: finish, then exit.
    process.on("SIGINT", () => {});
    process.on("SIGHUP", () => {});
    process.on("SIGTERM", () => this.#onMessage({ t: "retire" }));
    // Without the supervisor there is nobody to serve for: leave when idle.
    process.on("disconnect", () => {
      this.#retire = true;
      if (this.#state === "idle") void this.#exit("retired", 0);
    });
    void this.#prepare();
  }

  async #prepare(): Promise<void> {
    try {
      await this.#options.prepare?.();
    } catch (error) {
      log(`worker ${process.pid}: prepare failed: ${describe(error)}`);
      resetTimeouts();
      process.exit(1);
    }
    resetTimeouts();
    this.#becomeIdle("ready");
  }

  readonly #onCopy = (id: number, handle: NativeHandle): void => {
    if (this.#state === "exiting" || this.#closed || !this.#socketListeners.includes(id)) {
      handle.close();
      return;
    }
    const queue = this.#copies.get(id) ?? [];
    queue.push(handle);
    // Never more than the supervisor keeps ahead: close any extra.
    while (queue.length > SPARE_COPIES) queue.shift()?.close();
    this.#copies.set(id, queue);
    this.#maybeAccept();
  };

  readonly #onMessage = (message: ToWorker): void => {
    switch (message?.t) {
      case "listen":
        this.#slot = true;
        this.#maybeAccept();
        return;
      case "unlisten":
        // Closing the copies loses nothing: a queued connection stays in the backlog.
        this.#slot = false;
        this.#stopAccepting?.();
        this.#stopAccepting = undefined;
        return;
      case "run":
        this.#slot = false; // a run takes the slot, refused or not: the supervisor counts it so
        if (this.#state !== "idle") {
          send({ t: "run-refused", name: message.name, kind: message.kind });
          return;
        }
        this.#stopAccepting?.();
        this.#stopAccepting = undefined;
        this.#begin();
        void this.#serve(new MoonSocket(null, { interval: message.name }), message);
        return;
      case "close-listeners":
        this.#closeListeners();
        this.#parking.leave();
        send({ t: "listeners-closed" });
        return;
      case "retire":
        this.#retire = true;
        this.#parking.leave();
        if (this.#state === "idle") void this.#exit("retired", 0);
        return;
      case "parking":
        this.#parking.update(message.open, message.wanted);
        return;
      case "resume":
        this.#resumes.message(message.id, message);
        return;
    }
  };

  /** A parked connection comes back: served here if idle, else refused (the supervisor still holds it). */
  #onResume(message: Resume, handle: NativeHandle): void {
    this.#slot = false; // a resume takes the slot, refused or not, as a run does: the supervisor counts it so
    if (this.#state !== "idle" || this.#retire) {
      handle.close();
      send({ t: "resume-refused", id: message.id });
      return;
    }
    send({ t: "resumed", id: message.id });
    this.#stopAccepting?.();
    this.#stopAccepting = undefined;
    this.#begin();
    const unread = Buffer.from(message.bytes, "base64");
    void this.#serve(
      MoonSocket.fromHandle(handle, {
        unread,
        resumed: true,
        parking: this.#parking,
        parkNote: typeof message.note === "string" ? message.note : undefined,
      }),
      undefined,
    );
  }

  /** Reports at once when a batch of copies is used up, else within REPORT_MS. */
  #changed(): void {
    if (this.#used >= REFILL_BATCH) {
      this.#report();
    } else if (this.#reportTimer === undefined) {
      this.#reportTimer = setTimeout(this.#report, REPORT_MS);
    }
  }

  readonly #report = (): void => {
    if (this.#reportTimer !== undefined) clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    const busy = this.#state !== "idle";
    const released = this.#released;
    const more = this.#more;
    const unused = this.#unused;
    const news = released || more || unused;
    if (this.#used === 0 && this.#took === 0 && busy === this.#reportedBusy && !news) return;
    if (this.#state === "exiting") return;
    send({ t: "report", busy, used: this.#used, took: this.#took, released, more, unused });
    this.#more = false;
    this.#unused = false;
    this.#reportedBusy = busy;
    this.#used = 0;
    this.#took = 0;
    this.#released = false;
  };

  /**
   * Arms (or re-arms, cheaply) the timer that hands the slot back if the
   * connection begun now is still being served after SLOT_RELEASE_MS.
   */
  #armRelease(): void {
    this.#acceptedAt = performance.eventLoopUtilization();
    if (this.#releaseTimer === undefined) {
      this.#releaseTimer = setTimeout(this.#releaseIfSlow, SLOT_RELEASE_MS);
      this.#releaseTimer.unref();
    } else this.#releaseTimer.refresh();
  }

  readonly #releaseIfSlow = (): void => {
    // Re-armed at every accept: firing means one connection has lasted that long.
    if (this.#state !== "busy" || !this.#slot) return;
    // A long connection: another idle worker should listen meanwhile. Say so at
    // once. If it waits (the loop was mostly idle), this worker keeps its slot
    // and one more listens; if it computes, or waits for the CPU, the slot moves.
    const use = performance.eventLoopUtilization(this.#acceptedAt);
    if (use.utilization < 0.5) this.#more = true;
    else {
      this.#slot = false;
      this.#released = true;
    }
    this.#report();
  };

  /** Arms (or re-arms) the timer that reports a slot unused when no connection came for SLOT_RELEASE_MS. */
  #armUnused(): void {
    if (this.#unusedTimer === undefined) {
      this.#unusedTimer = setTimeout(this.#reportUnused, SLOT_RELEASE_MS);
      this.#unusedTimer.unref();
    } else this.#unusedTimer.refresh();
  }

  readonly #reportUnused = (): void => {
    if (this.#state !== "idle" || !this.#slot || this.#stopAccepting === undefined) return;
    this.#unused = true;
    this.#report();
  };

  #fewestCopies(): number {
    let fewest = Number.POSITIVE_INFINITY;
    for (const id of this.#socketListeners)
      fewest = Math.min(fewest, this.#copies.get(id)?.length ?? 0);
    return fewest;
  }

  #maybeAccept(): void {
    if (this.#state !== "idle" || !this.#slot || this.#stopAccepting !== undefined) return;
    if (this.#closed) return;
    if (this.#socketListeners.length === 0) return;
    if (this.#fewestCopies() === 0) return;
    const handles = this.#socketListeners.map(
      (id) => this.#copies.get(id)?.shift() as NativeHandle,
    );
    this.#used++;
    this.#changed();
    this.#stopAccepting = acceptOnce(handles, this.#onConnection, this.#onAcceptError);
    this.#armUnused();
    if (this.#stopAccepting !== undefined && !this.#announcedAccepting) {
      this.#announcedAccepting = true;
      send({ t: "accepting" });
    }
  }

  readonly #onConnection = (handle: NativeHandle): void => {
    this.#stopAccepting = undefined;
    this.#begin();
    this.#armRelease();
    void this.#serve(MoonSocket.fromHandle(handle, { parking: this.#parking }), undefined);
  };

  readonly #onAcceptError = (error: NodeJS.ErrnoException): void => {
    // That set of copies is gone; the next accept uses the next one.
    this.#stopAccepting = undefined;
    log(`worker ${process.pid}: ${error.message}`);
    this.#begin();
    this.#armRelease(); // the pause below outlasts it: another worker listens meanwhile
    setTimeout(() => this.#becomeIdle("idle"), 100);
  };

  #begin(): void {
    this.#state = "busy";
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#took++;
    this.#changed();
  }

  async #serve(
    socket: MoonSocket,
    run: { name: string; kind: "interval" | "main" } | undefined,
  ): Promise<void> {
    let result: unknown;
    let failed = false;
    try {
      result = await this.#options.connect(socket);
    } catch (error) {
      failed = true;
      log(`worker ${process.pid}: connect failed: ${describe(error)}`);
    }
    resetTimeouts();
    const leaving = failed || result !== true || this.#retire;
    if (!socket.closed) {
      // Leaving: wait (bounded) for the data to go out before the process ends.
      await socket.close(leaving ? LAST_CLOSE_SECONDS : 0).catch(() => {});
    }
    if (run !== undefined) send({ t: "run-done", name: run.name, kind: run.kind });
    const limit = this.#options.memoryLimit;
    if (failed) await this.#exit("handler-error", 1);
    else if (result !== true) await this.#exit("connect-not-true", 0);
    else if (this.#retire) await this.#exit("retired", 0);
    else if (limit !== undefined && process.memoryUsage.rss() > limit)
      await this.#exit("memory-limit", 0);
    else this.#becomeIdle("idle");
  }

  #becomeIdle(announce: "ready" | "idle"): void {
    this.#state = "idle";
    if (announce === "ready") send({ t: "ready" });
    // While connections wait for a worker (parked ones among them), say so at once: the
    // supervisor hands out waiting parked connections only to workers it knows are idle.
    else if (this.#parking.wanted) this.#report();
    // Otherwise under load the next connection comes first: no "idle" for this moment.
    else this.#changed();
    if (this.#retire) {
      void this.#exit("retired", 0);
      return;
    }
    const idleTimeout = this.#options.idleTimeout;
    if (idleTimeout > 0) {
      this.#idleTimer = setTimeout(() => {
        if (this.#state === "idle") void this.#exit("idle-timeout", 0);
      }, idleTimeout * 1000);
    }
    this.#maybeAccept();
  }

  /** Stops listening and closes every listener copy held: none is taken again. */
  #closeListeners(): void {
    this.#closed = true;
    this.#slot = false;
    this.#stopAccepting?.();
    this.#stopAccepting = undefined;
    for (const handles of this.#copies.values()) for (const handle of handles) handle.close();
    this.#copies.clear();
  }

  async #exit(reason: ExitReason, code: number): Promise<void> {
    if (this.#state === "exiting") return;
    this.#state = "exiting";
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    if (this.#releaseTimer !== undefined) clearTimeout(this.#releaseTimer);
    if (this.#unusedTimer !== undefined) clearTimeout(this.#unusedTimer);
    if (this.#reportTimer !== undefined) clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    this.#closeListeners();
    this.#resumes.clear();
    // What the last report left out: stats().served counts every connection.
    const took = this.#took;
    this.#took = 0;
    await sendAndWait({ t: "exiting", reason, took });
    try {
      await this.#options.finish?.();
    } catch (error) {
      log(`worker ${process.pid}: finish failed: ${describe(error)}`);
      code = code || 1;
    }
    resetTimeouts();
    process.exit(code);
  }
}

function send(message: FromWorker): void {
  // With a callback a failed write is not an 'error' event, which would kill the
  // worker: a supervisor gone before 'disconnect' came is handled by 'disconnect'.
  if (process.connected) process.send?.(message, undefined, {}, ignoreSendError);
}

function ignoreSendError(): void {}

/** Sends and waits (a little at most) until the message is written: the process is about to exit. */
function sendAndWait(message: FromWorker): Promise<void> {
  if (!process.connected || process.send === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    process.send?.(message, undefined, {}, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
