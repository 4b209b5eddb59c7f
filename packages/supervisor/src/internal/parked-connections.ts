// The supervisor's parked connections: idle connections that workers gave
// back (MoonSocket.park), held as raw handles without a worker, each with the
// bytes its next worker reads first. A parked connection waits for its peer:
// the peer's next bytes (read once, then reading stops, and they travel with
// the connection) put it in the queue for a worker, oldest first; the peer's
// end of stream, an error or the park's timeout close it. The pool decides
// which worker takes a waiting one (pool.ts); this file never knows HTTP.

import { Histogram, type HistogramSnapshot } from "./histogram";
import { type NativeHandle, readOnce } from "./native-handles";
import type { ProxyState } from "./protocol";

export interface ParkedConnection {
  readonly id: number;
  readonly handle: NativeHandle;
  /** What the worker that takes it reads first: the park's bytes, then what came while parked. */
  bytes: Buffer;
  /** The note it was parked with, for the worker that takes it. */
  readonly note: string | undefined;
  /** Where it stands with its PROXY header (protocol.ts), for the worker that takes it; undefined: none. */
  readonly proxyHeader: ProxyState | undefined;
  /** From the backlog of this TLS listener (its id): the worker that takes it wraps it in TLS. */
  readonly tls: number | undefined;
  /** While it waits for its peer: stops that wait. */
  stopWaiting: (() => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When it joined the queue for a worker (performance.now() ms); 0: it has not. */
  waitingSince: number;
}

/** Counters of the parked connections (part of the pool's stats). */
export interface ParkingStats {
  /** Connections parked now (waiting for their peer, or for a worker). */
  parked: number;
  /** Of them, those whose peer has sent bytes, waiting for a worker. */
  waiting: number;
  /** The most parked at once since the start. */
  parkedMax: number;
  /** Connections workers parked, and connections workers took back, since the start. */
  parks: number;
  resumes: number;
}

/** How a connection is parked: see {@link ParkedConnections.add}. */
export interface ParkHow {
  wake: boolean;
  timeout: number;
  note: string | undefined;
  resumeOnTimeout: boolean;
  proxyHeader?: ProxyState | undefined;
  tls?: number | undefined;
}

export class ParkedConnections {
  readonly #held = new Map<number, ParkedConnection>();
  /** Connections whose peer sent bytes, oldest first, waiting for a worker. */
  readonly #waiting: ParkedConnection[] = [];
  readonly #onWaiting: () => void;
  #nextId = 0;
  #parkedMax = 0;
  #parks = 0;
  #resumes = 0;
  /** How long connections waited in the queue for a worker, seconds. */
  readonly #waits = new Histogram();

  /** `onWaiting` is called when a connection joins the queue for a worker. */
  constructor(onWaiting: () => void) {
    this.#onWaiting = onWaiting;
  }

  get size(): number {
    return this.#held.size;
  }

  stats(): ParkingStats {
    return {
      parked: this.#held.size,
      waiting: this.#waiting.length,
      parkedMax: this.#parkedMax,
      parks: this.#parks,
      resumes: this.#resumes,
    };
  }

  /**
   * Holds a connection a worker parked. `wake`: its peer has sent bytes
   * already (among `bytes`), so it waits for a worker at once. `timeout`:
   * seconds to wait for the peer; 0: no limit; then it is closed, or, with
   * `resumeOnTimeout`, queued for a worker as if the peer had spoken.
   */
  add(handle: NativeHandle, bytes: Buffer, how: ParkHow): void {
    const { wake, timeout, note } = how;
    const connection: ParkedConnection = {
      id: ++this.#nextId,
      handle,
      bytes,
      note,
      proxyHeader: how.proxyHeader,
      tls: how.tls,
      stopWaiting: undefined,
      timer: undefined,
      waitingSince: 0,
    };
    this.#held.set(connection.id, connection);
    this.#parks++;
    if (this.#held.size > this.#parkedMax) this.#parkedMax = this.#held.size;
    if (wake) {
      this.#enqueue(connection);
      return;
    }
    connection.stopWaiting = readOnce(handle, (more) => this.#onPeer(connection, more));
    if (timeout > 0) {
      const expire = how.resumeOnTimeout
        ? () => this.#wake(connection)
        : () => this.#close(connection);
      connection.timer = setTimeout(expire, timeout * 1000);
      connection.timer.unref();
    }
  }

  /** The connection waiting longest for a worker, taken out of the queue (it stays held until released). */
  next(): ParkedConnection | undefined {
    return this.#waiting.shift();
  }

  /** Connections waiting for a worker. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** A connection given to a worker came back unused (refused, or the worker died): first in line again. */
  putBack(connection: ParkedConnection): void {
    if (!this.#held.has(connection.id)) return;
    this.#waiting.unshift(connection);
    this.#onWaiting();
  }

  /**
   * A worker took the connection: it is no longer parked, and the
   * supervisor's copy of the handle is returned (the worker's copy now, see
   * connection-copies.ts); undefined if it was not held.
   */
  release(connection: ParkedConnection): NativeHandle | undefined {
    if (!this.#held.delete(connection.id)) return undefined;
    this.#resumes++;
    if (connection.waitingSince > 0)
      this.#waits.observe((performance.now() - connection.waitingSince) / 1000);
    return connection.handle;
  }

  /**
   * Closes every connection still waiting for its peer; those whose peer
   * has spoken stay, for a worker (the pool stops, its grace over).
   */
  closeSilent(): void {
    for (const connection of [...this.#held.values()])
      if (connection.stopWaiting !== undefined) this.#close(connection);
  }

  /** Closes every parked connection (the pool stops). */
  closeAll(): void {
    for (const connection of [...this.#held.values()]) this.#close(connection);
    this.#waiting.length = 0;
  }

  #onPeer(connection: ParkedConnection, more: Buffer | null): void {
    connection.stopWaiting = undefined;
    if (more === null) {
      this.#close(connection); // the peer closed (or reset) while parked
      return;
    }
    connection.bytes =
      connection.bytes.length === 0 ? more : Buffer.concat([connection.bytes, more]);
    this.#enqueue(connection);
  }

  /** Its timeout ran out and its worker wants it back: to the queue, no new bytes. */
  #wake(connection: ParkedConnection): void {
    connection.timer = undefined;
    connection.stopWaiting?.();
    connection.stopWaiting = undefined;
    this.#enqueue(connection);
  }

  #enqueue(connection: ParkedConnection): void {
    if (connection.timer !== undefined) clearTimeout(connection.timer);
    connection.timer = undefined;
    // A connection put back (its worker refused it, or died) keeps its place and its time.
    connection.waitingSince ||= performance.now();
    this.#waiting.push(connection);
    this.#onWaiting();
  }

  /** How long the connections workers took had waited in the queue for one. */
  queueWaits(): HistogramSnapshot {
    return this.#waits.snapshot();
  }

  #close(connection: ParkedConnection): void {
    if (!this.#held.delete(connection.id)) return;
    connection.stopWaiting?.();
    connection.stopWaiting = undefined;
    if (connection.timer !== undefined) clearTimeout(connection.timer);
    const at = this.#waiting.indexOf(connection);
    if (at !== -1) this.#waiting.splice(at, 1);
    connection.handle.close();
  }
}
