// The supervisor's side of one listen() call: it binds the listeners, keeps
// the pool between minFork and maxFork with preFork idle spares, keeps
// SPARE_COPIES sets of listener copies ahead in each worker, lets the most
// recently idle few listen (worker-choice.ts), runs interval and main
// listeners in idle workers, holds the connections workers park and hands
// them back to idle workers when their peers send more (parked-connections.ts),
// and replaces workers that fail. It never blocks on a worker and never
// accepts a connection itself.

import { SupervisorError } from "./errors";
import {
  type BoundAddress,
  type BoundListener,
  bindListeners,
  closeListeners,
  removeSocketFiles,
} from "./internal/bind-listeners";
import { exitVerdict } from "./internal/exit-reason";
import { forkWorker } from "./internal/fork-worker";
import { handleSender } from "./internal/handle-channel";
import { IntervalSchedule } from "./internal/interval-schedule";
import { debug, log, logError } from "./internal/log";
import { killOversized } from "./internal/memory-watch";
import { type MetricsServer, serveMetrics } from "./internal/metrics-server";
import { metricsText } from "./internal/metrics-text";
import { acceptBacklogAndClose } from "./internal/native-handles";
import type { ParkingStats } from "./internal/parked-connections";
import { ParkingDesk } from "./internal/parking-desk";
import { forkErrorWait, planSize } from "./internal/pool-size";
import { processState } from "./internal/process-state";
import { type FromWorker, SPARE_COPIES, type ToWorker } from "./internal/protocol";
import { inheritedSockets } from "./internal/socket-activation";
import { openTurnFile, readTurnFile } from "./internal/turn-file";
import {
  holdsSlot,
  idleWorker,
  LISTENING_SLOTS,
  slotsToGrant,
  slotsToTrim,
} from "./internal/worker-choice";
import {
  applyReport,
  copiesSent,
  markExiting,
  markListenersClosed,
  markReady,
  markRetiring,
  newWorker,
  type Run,
  runOver,
  runSent,
  setSlot,
  type Worker,
  type WorkerState,
} from "./internal/worker-record";
import type { ResolvedOptions } from "./options";

export type { BoundAddress } from "./internal/bind-listeners";

/** Workers in a row exiting because connect did not return true, before it is logged (once). */
const NOT_TRUE_IN_A_ROW = 5;

/**
 * Milliseconds a stopping pool keeps connections that wait for their
 * client's next request (parked, or idle in a worker that is leaving): a
 * keep-alive client may have sent one right after a response that did not
 * say `Connection: close` yet. Those that send one are served; the rest close.
 */
const STOP_GRACE_MS = 1000;

/** Counters of a pool, for monitoring (`moonbridge --stats`); idle, busy and served as workers last reported (within 20 ms). */
export interface PoolStats extends ParkingStats {
  workers: number;
  idle: number;
  busy: number;
  starting: number;
  /** Of the workers, those allowed to listen (a few at most; they count as idle or busy too). */
  listening: number;
  /** Connections (new and resumed) and runs taken by workers since the start. */
  served: number;
  /** Requests workers began since the start: each HTTP request; a raw connect call that counts none is one. */
  requests: number;
  forks: number;
  /** Worker exits by reason: "retired", "idle-timeout", "connect-not-true", "crashed", "killed", ... */
  exits: Record<string, number>;
  /** Connections workers serve between requests that the supervisor holds a copy of (one descriptor each). */
  copies: number;
}

/**
 * One pool of worker processes, made by listen() in the supervisor process.
 * `ready` resolves with the bound addresses once connections are accepted.
 */
export class Pool {
  readonly role = "supervisor";
  /** Resolves with the bound addresses (real ports) once the listeners accept; rejects with BIND_FAILED. */
  readonly ready: Promise<BoundAddress[]>;
  /** The bound addresses; empty until bound. */
  addresses: BoundAddress[] = [];
  /** Where the metrics option's server listens, once `ready`; undefined without it. */
  metricsAddress: { host: string; port: number } | undefined;

  readonly #options: ResolvedOptions;
  readonly #index: number;
  readonly #workers = new Set<Worker>();
  #listeners: BoundListener[] = [];
  readonly #intervals: IntervalSchedule;
  readonly #pendingRuns: Run[] = [];
  #nextForkAt = 0;
  /** Bumped by each reload(): workers of an older one are replaced. */
  #generation = 0;
  #reloading = false;
  /** What reload() calls wait for: the reload's end (done, abandoned, or the pool stops). */
  readonly #reloadWaiters: Array<() => void> = [];
  /** Workers that failed to start in a row: the wait before the next fork doubles with each. */
  #startFailures = 0;
  /** Started workers that crashed or were killed and are not replaced yet: replaced at once. */
  #owed = 0;
  /** Workers in a row that exited because connect did not return true; logged once. */
  #notTrue = 0;
  #notTrueLogged = false;
  #lastRetireAt = 0;
  /** Since when the pool has lacked spare workers (pool-size.ts); undefined while it has them. */
  #shortSince: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #memoryTimer: ReturnType<typeof setInterval> | undefined;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #stopping: Promise<void> | undefined;
  #markReady: (() => void) | undefined;
  #onAllExited: (() => void) | undefined;
  readonly #parking: ParkingDesk<Worker>;
  #served = 0;
  #requests = 0;
  #metricsServer: MetricsServer | undefined;
  #forks = 0;
  readonly #exits: Record<string, number> = {};

  /** @internal listen() makes pools; `index` is the listen() call's number, which workers use to find theirs. */
  constructor(options: ResolvedOptions, index: number) {
    this.#options = options;
    this.#index = index;
    this.#intervals = new IntervalSchedule(options.listeners, (name) => {
      this.#pendingRuns.push({ name, kind: "interval" });
      this.#dispatchRuns();
    });
    this.#parking = new ParkingDesk<Worker>({
      workers: this.#workers,
      maxFork: options.maxFork,
      maxParked: options.maxParked,
      proxied: options.listeners.some((listener) => "proxyProtocol" in listener),
      send: (worker, message) => this.#send(worker, message),
    });
    this.ready = this.#start();
    // A failure to bind is reported through `ready`; an unhandled one still ends the process.
  }

  /** The pool's statistics in the Prometheus text format (what the metrics option serves). */
  metrics(): string {
    return metricsText(this.stats(), this.#index, this.#parking.queueWaits());
  }

  /** Counters for monitoring. */
  stats(): PoolStats {
    const count = (state: WorkerState) =>
      [...this.#workers].filter((worker) => worker.state === state).length;
    return {
      workers: this.#workers.size,
      idle: count("idle"),
      busy: count("busy"),
      starting: count("starting"),
      listening: [...this.#workers].filter(holdsSlot).length,
      served: this.#served,
      requests: this.#requests,
      forks: this.#forks,
      exits: { ...this.#exits },
      ...this.#parking.stats(),
    };
  }

  /**
   * Replaces every worker without refusing a connection (what SIGHUP does):
   * new workers start (loading the application module again) one at a
   * time, and each that becomes ready retires one old worker (an idle one
   * first; a busy one finishes its connection). If a new worker cannot start,
   * the reload is abandoned and the old workers serve on (the log says why).
   * Resolves when it ends: done, abandoned, or the pool stops (never rejects).
   */
  reload(): Promise<void> {
    if (this.#stopping !== undefined) return Promise.resolve();
    this.#generation++;
    this.#reloading = true;
    const ended = new Promise<void>((resolve) => this.#reloadWaiters.push(resolve));
    if (this.#oldWorkers() === 0) this.#endReload();
    this.#adjust();
    return ended;
  }

  /**
   * Stops the pool: no new workers, idle ones exit, busy ones finish their
   * connection (killed after shutdownTimeout); then the listeners are closed
   * and Unix socket files removed. Resolves when all is done.
   */
  stop(): Promise<void> {
    if (this.#stopping === undefined) this.#stopping = this.#drain();
    return this.#stopping;
  }

  async #start(): Promise<BoundAddress[]> {
    const listening = new Promise<void>((resolve) => {
      this.#markReady = resolve;
    });
    this.#listeners = await bindListeners(this.#options.listeners, inheritedSockets());
    this.addresses = this.#listeners.map((listener) => listener.address);
    const metrics = this.#options.metrics;
    if (metrics !== undefined) {
      try {
        this.#metricsServer = await serveMetrics(metrics.host, metrics.port, () => this.metrics());
      } catch (error) {
        await closeListeners(this.#listeners);
        throw new SupervisorError(
          "BIND_FAILED",
          `@moonbridge/supervisor: metrics: cannot listen on ${metrics.host}:${metrics.port}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      this.metricsAddress = { host: this.#metricsServer.host, port: this.#metricsServer.port };
    }
    for (const listener of this.#options.listeners) {
      if (listener.proto === "main")
        this.#pendingRuns.push({ name: listener.name ?? "", kind: "main" });
    }
    this.#intervals.start();
    const statsEvery = Number(process.env.MOONBRIDGE_STATS ?? 0);
    if (statsEvery > 0) {
      this.#statsTimer = setInterval(() => {
        const stats = this.stats();
        log("stats", `pool ${this.#index}: ${JSON.stringify(stats)}`, {
          pool: this.#index,
          ...stats,
        });
      }, statsEvery * 1000);
      this.#statsTimer.unref();
    }
    const limit = this.#options.memoryLimit;
    if (limit !== undefined) {
      this.#memoryTimer = setInterval(() => killOversized(this.#workers, limit), 1000);
      this.#memoryTimer.unref();
    }
    this.#adjust();
    if (this.#listeners.length > 0) await listening;
    return this.addresses;
  }

  // --- workers ---

  #fork(): void {
    const turnFd = openTurnFile();
    const child = forkWorker(this.#index, this.#forks + 1, this.#options, turnFd);
    const handles = handleSender(child, () => child.kill("SIGKILL"));
    const worker = newWorker(child, handles, turnFd, this.#generation);
    this.#workers.add(worker);
    this.#forks++;
    debug("worker-forked", `pool ${this.#index}: forked worker ${child.pid}`, {
      pool: this.#index,
      worker: child.pid,
    });
    this.#parking.attach(worker);
    child.on("message", (message: FromWorker) => this.#onMessage(worker, message));
    child.on("exit", (code, signal) => this.#onExit(worker, code, signal));
    child.on("error", () => {}); // a failed send to a dead worker; its exit is handled above
  }

  #send(worker: Worker, message: ToWorker): void {
    if (!worker.child.connected) return;
    worker.child.send(message, (error) => {
      if (error) worker.child.kill("SIGKILL");
    });
  }

  /** Sends sets of listener copies until the worker has SPARE_COPIES of them ahead. */
  #topUp(worker: Worker): void {
    if (this.#stopping !== undefined || worker.retiring || !worker.child.connected) return;
    while (worker.sets < SPARE_COPIES) {
      for (const listener of this.#listeners) {
        if (!worker.handles.send("copy", listener.id, listener.handle)) {
          worker.child.kill("SIGKILL"); // its pipe is broken: its exit is handled
          return;
        }
      }
      copiesSent(worker, 1);
    }
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    if (typeof message !== "object" || message === null) return;
    if (this.#parking.onMessage(worker, message)) return;
    switch (message.t) {
      case "ready":
        this.#startFailures = 0;
        markReady(worker, Date.now());
        if (this.#reloading) this.#replaceOne();
        this.#parking.greet(worker);
        this.#topUp(worker);
        break;
      case "accepting":
        this.#markReady?.();
        return;
      case "report": {
        this.#served += message.took;
        this.#requests += message.requests;
        if (message.released)
          debug(
            "slot-released",
            `pool ${this.#index}: worker ${worker.child.pid} handed its slot back`,
            { pool: this.#index, worker: worker.child.pid },
          );
        const { becameIdle } = applyReport(worker, message, Date.now());
        // Only idle slot holders count here: the busy ones may wait long.
        if (message.unused && worker.slot && this.#slotsHeld("idle") > LISTENING_SLOTS)
          this.#unlisten(worker);
        this.#topUp(worker);
        if (becameIdle) this.#trimSlots();
        break;
      }
      case "run-refused":
        runOver(worker);
        this.#pendingRuns.unshift({ name: message.name, kind: message.kind });
        break;
      case "run-done":
        runOver(worker);
        this.#runEnded(message.name, message.kind);
        break;
      case "exiting":
        markExiting(worker, message.reason);
        this.#served += message.took;
        this.#requests += message.requests;
        // A worker replaced by design (maxRequests, memoryLimit) is replaced now, not after
        // forkDelay: at a steady rate of such exits the pool would otherwise shrink.
        if (message.reason === "max-requests" || message.reason === "memory-limit") this.#owed++;
        this.#send(worker, { t: "exit-ok" });
        break;
      case "listeners-closed":
        markListenersClosed(worker);
        return;
      case "stats?": {
        const pool = processState().pools[message.pool];
        this.#send(worker, {
          t: "stats",
          id: message.id,
          pool: message.pool,
          stats: pool?.stats() ?? null,
        });
        return;
      }
      default:
        return;
    }
    this.#reconcile();
  }

  /**
   * After anything changed (a message, an exit): brings the pool to what it
   * should be, in this order, as gunicorn's arbiter does after each wake-up:
   * pending runs and parked connections with a request go to workers, free
   * listening slots to idle workers, the pool forks or retires, and the
   * workers learn whether parking is open and wanted.
   */
  #reconcile(): void {
    // Each step knows what a stopping pool still does: parked requests still go to workers.
    this.#dispatchRuns();
    this.#parking.dispatch();
    this.#grantSlots();
    this.#adjust();
    this.#parking.update();
  }

  #onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker);
    const pid = worker.child.pid;
    const { reason, failure } = exitVerdict(
      worker.reason,
      worker.state === "starting",
      code,
      signal,
    );
    this.#exits[reason] = (this.#exits[reason] ?? 0) + 1;
    this.#noteNotTrue(reason);
    const about = { pool: this.#index, worker: pid, reason };
    if (failure === undefined)
      debug("worker-exited", `pool ${this.#index}: worker ${pid} exited (${reason})`, about);
    else if (this.#stopping !== undefined)
      logError("worker-failed", `worker ${pid} ${failure}`, about);
    else if (reason === "failed-to-start" && this.#reloading) {
      // The new version does not start: keep the old workers serving.
      this.#endReload();
      logError(
        "reload-abandoned",
        `worker ${pid} ${failure}: reload abandoned, ${this.#oldWorkers()} workers of the running version serve on (fix the application and send SIGHUP again)`,
        about,
      );
      this.#startFailures++;
    } else if (reason === "failed-to-start") {
      // A crash loop: wait, twice as long after each failure in a row (capped).
      this.#startFailures++;
      const wait = forkErrorWait(this.#options.forkErrorDelay, this.#startFailures);
      logError("worker-failed", `worker ${pid} ${failure}; trying again in ${wait} s`, {
        ...about,
        retryInSeconds: wait,
      });
      this.#nextForkAt = Math.max(this.#nextForkAt, Date.now() + wait * 1000);
    } else {
      // It had started: what killed it was its connection's, not the app's start. Replace it now.
      logError("worker-failed", `worker ${pid} ${failure}; replacing it`, about);
      this.#owed++;
    }

    if (worker.run !== undefined) this.#runEnded(worker.run.name, worker.run.kind);
    // The connection whose request ran is lost with it; the others it served wait here for their next.
    this.#parking.onExit(worker, worker.turnFd === undefined ? 0 : readTurnFile(worker.turnFd));
    this.#reconcile();
    if (this.#stopping !== undefined && this.#workers.size === 0) this.#onAllExited?.();
  }

  #retire(worker: Worker): void {
    if (worker.retiring) return;
    markRetiring(worker);
    this.#send(worker, { t: "retire" });
    this.#grantSlots(); // its slot, if it held one, goes to another
  }

  /** Workers holding a slot (of them, the idle ones only, as last reported). */
  #slotsHeld(only?: "idle"): number {
    let held = 0;
    for (const worker of this.#workers)
      if (holdsSlot(worker) && (only === undefined || worker.state === "idle")) held++;
    return held;
  }

  #unlisten(worker: Worker): void {
    setSlot(worker, false);
    this.#send(worker, { t: "unlisten" });
    debug("worker-unlisten", `pool ${this.#index}: worker ${worker.child.pid} stops listening`, {
      pool: this.#index,
      worker: worker.child.pid,
    });
  }

  /**
   * Beyond LISTENING_SLOTS idle slot holders, the ones idle longest stop
   * listening at once (slotsToTrim). Waiting for them to report a slot unused
   * is not enough: under a load of short connections each listener gets one
   * often enough never to be unused, and every connection wakes them all.
   */
  #trimSlots(): void {
    for (const worker of slotsToTrim(this.#workers, LISTENING_SLOTS)) this.#unlisten(worker);
  }

  /** Tells the most recently idle workers without a slot to listen, until `limit` hold one. */
  #grantSlots(): void {
    if (this.#stopping !== undefined) return;
    for (const worker of slotsToGrant(this.#workers, LISTENING_SLOTS)) {
      if (!worker.child.connected) continue;
      setSlot(worker, true);
      this.#send(worker, { t: "listen" });
      debug("worker-listen", `pool ${this.#index}: worker ${worker.child.pid} listens`, {
        pool: this.#index,
        worker: worker.child.pid,
      });
    }
  }

  /** Forks and retires as the options ask; schedules itself for when a delay ends. */
  #adjust(): void {
    if (this.#stopping !== undefined) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = Date.now();
    // Workers that crashed or were killed after starting are replaced at once,
    // each of them, up to maxFork (a crash loop at start waits: forkErrorWait).
    if (this.#startFailures > 0) this.#owed = 0;
    for (; this.#owed > 0 && this.#active() < this.#options.maxFork; this.#owed--) this.#fork();
    this.#owed = 0;
    // A reload starts its new workers one at a time, beside the old ones (one beyond maxFork at most).
    if (this.#reloading && now >= this.#nextForkAt && !this.#newStarting()) {
      this.#fork();
      this.#nextForkAt = now + this.#options.forkDelay * 1000;
    }
    const plan = planSize(
      this.#workers,
      this.#options,
      now,
      this.#parking.starved,
      this.#nextForkAt,
      this.#lastRetireAt,
      this.#shortSince,
    );
    this.#shortSince = plan.short ? (this.#shortSince ?? now) : undefined;
    if (plan.fork) {
      this.#fork();
      this.#nextForkAt = now + this.#options.forkDelay * 1000;
    }
    if (plan.retire !== undefined) {
      this.#lastRetireAt = now;
      this.#retire(plan.retire);
    }
    // After a fork, look again when the next may be due.
    let wake = plan.fork ? Math.min(plan.wake, this.#nextForkAt) : plan.wake;
    // A reload's next new worker waits for the fork delay (its "ready" brings us back otherwise).
    if (this.#reloading && !this.#newStarting() && this.#nextForkAt > now)
      wake = Math.min(wake, this.#nextForkAt);
    if (wake !== Number.POSITIVE_INFINITY) {
      this.#timer = setTimeout(() => this.#adjust(), Math.max(1, wake - now));
    }
  }

  /** Workers of an older generation (before the last reload()) that are not retiring. */
  #oldWorkers(): number {
    let old = 0;
    for (const worker of this.#workers)
      if (worker.generation < this.#generation && !worker.retiring && worker.state !== "exiting")
        old++;
    return old;
  }

  #endReload(): void {
    this.#reloading = false;
    for (const resolve of this.#reloadWaiters.splice(0)) resolve();
  }

  /** A new worker is ready during a reload: one old worker retires (an idle one first). */
  #replaceOne(): void {
    let chosen: Worker | undefined;
    for (const worker of this.#workers) {
      if (worker.generation >= this.#generation || worker.retiring || worker.state === "exiting")
        continue;
      if (chosen === undefined || (worker.state === "idle" && chosen.state !== "idle"))
        chosen = worker;
    }
    if (chosen !== undefined) this.#retire(chosen);
    if (this.#oldWorkers() === 0) {
      this.#endReload();
      log("reload-done", "reload done: every worker runs the application as loaded now", {
        pool: this.#index,
      });
    }
  }

  /** A worker of the current generation is starting. */
  #newStarting(): boolean {
    for (const worker of this.#workers)
      if (worker.generation === this.#generation && worker.state === "starting") return true;
    return false;
  }

  /** Workers that serve or will: neither retiring nor exiting. */
  #active(): number {
    let active = 0;
    for (const worker of this.#workers)
      if (!worker.retiring && worker.state !== "exiting") active++;
    return active;
  }

  /** Logs once when workers keep exiting because connect did not return exactly true. */
  #noteNotTrue(reason: string): void {
    if (reason !== "connect-not-true") {
      this.#notTrue = 0;
      return;
    }
    if (++this.#notTrue < NOT_TRUE_IN_A_ROW || this.#notTrueLogged) return;
    this.#notTrueLogged = true;
    log(
      "connect-not-true",
      `${this.#notTrue} workers in a row exited because connect did not return exactly true, each costing a fork; to serve again, return true from connect (with http.generateHandler: from the request callback)`,
      { pool: this.#index, workers: this.#notTrue },
    );
  }

  // --- interval and main runs ---

  #dispatchRuns(): void {
    while (this.#pendingRuns.length > 0 && this.#stopping === undefined) {
      // A spare (surely idle: it does not listen) before a listener.
      const worker =
        idleWorker(this.#workers, "newest", (w) => !w.slot) ?? idleWorker(this.#workers, "newest");
      if (worker === undefined) return;
      const run = this.#pendingRuns.shift() as Run;
      const hadSlot = worker.slot;
      runSent(worker, run); // busy until it says otherwise; a refusal puts the run back
      this.#send(worker, { t: "run", name: run.name, kind: run.kind });
      if (hadSlot) this.#grantSlots();
    }
  }

  #runEnded(name: string, kind: "interval" | "main"): void {
    if (kind === "interval") this.#intervals.ended(name);
  }

  // --- stopping ---

  /**
   * Stopping, in order: (1) every worker closes its listener copies (a busy
   * one too) and starts leaving: its responses say `Connection: close`, its
   * idle connections come here parked; (2) the supervisor accepts what waits
   * in the backlog and closes the listeners, so the port refuses new
   * connections and none it took is reset; (3) for STOP_GRACE_MS, parked and
   * taken connections whose client sends a request go to idle workers; then
   * the silent ones close; (4) once no connection waits for a worker, every
   * worker retires (a busy one finishes first). Workers still there after
   * shutdownTimeout are killed.
   */
  async #drain(): Promise<void> {
    this.#endReload();
    await this.ready.catch(() => {});
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#memoryTimer !== undefined) clearInterval(this.#memoryTimer);
    if (this.#statsTimer !== undefined) clearInterval(this.#statsTimer);
    this.#intervals.stop();
    this.#pendingRuns.length = 0;
    const deadline = Date.now() + this.#options.shutdownTimeout * 1000;
    const killer = setTimeout(() => {
      for (const worker of this.#workers) {
        log(
          "worker-killed",
          `worker ${worker.child.pid} still busy after shutdownTimeout; killing it`,
          { pool: this.#index, worker: worker.child.pid, reason: "shutdown-timeout" },
        );
        worker.child.kill("SIGKILL");
      }
    }, this.#options.shutdownTimeout * 1000);
    // (1)
    for (const worker of this.#workers) {
      if (worker.state === "starting") markListenersClosed(worker); // copies come only once ready
      this.#send(worker, { t: "close-listeners" });
    }
    await this.#waitFor(
      () => [...this.#workers].every((worker) => worker.listenersClosed === true),
      deadline,
    );
    // (2)
    const handles = this.#listeners.map((listener) => listener.handle);
    let taken = 0;
    await acceptBacklogAndClose(handles, (client, at) => {
      taken++;
      const id = this.#listeners[at]?.id ?? -1;
      const listener = this.#options.listeners[id];
      const tls = listener?.proto === "tcp" && listener.tls !== undefined ? id : undefined;
      this.#parking.adopt(
        client,
        listener && "proxyProtocol" in listener ? "unread" : undefined,
        tls,
      );
    });
    log(
      "listeners-closed",
      `pool ${this.#index}: listeners closed in every process; ${taken} connections taken from the backlog`,
      { pool: this.#index, taken },
    );
    await removeSocketFiles(this.#listeners);
    await this.#metricsServer?.close();
    // (3)
    const waiting = [...this.#workers].some((worker) => worker.state === "busy");
    if (waiting || this.#parking.held > 0)
      await this.#waitFor(
        () => this.#workers.size === 0,
        Math.min(deadline, Date.now() + STOP_GRACE_MS),
      );
    this.#parking.closeSilent();
    await this.#waitFor(() => this.#parking.held === 0 || this.#workers.size === 0, deadline);
    this.#parking.stop();
    // (4)
    if (this.#workers.size > 0) {
      const allExited = new Promise<void>((resolve) => {
        this.#onAllExited = resolve;
      });
      for (const worker of this.#workers) this.#retire(worker);
      await allExited;
    }
    clearTimeout(killer);
  }

  /** Resolves once `done()` holds (checked every 20 ms) or at `deadline` (ms since the epoch). */
  async #waitFor(done: () => boolean, deadline: number): Promise<void> {
    while (!done() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
