// The worker's side of the PROXY protocol: a connection of a listener with
// `proxyProtocol` begins with the proxy's header, which the worker reads
// before connect, giving the socket the client's addresses (and closing the
// connection when there is none: a listener that expects it believes nobody
// else). The header is read once; what it said then travels with the
// connection wherever it goes (a park, a resume, the supervisor's copy), so
// the next worker neither reads it again nor loses the addresses.

import type { MoonSocket } from "@moonbridge/socket";
import type { ResolvedOptions } from "../options";
import { debug } from "./log";
import type { NativeHandle } from "./native-handles";
import type { FromWorker, ProxyState } from "./protocol";

/**
 * Seconds a connection may take to send its PROXY header. A proxy sends it
 * first thing, so it comes with the connection; the worker serves its other
 * connections meanwhile.
 */
export const PROXY_HEADER_SECONDS = 10;

export class ProxyHeaders {
  /** Listener ids (indexes into options.listeners) whose connections begin with a header. */
  readonly #listeners: ReadonlySet<number>;
  /** Connections (handles, then their sockets) whose header is still to be read. */
  readonly #unread = new WeakSet<object>();
  readonly #send: (message: FromWorker) => void;

  constructor(options: ResolvedOptions, send: (message: FromWorker) => void) {
    const ids = new Set<number>();
    options.listeners.forEach((listener, id) => {
      if ("proxyProtocol" in listener && listener.proxyProtocol === true) ids.add(id);
    });
    this.#listeners = ids;
    this.#send = send;
  }

  /** A connection accepted on listener `listener` (an index into options.listeners). */
  accepted(handle: NativeHandle, listener: number): void {
    if (this.#listeners.has(listener)) this.#unread.add(handle);
  }

  /** The socket made for an accepted connection's handle. */
  serving(socket: MoonSocket, handle: NativeHandle): void {
    if (this.#unread.has(handle)) this.#unread.add(socket);
  }

  /** A resumed connection, and where it stood (what the header said is the socket's already). */
  resumed(socket: MoonSocket, state: ProxyState | undefined): void {
    if (state === "unread") this.#unread.add(socket);
  }

  /** True while the socket's header is still to be read. */
  unread(socket: MoonSocket): boolean {
    return this.#unread.has(socket);
  }

  /** Where a connection (its socket once served, else its handle) stands; undefined: its listener takes none. */
  stateOf(socket: MoonSocket | undefined, handle: NativeHandle): ProxyState | undefined {
    if (socket === undefined) return this.#unread.has(handle) ? "unread" : undefined;
    if (this.#unread.has(socket)) return "unread";
    return socket.proxyHeader;
  }

  /** The supervisor got copy `id` of a connection: in a pool that takes the protocol, it learns where the copy stands. */
  copied(id: number, socket: MoonSocket | undefined, handle: NativeHandle): void {
    if (this.#listeners.size === 0) return;
    this.#send({ t: "held-proxy", held: id, proxyHeader: this.stateOf(socket, handle) });
  }

  /**
   * Reads the socket's header if it is still unread: true when the socket
   * may be served (read now, or before, or none expected); false when the
   * connection was closed for the lack of a valid one. `copy`: the
   * supervisor's copy of the connection (0: none), told what the header said.
   */
  async read(socket: MoonSocket, copy: () => number): Promise<boolean> {
    if (!this.unread(socket)) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no PROXY header within ${PROXY_HEADER_SECONDS} s`)),
          PROXY_HEADER_SECONDS * 1000,
        );
      });
      const header = await Promise.race([socket.readProxyHeader(), late]);
      this.#unread.delete(socket);
      const id = copy();
      if (id !== 0) this.#send({ t: "held-proxy", held: id, proxyHeader: header });
      return true;
    } catch (error) {
      debug("proxy-header-refused", `worker ${process.pid}: connection closed: ${describe(error)}`);
      if (!socket.closed) socket.cancel();
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
