// A worker's new connections: accepted here, no request run yet, and no
// copy in the supervisor (connection-copies.ts). Were the worker to take
// another connection whose request kills it, these would die with it; so
// it listens again only once there are none (the runtime asks `pending`).
// One whose bytes come runs its request (after the HTTP module's look for a
// departed client, during which it is "ready"), then waits between requests
// and is copied as any other. One that has read part of a head leaves the
// list uncopied: a gap, its bytes cannot go with a copy, and a slow head
// must not keep the worker from listening. One still waiting for its first
// bytes is copied before another's request runs, and when the worker would
// listen (settleSoon): after the next poll, where libuv reads what came, if
// IDLE_RUN connections in a row sent nothing (a burst of idle connections,
// which must not wait in the backlog behind each other), else after
// FRESH_WAIT_MS (a client slow to send, its CPU shared: a copy, a handle
// pass, costs more than the wait).

/** Longest a worker waits for a new connection's first bytes before it copies the connection and listens again. */
const FRESH_WAIT_MS = 1;

/** New connections in a row that sent nothing within their wait: from then on the next is copied after a poll. */
const IDLE_RUN = 8;

/**
 * How a new connection stands: accepted and holding the turn ("new"),
 * waiting for its first bytes with nothing read ("unread": it may be
 * copied), asking for the turn with bytes read ("read"), or with its request
 * here, taking the turn back in a moment ("ready").
 */
type Stand = "new" | "unread" | "read" | "ready";

/** What the runtime does when a holder gives the turn back (see gives()). */
export type Giving = "give" | "keep" | "copy";

export class NewConnections {
  readonly #stands = new Map<object, Stand>();
  /** Copies a waiting connection into the supervisor. */
  readonly #copy: (socket: object) => void;
  /** Called when a settleSoon() is due: the worker may listen now. */
  readonly #settled: () => void;
  /** Connections copied in a row because they sent nothing in time (0 after one that did). */
  #idleRun = 0;
  #afterPoll = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(copy: (socket: object) => void, settled: () => void) {
    this.#copy = copy;
    this.#settled = settled;
  }

  /** Some new connection keeps the worker from listening. */
  get pending(): boolean {
    return this.#stands.size > 0;
  }

  /**
   * IDLE_RUN new connections in a row sent nothing in time: a burst of idle
   * connections, which the worker takes several per listen (each after the
   * first copied at once) rather than one at a time behind each other's wait.
   */
  get burst(): boolean {
    return this.#idleRun >= IDLE_RUN;
  }

  /** A connection accepted here, with no copy, holding the turn. */
  accepted(socket: object): void {
    this.#stands.set(socket, "new");
  }

  /** `socket` asks for the turn: a new one does so once its first bytes came (read by then). */
  asks(socket: object): void {
    if (this.#stands.get(socket) !== "unread") return;
    this.#stands.set(socket, "read");
    this.#idleRun = 0;
  }

  /**
   * `socket` gives the turn back, `idle` (nothing of a request read) or
   * `ready` (its request is here): "keep" when it had better keep the turn
   * (ready, and not new: a head that came in parts), "copy" when it now
   * waits between requests (the supervisor should hold a copy), else "give".
   */
  gives(socket: object, idle: boolean, ready: boolean): Giving {
    const stands = this.#stands.get(socket);
    if (ready) {
      if (stands === undefined) return "keep";
      this.#stands.set(socket, "ready");
      return "give";
    }
    if (idle && (stands === "new" || stands === "unread")) {
      this.#stands.set(socket, "unread");
      return "give";
    }
    if (stands !== undefined) this.#stands.delete(socket);
    return idle ? "copy" : "give";
  }

  /** The handler is done with `socket`. */
  done(socket: object): void {
    this.#stands.delete(socket);
  }

  /** Copies every connection waiting for its first bytes, but `holder`'s: another's request is to run, or another connection to be taken. */
  copyWaiting(holder: object | undefined): void {
    for (const [socket, stands] of this.#stands) {
      if (stands !== "unread" || socket === holder) continue;
      this.#copy(socket);
      this.#stands.delete(socket);
      this.#idleRun++;
    }
  }

  /** The worker would listen: copies those still waiting in a moment (see the top), then calls `settled`. */
  settleSoon(): void {
    if (this.#timer !== undefined || this.#afterPoll) return;
    if (this.burst) {
      this.#afterPoll = true;
      setImmediate(this.#nextImmediate);
    } else this.#timer = setTimeout(this.#settle, FRESH_WAIT_MS);
  }

  // An immediate runs before the next poll, its own immediate after it.
  readonly #nextImmediate = (): void => {
    setImmediate(this.#settle);
  };

  readonly #settle = (): void => {
    this.#afterPoll = false;
    this.stop();
    this.copyWaiting(undefined);
    this.#settled();
  };

  /** No settling due any more (the worker exits). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
