// The supervisor's side of parking, for one pool: it matches each connection
// a worker parks with its bytes, holds it (parked-connections.ts), gives the
// ones whose peers sent more to idle workers (a spare first, as runs go), puts
// one back when its worker refuses it or dies first, and tells the workers
// whether parking is open (maxParked) and wanted (the pool is full). It also
// holds the copies of the connections workers serve (connection-copies.ts):
// when a worker dies, the one whose request ran is closed, and the others
// are parked here, to be served by other workers.

import type { ChildProcess } from "node:child_process";
import { DEFAULT_PARK_TIMEOUT } from "@moonbridge/socket";
import { type HandleSender, receiveHandles } from "./handle-channel";
import { HandlePairs } from "./handle-pairs";
import type { HistogramSnapshot } from "./histogram";
import { log, logError } from "./log";
import type { NativeHandle } from "./native-handles";
import {
  type ParkedConnection,
  ParkedConnections,
  type ParkHow,
  type ParkingStats,
} from "./parked-connections";
import type { FromWorker, ProxyState, ToWorker } from "./protocol";
import { type Candidate, idleWorker } from "./worker-choice";
import { resumeAnswered, resumeSent, resumesLost } from "./worker-record";

type ParkMessage = Extract<FromWorker, { t: "park" }>;

/**
 * How the connections of a worker that died wait here: for their next
 * request, as long as an idle keep-alive connection waits by default.
 */
const INHERITED: ParkHow = {
  wake: false,
  timeout: DEFAULT_PARK_TIMEOUT,
  note: undefined,
  resumeOnTimeout: false,
};

/** Resumes a busy worker may have in flight (sent, not answered yet). */
const RESUMES_IN_FLIGHT = 16;

/** Milliseconds "parking wanted" stays on after the pool stops needing it: no flapping under load. */
const WANTED_HOLD_MS = 50;

/**
 * Milliseconds the pool must be full (at maxFork, no worker idle) before
 * parking is wanted, unless parked connections wait: a pool sized for its
 * load is full for a moment now and then (when clients reconnect, or reports
 * lag), and parking live keep-alive connections then would cost them.
 */
const FULL_FOR_MS = 100;

/** What the desk needs of a pool's worker. */
export interface DeskWorker extends Candidate {
  child: ChildProcess;
  handles: HandleSender;
  /** An interval or main run under way in it. */
  run: unknown;
  /** Parked connections sent to it and not yet taken or refused, by id. */
  resumes: Map<number, ParkedConnection>;
  /** It refused a resume (its turn is long) since it last reported itself idle: send it none. */
  declined: boolean;
}

/** What the desk needs of its pool. */
export interface DeskPool<W extends DeskWorker> {
  readonly workers: Iterable<W>;
  readonly maxFork: number;
  readonly maxParked: number;
  /** A listener takes the PROXY protocol: workers say where each copy stands with its header ("held-proxy"). */
  readonly proxied: boolean;
  send(worker: W, message: ToWorker): void;
}

export class ParkingDesk<W extends DeskWorker> {
  readonly #pool: DeskPool<W>;
  readonly #parked = new ParkedConnections(() => this.dispatch());
  readonly #arriving = new WeakMap<W, HandlePairs<ParkMessage>>();
  /** Each worker's connections the supervisor holds a copy of, by the worker's copy id. */
  readonly #copies = new WeakMap<W, Map<number, NativeHandle>>();
  /** In a pool with a proxyProtocol listener: where each copy stands with its PROXY header (undefined: none). */
  readonly #copyProxies = new WeakMap<W, Map<number, ProxyState | undefined>>();
  /** Copies held, all workers together. */
  #copyCount = 0;
  #stopped = false;
  /** What workers were told last; when parking was last needed. */
  #open = false;
  #wanted = false;
  #neededAt = 0;
  /** Since when the pool has been full, without a break (ms); Infinity: not full. */
  #fullSince = Number.POSITIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(pool: DeskPool<W>) {
    this.#pool = pool;
  }

  /** Parked connections whose peers sent bytes, waiting for a worker. */
  get waiting(): number {
    return this.#parked.waiting;
  }

  /**
   * Of those, the ones no worker can take now, and the pool forks for: every
   * worker is in a long turn (it refused a resume), starting, running an
   * interval, or leaving. Workers busy with short requests take them (in
   * batches): more processes than CPUs would not serve them sooner.
   */
  get starved(): number {
    if (this.#parked.waiting === 0) return 0;
    for (const w of this.#pool.workers) if (mayTakeResumes(w)) return 0;
    return this.#parked.waiting;
  }

  stats(): ParkingStats & { copies: number } {
    return { ...this.#parked.stats(), copies: this.#copyCount };
  }

  /** How long connections waited for a worker, parked with their request (for the metrics). */
  queueWaits(): HistogramSnapshot {
    return this.#parked.queueWaits();
  }

  /** A new worker: the connections it parks come in through its channel. */
  attach(worker: W): void {
    const pairs = new HandlePairs<ParkMessage>((message, handle) =>
      this.#onParked(message, handle),
    );
    this.#arriving.set(worker, pairs);
    const copies = new Map<number, NativeHandle>();
    this.#copies.set(worker, copies);
    this.#copyProxies.set(worker, new Map());
    receiveHandles(worker.child, (kind, id, handle) => {
      if (kind === "conn") pairs.handle(id, handle);
      else if (kind === "held" && !this.#stopped && !copies.has(id)) {
        copies.set(id, handle);
        this.#copyCount++;
      } else handle.close(); // workers send no listener copies
    });
  }

  /** A worker is ready: it learns how parking stands. */
  greet(worker: W): void {
    this.#pool.send(worker, { t: "parking", open: this.#open, wanted: this.#wanted });
  }

  /** Takes the parking messages of a worker; false for any other message. */
  onMessage(worker: W, message: FromWorker): boolean {
    switch (message.t) {
      case "park": {
        // A connection the supervisor holds a copy of is parked as that copy: no handle follows.
        const copy = message.held === undefined ? undefined : this.#takeCopy(worker, message.held);
        if (copy !== undefined) this.#onParked(message, copy);
        else if (message.held === undefined)
          this.#arriving.get(worker)?.message(message.id, message);
        else
          logError(
            "connection-lost",
            `worker ${worker.child.pid} parked a connection whose copy is not here: it is lost`,
            { worker: worker.child.pid },
          );
        return true;
      }
      case "resumed": {
        const connection = resumeAnswered(worker, message.id, false);
        const handle = connection === undefined ? undefined : this.#parked.release(connection);
        // The supervisor's handle stays, as the worker's copy of the connection it serves now.
        if (handle !== undefined) this.#keepCopy(worker, message.held, handle);
        if (connection !== undefined && this.#pool.proxied && typeof message.held === "number")
          this.#copyProxies.get(worker)?.set(message.held, connection.proxyHeader);
        return true;
      }
      case "held-proxy":
        if (typeof message.held === "number")
          this.#copyProxies.get(worker)?.set(message.held, message.proxyHeader);
        return true;
      case "report":
      case "exiting":
        if (Array.isArray(message.dropped))
          for (const id of message.dropped) this.#takeCopy(worker, id)?.close();
        return false;
      case "resume-refused": {
        const connection = resumeAnswered(worker, message.id, true);
        if (connection !== undefined) this.#parked.putBack(connection);
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * A worker has gone: a connection it had not taken yet goes to another;
   * of those it served, the one with copy `running` (whose request ran) is
   * closed, and the others are parked here until their next request.
   */
  onExit(worker: W, running: number): void {
    this.#arriving.get(worker)?.clear();
    this.#arriving.delete(worker);
    for (const connection of resumesLost(worker)) this.#parked.putBack(connection);
    const copies = this.#copies.get(worker);
    const proxies = this.#copyProxies.get(worker);
    this.#copies.delete(worker);
    if (copies === undefined) return;
    this.#copyCount -= copies.size;
    /** Copies whose PROXY header state has not come yet. */
    const unknown = new Map<number, NativeHandle>();
    for (const [id, handle] of copies) {
      if (id === running || this.#stopped) handle.close();
      else if (this.#pool.proxied && proxies?.has(id) !== true) unknown.set(id, handle);
      else this.#inherit(handle, proxies?.get(id));
    }
    if (copies.size > unknown.size) this.update();
    if (unknown.size === 0) {
      this.#copyProxies.delete(worker);
      return;
    }
    // A copy's PROXY header state is said right after its frame, and a worker's exit may be
    // seen before that message: its channel's close comes after every message it sent. One
    // still unknown then is closed rather than misread.
    worker.child.once("close", () => {
      for (const [id, handle] of unknown) {
        if (this.#stopped || proxies?.has(id) !== true) handle.close();
        else this.#inherit(handle, proxies.get(id));
      }
      this.#copyProxies.delete(worker);
      this.update();
    });
  }

  /** A dead worker's idle connection waits here for its next request. */
  #inherit(handle: NativeHandle, proxyHeader: ProxyState | undefined): void {
    this.#parked.add(handle, Buffer.alloc(0), { ...INHERITED, proxyHeader });
  }

  #keepCopy(worker: W, id: unknown, handle: NativeHandle): void {
    const copies = this.#copies.get(worker);
    if (copies === undefined || typeof id !== "number" || copies.has(id)) {
      handle.close();
      return;
    }
    copies.set(id, handle);
    this.#copyCount++;
  }

  #takeCopy(worker: W, id: unknown): NativeHandle | undefined {
    const copies = this.#copies.get(worker);
    if (copies === undefined || typeof id !== "number") return undefined;
    const handle = copies.get(id);
    if (handle === undefined) return undefined;
    copies.delete(id);
    this.#copyProxies.get(worker)?.delete(id);
    this.#copyCount--;
    return handle;
  }

  /**
   * Gives the parked connections whose peers sent bytes to workers, longest
   * waiting first: to idle ones first; when none is idle, to the workers
   * serving requests, a few in flight each (a burst of requests on parked
   * connections goes out in batches, not a round trip at a time). A worker
   * queues what comes during a turn and refuses it once the turn is long.
   */
  dispatch(): void {
    while (this.#parked.waiting > 0) {
      const worker = this.#resumeTarget();
      if (worker === undefined) return;
      const connection = this.#parked.next() as ParkedConnection;
      resumeSent(worker, connection); // busy until it says otherwise; a refusal puts it back
      const bytes = connection.bytes.toString("base64");
      this.#pool.send(worker, {
        t: "resume",
        id: connection.id,
        bytes,
        note: connection.note,
        proxyHeader: connection.proxyHeader,
        tls: connection.tls,
      });
      // The supervisor keeps its copy until the worker answers: a worker that dies first loses nothing.
      const sent = worker.handles.send("conn", connection.id, connection.handle, (ok) => {
        if (!ok) worker.child.kill("SIGKILL"); // its exit puts the connection back
      });
      if (!sent) worker.child.kill("SIGKILL");
    }
  }

  /** The worker the next resume goes to, if any may take one now. */
  #resumeTarget(): W | undefined {
    const workers = this.#pool.workers;
    const free = (w: W) => w.run === undefined && w.resumes.size === 0 && w.child.connected;
    // A spare (surely idle: it does not listen) before a listener.
    const idle =
      idleWorker(workers, "newest", (w) => free(w) && !w.slot) ??
      idleWorker(workers, "newest", free);
    if (idle !== undefined) return idle;
    let fewest: W | undefined;
    for (const w of workers) {
      if (!mayTakeResumes(w) || w.resumes.size >= RESUMES_IN_FLIGHT) continue;
      if (fewest === undefined || w.resumes.size < fewest.resumes.size) fewest = w;
    }
    return fewest;
  }

  /**
   * Tells the workers when parking opens or closes (maxParked) and when it is
   * wanted: the pool is at maxFork and no worker is idle or starting, and parked
   * connections wait or it has been so for FULL_FOR_MS (then connections may
   * be waiting in the kernel's backlog, which cannot be seen); idle ones should go.
   */
  update(): void {
    const now = Date.now();
    const open = !this.#stopped && this.#parked.size < this.#pool.maxParked;
    let active = 0;
    let free = 0;
    for (const worker of this.#pool.workers) {
      if (worker.retiring || worker.state === "exiting") continue;
      active++;
      // A starting worker is about to take connections: the pool is not full yet.
      if (worker.state === "idle" || worker.state === "starting") free++;
    }
    const full = open && active >= this.#pool.maxFork && free === 0;
    if (!full) this.#fullSince = Number.POSITIVE_INFINITY;
    else if (this.#fullSince === Number.POSITIVE_INFINITY) this.#fullSince = now;
    // Parked connections waiting are sure to need a worker; a full pool only may have
    // connections in the backlog: a sized pool is full for a moment now and then.
    const needed = full && (this.#parked.waiting > 0 || now >= this.#fullSince + FULL_FOR_MS);
    if (needed) this.#neededAt = now;
    // Once wanted, it stays so for a moment: a full pool would flap with every report.
    const held = this.#wanted && open && now < this.#neededAt + WANTED_HOLD_MS;
    const wanted = needed || held;
    // Look again when a full pool has been full long enough, or the hold ends.
    if (!needed && (full || held) && this.#timer === undefined) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.update();
        },
        full && !needed ? FULL_FOR_MS : WANTED_HOLD_MS,
      );
      this.#timer.unref();
    }
    if (open === this.#open && wanted === this.#wanted) return;
    if (this.#open && !open && !this.#stopped) {
      log(
        "max-parked",
        `${this.#parked.size} connections parked: maxParked reached, workers keep their idle connections now (raise it, and ulimit -n, for more)`,
        { parked: this.#parked.size },
      );
    }
    this.#open = open;
    this.#wanted = wanted;
    for (const worker of this.#pool.workers) {
      if (worker.state !== "starting") this.#pool.send(worker, { t: "parking", open, wanted });
    }
  }

  /** Connections held now: waiting for their peer, for a worker, or sent to one and not yet taken. */
  get held(): number {
    return this.#parked.size;
  }

  /**
   * The pool stops and took this connection from its listener's backlog: it
   * waits here, as a parked one, for its first bytes and then a worker.
   * `proxyHeader`: "unread" when its listener takes the PROXY protocol;
   * `tls`: the listener's id when it is a TLS listener.
   */
  adopt(handle: NativeHandle, proxyHeader: ProxyState | undefined, tls: number | undefined): void {
    const how = {
      wake: false,
      timeout: 0,
      note: undefined,
      resumeOnTimeout: false,
      proxyHeader,
      tls,
    };
    this.#parked.add(handle, Buffer.alloc(0), how);
  }

  /**
   * The stopping pool's grace is over: connections whose peer has not spoken
   * are closed, none is parked any more; those whose peer sent a request
   * still go to workers as they become idle.
   */
  closeSilent(): void {
    this.#stopped = true;
    this.#parked.closeSilent();
    this.update();
    this.dispatch();
  }

  /**
   * The pool stops: connections whose peers sent a request go to idle
   * workers if there are any; the others are closed (an idle connection may
   * be closed at any time), and nothing is parked any more.
   */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.dispatch();
    this.#stopped = true;
    this.#parked.closeAll();
    this.update();
  }

  #onParked(message: ParkMessage, handle: NativeHandle): void {
    if (this.#stopped) {
      handle.close(); // what stopping does to every parked connection
      return;
    }
    this.#parked.add(handle, Buffer.from(message.bytes, "base64"), {
      wake: message.wake,
      timeout: message.timeout,
      note: typeof message.note === "string" ? message.note : undefined,
      resumeOnTimeout: message.resumeOnTimeout === true,
      proxyHeader: message.proxyHeader,
    });
    this.update();
  }
}

/** A worker that serves and is in no long turn: it takes resumes (queued behind a short turn). */
function mayTakeResumes(w: DeskWorker): boolean {
  const serving = w.state === "idle" || w.state === "busy";
  return serving && !w.retiring && w.run === undefined && !w.declined && w.child.connected;
}
