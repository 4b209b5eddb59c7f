// The life of a worker process: prepare() once, then serve, accepting on
// listener copies the supervisor sends ahead (handle-channel.ts) while it
// holds a listening slot (worker-choice.ts). The worker has one turn (the
// TurnKeeper of @moonbridge/socket): a connection's handler holds it from
// accept until it returns, or, when it shares the worker (the HTTP module's
// handler does), while it runs a request; an interval or main run holds it
// throughout. A worker is busy while its turn is held, and holds any number
// of connections whose handlers wait for their clients; it listens only
// while none of them is new and uncopied (new-connections.ts), so that a
// request that kills it costs no connection but its own. When connect does
// not return exactly true, throws, when the worker is told to retire, or
// after idleTimeout, it leaves: it takes nothing more, its waiting
// connections are parked (or closed), and once the last handler has
// returned it runs finish() and exits. What it used, whether it is busy and
// whether it handed its slot back go to the supervisor in coalesced reports.

import { type EventLoopUtilization, performance } from "node:perf_hooks";
import { DEFAULT_PARK_TIMEOUT, MoonSocket, type TurnKeeper } from "@moonbridge/socket";
import { resetTimeouts } from "@moonbridge/timeout";
import type { ResolvedOptions } from "../options";
import { ConnectionCopies } from "./connection-copies";
import { receiveHandles } from "./handle-channel";
import { HandlePairs } from "./handle-pairs";
import { logError } from "./log";
import { acceptSome, type NativeHandle } from "./native-handles";
import { NewConnections } from "./new-connections";
import { titleWorker } from "./process-title";
import {
  type ExitReason,
  type FromWorker,
  POOL_ENV,
  REFILL_BATCH,
  REPORT_MS,
  SLOT_RELEASE_MS,
  SPARE_COPIES,
  type ToWorker,
  TURN_FD_ENV,
} from "./protocol";
import { ProxyHeaders } from "./proxy-headers";
import { TlsConnections } from "./tls-connections";
import { TurnRecord } from "./turn-file";
import { WorkerParking } from "./worker-parking";

type Resume = Extract<ToWorker, { t: "resume" }>;

/** Longest an exiting worker waits for its last connection's data to go out. */
const LAST_CLOSE_SECONDS = 10;

/**
 * Most connections one listen takes in a burst of idle ones (new-connections.ts):
 * a listen's poll, which takes the next copy of the listeners, then serves
 * many, each copied at once (a handle pass), rather than one.
 */
const BURST_ACCEPTS = 32;

/** Longest an exiting worker waits for its supervisor's "exit-ok". */
const EXIT_ACK_MS = 1000;

/** Least milliseconds between two memoryLimit checks (each reads /proc: several microseconds). */
const MEMORY_CHECK_MS = 50;

type State = "preparing" | "serving" | "exiting";

/** Why a leaving worker leaves, and its exit code. */
interface Departure {
  reason: ExitReason;
  code: number;
}

export class WorkerRuntime implements TurnKeeper {
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
  /** Who holds the turn: a connection's socket, or a run's; undefined when the worker is idle. */
  #holder: object | undefined;
  /** Sockets waiting for the turn, in order. */
  readonly #waiting: { holder: object; resolve: () => void }[] = [];
  /** Connections accepted while the turn was held, not read yet (copied): served when it ends, or handed on. */
  readonly #accepted: NativeHandle[] = [];
  /** Connections taken by the current listen. */
  #batch = 0;
  /** Parked connections resumed here while the turn was held: served when it ends, or refused. */
  readonly #resumesWaiting: { message: Resume; handle: NativeHandle }[] = [];
  /** The running turn has lasted SLOT_RELEASE_MS: resumes are refused until it ends (reset as the next begins). */
  #slowTurn = false;
  /** Connect calls (and runs) under way, waiting or not. */
  #handlers = 0;
  /** Set once the worker leaves: it exits when the last handler has returned. */
  #departure: Departure | undefined;
  /** When memoryLimit was last checked (performance.now() ms). */
  #memoryCheckedAt = 0;
  #stopAccepting: (() => void) | undefined;
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
  /** Connections of proxyProtocol listeners: their headers, read before connect. */
  readonly #proxyHeaders: ProxyHeaders;
  /** Connections of TLS listeners: wrapped in TLS here, and kept here. */
  readonly #tls: TlsConnections;
  /** The copies the supervisor holds of this worker's idle connections. */
  readonly #held = new ConnectionCopies((id, socket, handle) =>
    this.#proxyHeaders.copied(id, socket as MoonSocket | undefined, handle),
  );
  /** Connections accepted here that have run no request and have no copy: the worker listens again once there are none. */
  readonly #new = new NewConnections(
    (socket) => this.#held.copy(socket),
    () => this.#maybeAccept(),
  );
  /** Where this worker's connections are parked. */
  readonly #parking = new WorkerParking(send, this.#held);
  /** Whose request runs, for the supervisor if this worker dies. */
  readonly #turnRecord = TurnRecord.open(Number(process.env[TURN_FD_ENV] ?? Number.NaN));
  /** Resolves the wait for the supervisor's "exit-ok". */
  #exitAllowed: (() => void) | undefined;
  /** Which listen() call's pool this worker serves (for its title). */
  readonly #pool: number;
  /** Requests this worker serves before it leaves: maxRequests plus its share of the jitter; 0: no limit. */
  readonly #requestLimit: number;
  /** Requests begun, for maxRequests. */
  #requests = 0;
  /** Requests begun since the last report, for the pool's count. */
  #requestsToReport = 0;
  /** Sockets whose handler counts its requests (beginRequest); a raw connect call that does not is one. */
  readonly #countsRequests = new WeakSet<object>();
  /** Resumed connections: the message and the handle, matched. */
  readonly #resumes = new HandlePairs<Resume>((message, handle) => this.#onResume(message, handle));

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#pool = Number(process.env[POOL_ENV]) || 0;
    const { maxRequests, maxRequestsJitter } = options;
    this.#requestLimit =
      maxRequests === 0 ? 0 : maxRequests + Math.floor(Math.random() * (maxRequestsJitter + 1));
    this.#proxyHeaders = new ProxyHeaders(options, send);
    this.#tls = new TlsConnections(options);
    this.#socketListeners = [];
    options.listeners.forEach((listener, id) => {
      if (listener.proto === "tcp" || listener.proto === "local") this.#socketListeners.push(id);
    });
  }

  /** True once the worker has started: from then on listen() is an error (handlers run). */
  started = false;

  start(): void {
    this.started = true;
    titleWorker(this.#pool, "starting");
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
    process.on("disconnect", () => this.#leave({ reason: "retired", code: 0 }));
    void this.#prepare();
  }

  async #prepare(): Promise<void> {
    try {
      await this.#options.prepare?.();
    } catch (error) {
      logError("prepare-failed", `worker ${process.pid}: prepare failed: ${describe(error)}`);
      resetTimeouts();
      process.exit(1);
    }
    resetTimeouts();
    this.#state = "serving";
    titleWorker(this.#pool, "idle");
    send({ t: "ready" });
    this.#becomeIdle();
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
      case "run": {
        this.#slot = false; // a run takes the slot, refused or not: the supervisor counts it so
        const socket = new MoonSocket(null, { interval: message.name });
        if (!this.#idle || !this.take(socket)) {
          send({ t: "run-refused", name: message.name, kind: message.kind });
          return;
        }
        this.#stopAccepting?.();
        this.#stopAccepting = undefined;
        void this.#serve(socket, message);
        return;
      }
      case "close-listeners":
        this.#closeListeners();
        this.#parking.leave();
        send({ t: "listeners-closed" });
        return;
      case "retire":
        this.#leave({ reason: "retired", code: 0 });
        return;
      case "exit-ok":
        this.#exitAllowed?.();
        return;
      case "parking":
        this.#parking.update(message.open, message.wanted);
        return;
      case "resume":
        this.#resumes.message(message.id, message);
        return;
    }
  };

  /**
   * A parked connection comes back: served now if the turn is free, after
   * the running turn if it is young (it waits unread meanwhile), refused if
   * the turn has been long or the worker leaves (the supervisor still holds
   * it, and gives it to another).
   */
  #onResume(message: Resume, handle: NativeHandle): void {
    const slow = this.#holder !== undefined && this.#slowTurn;
    if (this.#state !== "serving" || this.#departure !== undefined || slow) {
      this.#refuseResume(message, handle);
      return;
    }
    if (this.#holder !== undefined) this.#resumesWaiting.push({ message, handle });
    else this.#startResumed(message, handle);
  }

  #refuseResume(message: Resume, handle: NativeHandle): void {
    handle.close();
    send({ t: "resume-refused", id: message.id });
  }

  /** The resumes queued for the turn go back to the supervisor, for other workers. */
  #refuseWaitingResumes(): void {
    for (const { message, handle } of this.#resumesWaiting.splice(0))
      this.#refuseResume(message, handle);
  }

  /** Serves a resumed connection; the worker's turn is free. */
  #startResumed(message: Resume, handle: NativeHandle): void {
    // Not listening meanwhile: a connection accepted behind a long turn would wait for it.
    this.#stopAccepting?.();
    this.#stopAccepting = undefined;
    const unread = Buffer.from(message.bytes, "base64");
    const secure =
      typeof message.tls === "number" ? this.#tls.wrap(handle, message.tls) : undefined;
    if (secure !== undefined) {
      // Taken from a TLS listener's backlog by the stopping supervisor, never read: wrapped here.
      const socket = new MoonSocket(secure, { turns: this });
      send({ t: "resumed", id: message.id, held: this.#held.resumed(socket, handle) });
      this.take(socket);
      void this.#serve(socket, undefined);
      return;
    }
    const proxyHeader = message.proxyHeader;
    const socket = MoonSocket.fromHandle(handle, {
      unread,
      resumed: true,
      parking: this.#parking,
      parkNote: typeof message.note === "string" ? message.note : undefined,
      proxyHeader: typeof proxyHeader === "object" ? proxyHeader : undefined,
      turns: this,
    });
    this.#proxyHeaders.resumed(socket, proxyHeader);
    // The supervisor's copy of the handle stays there, as this connection's copy.
    send({ t: "resumed", id: message.id, held: this.#held.resumed(socket, handle) });
    this.take(socket);
    void this.#serve(socket, undefined);
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
    const busy = !this.#idle;
    const released = this.#released;
    const more = this.#more;
    const unused = this.#unused;
    const news = released || more || unused || this.#held.hasDropped;
    if (
      this.#used === 0 &&
      this.#took === 0 &&
      this.#requestsToReport === 0 &&
      busy === this.#reportedBusy &&
      !news
    )
      return;
    if (this.#state === "exiting") return;
    // The title follows what the supervisor is told: at most one change per report.
    if (busy !== this.#reportedBusy) titleWorker(this.#pool, busy ? "busy" : "idle");
    const dropped = this.#held.takeDropped();
    send({
      t: "report",
      busy,
      used: this.#used,
      took: this.#took,
      requests: this.#requestsToReport,
      released,
      more,
      unused,
      dropped,
    });
    this.#more = false;
    this.#unused = false;
    this.#reportedBusy = busy;
    this.#used = 0;
    this.#took = 0;
    this.#requestsToReport = 0;
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
    // Re-armed at every turn: firing means one turn has lasted that long.
    if (this.#holder === undefined) return;
    // Should the worker die now, the supervisor learns whose request ran.
    this.#turnRecord?.flush();
    // Resumed connections waiting for this turn go to other workers, as do new ones (below).
    this.#slowTurn = true;
    this.#refuseWaitingResumes();
    if (!this.#slot) return;
    // A long turn: another idle worker should listen meanwhile. Say so at
    // once. If it waits (the loop was mostly idle), this worker keeps its slot
    // and one more listens; if it computes, or waits for the CPU, the slot moves.
    // New connections go elsewhere meanwhile (and its own connections' requests: the HTTP
    // module parks them with their bytes): it stops listening until the turn ends, and
    // those it accepted since the turn began go to the supervisor, unread.
    this.#stopAccepting?.();
    this.#stopAccepting = undefined;
    this.#handOnAccepted();
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
    if (!this.#idle || !this.#slot || this.#stopAccepting === undefined) return;
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
    if (!this.#idle || !this.#slot || this.#stopAccepting !== undefined) return;
    if (this.#closed) return;
    if (this.#new.pending) {
      this.#new.settleSoon();
      return;
    }
    if (this.#socketListeners.length === 0) return;
    if (this.#fewestCopies() === 0) return;
    const handles = this.#socketListeners.map(
      (id) => this.#copies.get(id)?.shift() as NativeHandle,
    );
    this.#used++;
    this.#changed();
    // In a burst of idle connections, a listen takes what the poll brings (each copied: below).
    this.#batch = 0;
    this.#stopAccepting = acceptSome(
      handles,
      this.#new.burst ? BURST_ACCEPTS : 1,
      this.#onConnection,
      this.#onAcceptError,
      this.#onListenClosed,
    );
    this.#armUnused();
    if (this.#stopAccepting !== undefined && !this.#announcedAccepting) {
      this.#announcedAccepting = true;
      send({ t: "accepting" });
    }
  }

  readonly #onConnection = (handle: NativeHandle, last: boolean, listener: number): void => {
    if (last) this.#stopAccepting = undefined;
    const id = this.#socketListeners[listener] ?? -1;
    this.#proxyHeaders.accepted(handle, id);
    this.#tls.accepted(handle, id);
    // The worker listens on between requests: a connection that comes while another holds the
    // turn waits, unread, until the turn ends, or goes to another worker if the turn is long.
    // The supervisor holds a copy meanwhile: the running request may yet kill this worker.
    // So does every connection after the first of a listen: the first's request may kill it.
    const first = this.#batch++ === 0;
    // A TLS connection cannot move to another process: it gets no copy.
    const copied = (this.#holder !== undefined || !first) && !this.#tls.pinned(handle);
    if (copied) this.#held.copyUnserved(handle);
    if (this.#holder !== undefined) this.#accepted.push(handle);
    else this.#start(handle);
  };

  /** A listen that took fewer than it could closed after a poll that brought none: the worker may listen again. */
  readonly #onListenClosed = (): void => {
    this.#stopAccepting = undefined;
    this.#maybeAccept();
  };

  /** Serves an accepted connection; the worker's turn is free. */
  #start(handle: NativeHandle): void {
    const secure = this.#tls.wrap(handle);
    if (secure !== undefined) {
      // Served here to its end: no parking lot, no copy, not among the new ones that block listening.
      const socket = new MoonSocket(secure, { turns: this });
      this.take(socket);
      void this.#serve(socket, undefined);
      return;
    }
    const socket = MoonSocket.fromHandle(handle, { parking: this.#parking, turns: this });
    this.#proxyHeaders.serving(socket, handle);
    this.#held.serving(socket, handle);
    if (this.#held.idOf(socket) === 0) this.#new.accepted(socket);
    this.take(socket);
    void this.#serve(socket, undefined);
  }

  /**
   * The turn has lasted SLOT_RELEASE_MS: the connections accepted meanwhile go
   * to the supervisor, unread and marked as waiting for a worker, so that an
   * idle one serves them now (with the raw API too: nothing was read).
   */
  #handOnAccepted(): void {
    const kept: NativeHandle[] = [];
    while (this.#accepted.length > 0 && this.#parking.open) {
      const handle = this.#accepted.shift() as NativeHandle;
      if (this.#tls.pinned(handle)) {
        kept.push(handle); // a TLS connection stays: served when the turn ends
        continue;
      }
      const connection = {
        socket: null,
        handle,
        bytes: Buffer.alloc(0),
        wake: true,
        timeout: DEFAULT_PARK_TIMEOUT,
        note: undefined,
        resumeOnTimeout: false,
        proxyHeader: undefined,
      };
      this.#parking.take(connection, this.#proxyHeaders.stateOf(undefined, handle));
    }
    this.#accepted.unshift(...kept);
  }

  readonly #onAcceptError = (error: NodeJS.ErrnoException): void => {
    // That set of copies is gone; the next accept uses the next one.
    this.#stopAccepting = undefined;
    logError("accept-failed", `worker ${process.pid}: ${error.message}`, { code: error.code });
    // The pause outlasts SLOT_RELEASE_MS: another worker listens meanwhile.
    const pause = {};
    this.take(pause);
    setTimeout(() => this.give(pause), 100);
  };

  /** True when nobody holds the turn and the worker serves on: it may take a connection, a run or a resume. */
  get #idle(): boolean {
    return this.#holder === undefined && this.#state === "serving" && this.#departure === undefined;
  }

  take(holder: object): boolean {
    this.#new.asks(holder);
    if (this.#holder === holder) return true;
    if (this.#holder !== undefined || this.#state === "exiting") return false;
    this.#beginTurn(holder);
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#changed();
    return true;
  }

  /** A turn begins for `holder`: its slow-turn timer, and the record of whose request runs. */
  #beginTurn(holder: object): void {
    this.#holder = holder;
    // Another connection's request may kill this worker: new ones waiting for their first bytes outlive it.
    if (this.#new.pending) this.#new.copyWaiting(holder);
    this.#slowTurn = false;
    this.#turnRecord?.running(this.#held.idOf(holder));
    this.#armRelease();
  }

  wait(holder: object): Promise<void> {
    if (this.take(holder)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ holder, resolve }));
  }

  give(holder: object, idle?: boolean, ready?: boolean): void {
    const giving = this.#new.gives(holder, idle === true, ready === true);
    if (giving === "keep") return;
    // Waiting idle for its next request, the connection is copied to the supervisor: it outlives this worker.
    if (giving === "copy") this.#held.copy(holder);
    if (this.#holder !== holder) return;
    this.#holder = undefined;
    this.#checkRequests();
    const next = this.#waiting.shift();
    if (next !== undefined) {
      // The turn passes on: the worker stays busy.
      this.#beginTurn(next.holder);
      next.resolve();
      return;
    }
    this.#turnRecord?.running(0);
    const resumed = this.#resumesWaiting.shift();
    if (resumed !== undefined) {
      this.#startResumed(resumed.message, resumed.handle);
      return;
    }
    const accepted = this.#accepted.shift();
    if (accepted !== undefined) {
      this.#start(accepted);
      return;
    }
    this.#checkMemory();
    this.#becomeIdle();
  }

  copied(holder: object): boolean {
    return this.#held.idOf(holder) !== 0;
  }

  request(holder: object): void {
    this.#countRequest();
    this.#countsRequests.add(holder);
  }

  /** One request begun: for maxRequests, and for the next report. */
  #countRequest(): void {
    this.#requests++;
    this.#requestsToReport++;
  }

  /** maxRequests: once this worker has begun that many, it leaves as a turn ends (what it runs finishes first). */
  #checkRequests(): void {
    if (this.#requestLimit > 0 && this.#requests >= this.#requestLimit)
      this.#leave({ reason: "max-requests", code: 0 });
  }

  /** memoryLimit, checked when a turn ends (at most every MEMORY_CHECK_MS): over it, the worker leaves. */
  #checkMemory(): void {
    const limit = this.#options.memoryLimit;
    if (limit === undefined || this.#departure !== undefined) return;
    const now = performance.now();
    if (now - this.#memoryCheckedAt < MEMORY_CHECK_MS) return;
    this.#memoryCheckedAt = now;
    if (process.memoryUsage.rss() > limit) this.#leave({ reason: "memory-limit", code: 0 });
  }

  /**
   * Runs connect for a connection (or a run) to its end. It holds the turn
   * when connect begins: one accepted while another connection's request
   * runs (the worker listens on between requests) waits for it first.
   */
  async #serve(
    socket: MoonSocket,
    run: { name: string; kind: "interval" | "main" } | undefined,
  ): Promise<void> {
    this.#handlers++;
    this.#took++;
    let result: unknown;
    let failed = false;
    let served = true;
    try {
      // A PROXY header is read first, the worker serving others meanwhile: it comes with the
      // connection from a proxy, but may come late from anyone else.
      served = run !== undefined || (await this.#readProxyHeader(socket));
      if (this.#holder !== socket) await this.wait(socket);
      result = served ? await this.#options.connect(socket) : true;
    } catch (error) {
      failed = true;
      logError("connect-failed", `worker ${process.pid}: connect failed: ${describe(error)}`);
    }
    // A connect call that did not count its requests was one.
    if (served && run === undefined && !this.#countsRequests.has(socket)) this.#countRequest();
    // The timers are the turn's: a handler that returns while another holds it leaves them.
    const holding = this.#holder === socket;
    if (holding) resetTimeouts();
    if (failed) this.#leave({ reason: "handler-error", code: 1 });
    else if (result !== true) this.#leave({ reason: "connect-not-true", code: 0 });
    if (!socket.closed) {
      // Leaving: wait (bounded) for the data to go out before the process ends.
      await socket.close(this.#departure !== undefined ? LAST_CLOSE_SECONDS : 0).catch(() => {});
    }
    if (run !== undefined) send({ t: "run-done", name: run.name, kind: run.kind });
    this.#new.done(socket);
    this.#held.done(socket);
    if (this.#held.hasDropped) this.#changed();
    this.#handlers--;
    this.give(socket);
    if (this.#departure !== undefined) this.#exitWhenDone();
  }

  /** Reads the socket's PROXY header if it is unread, the turn given up meanwhile; false: the connection is closed. */
  async #readProxyHeader(socket: MoonSocket): Promise<boolean> {
    if (!this.#proxyHeaders.unread(socket)) return true;
    socket.yieldTurn({ idle: true });
    return this.#proxyHeaders.read(socket, () => this.#held.idOf(socket));
  }

  /** Nobody holds the turn: report, and take a connection when one comes. */
  #becomeIdle(): void {
    if (this.#departure !== undefined) {
      this.#exitWhenDone();
      return;
    }
    // While connections wait for a worker (parked ones among them), say so at once: the
    // supervisor hands out waiting parked connections only to workers it knows are idle.
    if (this.#parking.wanted) this.#report();
    // Otherwise under load the next connection comes first: no "idle" for this moment.
    else this.#changed();
    const idleTimeout = this.#options.idleTimeout;
    if (idleTimeout > 0) {
      if (this.#idleTimer === undefined)
        this.#idleTimer = setTimeout(this.#onIdleTimeout, idleTimeout * 1000);
      else this.#idleTimer.refresh();
    }
    this.#maybeAccept();
  }

  readonly #onIdleTimeout = (): void => {
    if (this.#holder === undefined) this.#leave({ reason: "idle-timeout", code: 0 });
  };

  /**
   * The worker leaves: it takes no connection, run or resume any more, its
   * waiting connections are parked (or closed: the handlers see the lot's
   * `leaving`), and it exits once the last handler has returned. The first
   * reason stands.
   */
  #leave(departure: Departure): void {
    if (this.#departure !== undefined || this.#state === "exiting") return;
    this.#departure = departure;
    this.#stopAccepting?.();
    this.#stopAccepting = undefined;
    this.#refuseWaitingResumes();
    this.#parking.leave();
    if (this.#state !== "preparing") this.#exitWhenDone();
  }

  #exitWhenDone(): void {
    const departure = this.#departure;
    if (departure === undefined || this.#handlers > 0 || this.#holder !== undefined) return;
    void this.#exit(departure.reason, departure.code);
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
    titleWorker(this.#pool, "exiting");
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    if (this.#releaseTimer !== undefined) clearTimeout(this.#releaseTimer);
    if (this.#unusedTimer !== undefined) clearTimeout(this.#unusedTimer);
    this.#new.stop();
    if (this.#reportTimer !== undefined) clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    this.#closeListeners();
    this.#resumes.clear();
    // What the last report left out: stats().served counts every connection.
    const took = this.#took;
    this.#took = 0;
    const requests = this.#requestsToReport;
    this.#requestsToReport = 0;
    // Exit once the supervisor has taken this message (and so all before it: connections
    // parked just now), or after EXIT_ACK_MS if it does not say so (it may be gone).
    let ackTimer: ReturnType<typeof setTimeout> | undefined;
    const allowed = new Promise<void>((resolve) => {
      this.#exitAllowed = resolve;
      ackTimer = setTimeout(resolve, EXIT_ACK_MS);
    });
    await sendAndWait({
      t: "exiting",
      reason,
      took,
      requests,
      dropped: this.#held.takeDropped(),
    });
    if (process.connected) await allowed;
    clearTimeout(ackTimer);
    try {
      await this.#options.finish?.();
    } catch (error) {
      logError("finish-failed", `worker ${process.pid}: finish failed: ${describe(error)}`);
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
