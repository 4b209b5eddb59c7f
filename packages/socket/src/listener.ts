// MoonListener: a net.Server whose connections wait, unread, until someone
// accepts them as MoonSockets; poll() can wait on it like on a socket. For
// code that accepts in its own rhythm (a pool, a main handler) instead of
// taking every connection as Node hands it over.

import type { Server, Socket } from "node:net";
import { MoonSocketError } from "./errors";
import { resolveListenerOptions } from "./internal/options";
import { READABLE, type Readiness, Signal } from "./internal/readiness";
import { reset } from "./internal/reset";
import { MoonSocket, type MoonSocketOptions } from "./moon-socket";

/** Options of {@link MoonListener}: those of the sockets it makes, and its queue bound. */
export interface MoonListenerOptions extends Omit<MoonSocketOptions, "interval" | "unread"> {
  /** Connections waiting to be accepted; beyond this, new ones are reset. @default 1024 */
  maxPending?: number;
}

/**
 * Queues the connections of `server` (paused, nothing read) until `accept()`.
 *
 * @example
 * ```ts
 * const listener = new MoonListener(net.createServer().listen(0, "127.0.0.1"));
 * const socket = await listener.accept(); // MoonSocket, or null once closed
 * ```
 */
export class MoonListener {
  /** The server underneath. */
  readonly server: Server;
  /** Connections reset because `maxPending` were already waiting. */
  dropped = 0;
  readonly #options: MoonSocketOptions;
  readonly #maxPending: number;
  #pending: Socket[] = [];
  #waiters: Array<(socket: MoonSocket | null) => void> = [];
  #closed = false;
  readonly #readiness: Readiness;

  constructor(server: Server, options: MoonListenerOptions = {}) {
    // A bad socket option fails here, not at the first connection.
    const { maxPending, socketOptions } = resolveListenerOptions(options);
    this.#maxPending = maxPending;
    this.#options = socketOptions;
    this.server = server;
    const signal = new Signal();
    this.#readiness = { signal, ready: () => this.#pending.length > 0 || this.#closed };
    server.on("connection", this.#onConnection);
    server.on("close", this.#onClose);
  }

  get [READABLE](): Readiness {
    return this.#readiness;
  }

  /** Connections waiting to be accepted. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Resolves with the next connection, or `null` once the listener is closed. */
  accept(): Promise<MoonSocket | null> {
    const now = this.acceptNb();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next connection if one waits, `undefined` if none does, `null` once closed. */
  acceptNb(): MoonSocket | null | undefined {
    const socket = this.#pending.shift();
    if (socket !== undefined) return new MoonSocket(socket, this.#options);
    return this.#closed ? null : undefined;
  }

  /** Stops listening; connections still waiting are closed. Resolves when the server has closed. */
  close(): Promise<void> {
    if (this.#closed)
      return Promise.reject(new MoonSocketError("SOCKET_CLOSED", "the listener is closed"));
    this.#onClose();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  readonly #onConnection = (socket: Socket): void => {
    if (this.#closed || this.#pending.length >= this.#maxPending) {
      this.dropped++;
      socket.on("error", () => {});
      reset(socket);
      return;
    }
    socket.pause();
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(new MoonSocket(socket, this.#options));
    else {
      // A connection that fails while it waits is simply gone when accepted.
      socket.on("error", () => {});
      this.#pending.push(socket);
      this.#readiness.signal.notify();
    }
  };

  readonly #onClose = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.server.off("connection", this.#onConnection);
    for (const socket of this.#pending) socket.destroy();
    this.#pending = [];
    for (const waiter of this.#waiters) waiter(null);
    this.#waiters = [];
    this.#readiness.signal.notify();
  };
}
