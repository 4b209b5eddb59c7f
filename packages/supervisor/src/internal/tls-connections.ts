// TLS on a listener (a tcp listener with `tls`): the worker that serves a
// connection does its handshake, node:tls's TLSSocket over a net.Socket made
// on the connection's own handle, so the keys and the session stay in that
// worker. Such a connection can never move to another process (its TLS state
// is this process's): it is never parked, the supervisor never holds a copy
// of it, and a worker that dies loses its TLS connections. One the
// supervisor took from a listener's backlog as the pool stopped (never read)
// comes to a worker marked with its listener, and is wrapped there.

import { Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import type { ResolvedOptions } from "../options";
import type { NativeHandle } from "./native-handles";

export class TlsConnections {
  /** Each TLS listener's secure context, by listener id (index into options.listeners). */
  readonly #contexts = new Map<number, SecureContext>();
  /** Connections accepted on a TLS listener, not wrapped yet: their listener's context. */
  readonly #accepted = new WeakMap<NativeHandle, SecureContext>();

  constructor(options: ResolvedOptions) {
    options.listeners.forEach((listener, id) => {
      if (listener.proto === "tcp" && listener.tls !== undefined)
        this.#contexts.set(id, createSecureContext(listener.tls));
    });
  }

  /** A connection accepted on listener `listener`. */
  accepted(handle: NativeHandle, listener: number): void {
    const context = this.#contexts.get(listener);
    if (context !== undefined) this.#accepted.set(handle, context);
  }

  /** True for a connection of a TLS listener: it must stay in this process. */
  pinned(handle: NativeHandle): boolean {
    return this.#accepted.has(handle);
  }

  /**
   * The TLS socket over the connection (its handshake goes on as the
   * client's hello comes), or undefined when it is not a TLS listener's.
   * `listener`: for one the supervisor resumes, the listener it came from.
   */
  wrap(handle: NativeHandle, listener?: number): TLSSocket | undefined {
    const context =
      listener === undefined ? this.#accepted.get(handle) : this.#contexts.get(listener);
    if (context === undefined) return undefined;
    this.#accepted.delete(handle);
    // A net.Socket on the handle, as child_process makes one for a handle it receives.
    const socket = new Socket({ handle, readable: true, writable: true } as never);
    return new TLSSocket(socket, {
      isServer: true,
      secureContext: context,
      ALPNProtocols: ["http/1.1"],
    });
  }
}
