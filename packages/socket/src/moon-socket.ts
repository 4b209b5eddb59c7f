// MoonSocket: the socket object a Moonbridge connect handler receives, over a
// Node net.Socket (TCP over IPv4/IPv6, or a Unix domain socket), or over the
// bare libuv handle of such a connection (fromHandle: no net.Socket made,
// as the pool's workers serve them). It owns the
// connection's end: close() flushes and sends FIN, cancel() resets, detach()
// hands the connection and its unread bytes on, and park() gives it to the
// owner's parking lot (parking.ts) to come back in a later handler.

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { ioError, MoonSocketError } from "./errors";
import { Endpoint } from "./internal/addresses";
import { BareConnection } from "./internal/bare-connection";
import { InputStream } from "./internal/input-stream";
import { socketHandle } from "./internal/node-internals";
import { checkSeconds, resolveOptions, resolveParkOptions } from "./internal/options";
import { OutputStream } from "./internal/output-stream";
import { READABLE, type Readiness, WRITABLE } from "./internal/readiness";
import { reset } from "./internal/reset";
import type { SocketState } from "./internal/socket-state";
import { type Transport, transportOf } from "./internal/transport";
import type { ParkingLot, ParkOptions } from "./parking";
import { type ProxyHeaderInfo, readProxyHeader } from "./proxy";
import type { MoonInput, MoonOutput, OutputData, ReadFormat } from "./streams";
import type { TurnKeeper } from "./turns";

/** Options of {@link MoonSocket}; sizes in bytes, times in seconds. */
export interface MoonSocketOptions {
  /** The interval timer's name when the handler runs for one (then `socket` is null). */
  interval?: string;
  /** Bytes already read from the connection (by a previous owner), served first. */
  unread?: Uint8Array;
  /** Reading ahead stops while this many unread bytes are buffered. @default 65536 */
  inputBufferLimit?: number;
  /** `writeNb` keeps the bytes waiting for the kernel within this. @default 65536 */
  outputBufferLimit?: number;
  /** Longest line `read("l")`/`lines()` accept, without its newline. @default 65536 */
  maxLineLength?: number;
  /** Longest a background `close()` waits for unsent data before a reset. @default 30 */
  closeTimeout?: number;
  /** Where {@link MoonSocket.park} sends the connection (the pool's workers give one). @default none: park() throws */
  parking?: ParkingLot;
  /** The connection comes back from being parked (`socket.resumed`). @default false */
  resumed?: boolean;
  /** The note it was parked with (`socket.parkNote`). @default none */
  parkNote?: string | undefined;
  /**
   * What the connection's PROXY protocol header said, read by an earlier
   * owner: the socket's addresses are the ones it gives (`socket.proxyHeader`).
   * @default none: the kernel's addresses, until {@link MoonSocket.readProxyHeader}
   */
  proxyHeader?: ProxyHeaderInfo | undefined;
  /**
   * The worker's turns, when it holds many connections and runs one request
   * at a time (the pool's workers give one); the socket starts holding the
   * turn. @default none: the socket always holds its turn
   */
  turns?: TurnKeeper;
}

/** What {@link MoonSocket.detach} returns: the connection and what was read of it. */
export interface DetachedSocket {
  socket: Socket;
  /** Bytes received and not read, in order: the next owner's first input. */
  unread: Buffer;
  /** True if the peer's end of stream had been received. */
  ended: boolean;
}

/**
 * Moonbridge's socket object. Reads are awaited; writes are buffered until
 * {@link flush}; end of stream is `null`; failures throw {@link MoonSocketError}.
 *
 * @example
 * ```ts
 * const server = net.createServer({ allowHalfOpen: true }, async (conn) => {
 *   const socket = new MoonSocket(conn);
 *   const line = await socket.read();           // "l": one line, or null at the end
 *   await socket.write("you said: ", line ?? "", "\n").flush();
 *   await socket.close();
 * });
 * ```
 */
export class MoonSocket {
  /** The input stream (Moonbridge's `socket.input`). */
  readonly input: MoonInput;
  /** The output stream (Moonbridge's `socket.output`). */
  readonly output: MoonOutput;
  /** The interval timer's name when the handler runs for one, else undefined. */
  readonly interval: string | undefined;
  /**
   * The Node socket underneath, for options such as `setNoDelay`; null
   * without a connection, and for a connection served on its handle
   * ({@link fromHandle}: the pool's workers serve theirs so).
   */
  readonly netSocket: Socket | null;
  /** True if the connection was parked by an earlier handler and comes back now (its first bytes are waiting). */
  readonly resumed: boolean;
  /** The `note` the earlier handler parked it with, if any (see {@link ParkOptions.note}). */
  readonly parkNote: string | undefined;
  /** Where {@link park} sends the connection; undefined if nobody takes parked connections. */
  readonly parking: ParkingLot | undefined;
  /**
   * True when the worker serves its other connections while this one's
   * handler waits for its client ({@link yieldTurn}): it holds many
   * connections and runs one request at a time.
   */
  readonly sharesWorker: boolean;

  readonly #state: SocketState = { closed: false };
  readonly #input: InputStream;
  readonly #output: OutputStream;
  readonly #closeTimeout: number;
  readonly #turns: TurnKeeper | undefined;
  /** How the socket reaches its connection (transport.ts): decided once, in the constructor. */
  readonly #transport: Transport;
  /** The connection when it has no net.Socket ({@link fromHandle}). */
  readonly #bare: BareConnection | undefined;
  #addresses: { local: Endpoint; remote: Endpoint } | undefined;
  #proxyHeader: ProxyHeaderInfo | undefined;

  /**
   * Wraps `socket`, or makes a socket without a connection when it is null (for
   * interval and main handlers: reads see end of stream, writes throw
   * `NO_CONNECTION`). The socket is switched to half-open mode so that the
   * peer's FIN leaves the output writable, as in Moonbridge.
   */
  constructor(socket: Socket | null, options: MoonSocketOptions = {}) {
    // fromHandle passes its BareConnection here (the public type says what users pass).
    let bare: BareConnection | undefined;
    if (socket instanceof BareConnection) {
      bare = socket;
      socket = null;
    }
    // Every option, the unknown keys too: MoonSocketError INVALID_OPTION.
    const resolved = resolveOptions(options);
    this.interval = options.interval;
    this.netSocket = socket;
    this.#bare = bare;
    this.resumed = options.resumed === true;
    this.parkNote = options.parkNote;
    this.#proxyHeader = options.proxyHeader;
    this.parking = socket === null && bare === undefined ? undefined : options.parking;
    this.#turns = options.turns;
    this.sharesWorker = options.turns !== undefined;
    this.#closeTimeout = resolved.closeTimeout;
    if (socket !== null) {
      socket.allowHalfOpen = true;
      // One listener for both streams; it stays after close, so a late error cannot crash the process.
      socket.on("error", this.#onError);
    } else if (bare !== undefined) bare.onError = this.#onError;
    // The one place where the way to the connection is chosen.
    const transport = transportOf(bare ?? socket);
    this.#transport = transport;
    this.#input = new InputStream(transport, this.#state, options.unread, resolved);
    this.#output = new OutputStream(transport, this.#state, resolved);
    this.input = this.#input;
    this.output = this.#output;
  }

  /**
   * A socket over a connection's bare libuv handle (a `TCP` or `Pipe` handle
   * of Node's own bindings, as a server accepting on such handles gets it),
   * with no net.Socket made: cheaper for short connections. Everything works
   * as over a net.Socket, except that `netSocket` is null and {@link detach}
   * makes one. Throws `INVALID_ARGUMENT` if `handle` is not such a handle,
   * and an Error naming the Node version if this Node's bindings are not
   * the known ones.
   */
  static fromHandle(handle: unknown, options: MoonSocketOptions = {}): MoonSocket {
    const bare = BareConnection.of(handle);
    if (bare === undefined) {
      throw new MoonSocketError(
        "INVALID_ARGUMENT",
        "fromHandle needs a TCP or Unix socket connection's handle",
      );
    }
    return new MoonSocket(bare as unknown as Socket, options);
  }

  readonly #onError = (error: Error): void => {
    if (this.#state.closed) return;
    const failure = ioError(error);
    this.#input.fail(failure);
    this.#output.fail(failure);
  };

  get [READABLE](): Readiness {
    return this.#input.readiness;
  }

  get [WRITABLE](): Readiness {
    return this.#output.readiness;
  }

  /** Bytes received from the peer so far (by this socket: `unread` given to it not counted). */
  get bytesRead(): number {
    return this.#input.received;
  }

  /** Bytes written and handed over for sending so far (buffered ones not yet flushed not counted). */
  get bytesWritten(): number {
    return this.#output.sent;
  }

  /** True after close(), cancel(), detach() or park(). */
  get closed(): boolean {
    return this.#state.closed;
  }

  /**
   * The file descriptor of the connection's socket; -1 when there is none
   * (an interval or main handler's socket, a closed one) or the platform
   * has none to give. For a server that must write to it from elsewhere:
   * @moonbridge/timeout's `lastReply()`. Over a TLS socket it is the
   * descriptor of the encrypted stream.
   */
  get fd(): number {
    if (this.#state.closed) return -1;
    const transport = this.#transport;
    const handle =
      transport.kind === "bare"
        ? transport.bare.handle
        : transport.kind === "net"
          ? socketHandle(transport.socket)
          : undefined;
    const fd = (handle as { fd?: unknown } | null | undefined)?.fd;
    return typeof fd === "number" && fd >= 0 ? fd : -1;
  }

  /**
   * True while another process holds a copy of the connection (the pool's
   * supervisor does, for one a worker keeps between requests): it outlives
   * this process, so it was not taken from a listener's backlog just now.
   */
  get copied(): boolean {
    return this.#turns?.copied?.(this) === true;
  }

  /**
   * Gives the worker's turn back while the handler waits for its client (an
   * idle connection, a request still arriving), so that the worker serves
   * its other connections meanwhile. The handler must hold the turn again
   * ({@link takeTurn}, {@link turn}) before it runs anything of the
   * application's. Nothing happens when the worker has no turns to share.
   * `idle`: the connection waits for its client's next (or first) message,
   * nothing of which has been read (a keep-alive connection between
   * requests, a new one whose request has not come yet): the
   * worker may let its supervisor hold a copy of it meanwhile, so that the
   * connection outlives the worker if it dies serving another. `ready`:
   * the client's next message is here, and the handler takes the turn back
   * in a moment: the worker may leave the turn with it, and takes no new
   * connection meanwhile.
   */
  yieldTurn(options?: { idle?: boolean; ready?: boolean }): void {
    this.#turns?.give(this, options?.idle === true, options?.ready === true);
  }

  /** Takes the worker's turn if no other connection holds it: false if one does (then await {@link turn}). */
  takeTurn(): boolean {
    return this.#turns === undefined || this.#turns.take(this);
  }

  /** Resolves once this socket holds the worker's turn, after the connections that asked before it. */
  turn(): Promise<void> {
    return this.#turns === undefined ? Promise.resolve() : this.#turns.wait(this);
  }

  /**
   * The handler begins serving one request on this connection (the HTTP
   * module says so for each): a worker that is replaced after so many
   * requests (the pool's `maxRequests`) counts it. A handler that never
   * says so serves one request per connection.
   */
  beginRequest(): void {
    this.#turns?.request?.(this);
  }

  // Aliases, as Moonbridge has them on the socket itself.

  /** Alias of `socket.input.read`. */
  read(format?: "l" | "L"): Promise<string | null>;
  read(format: "a"): Promise<Buffer>;
  read(format: number): Promise<Buffer | null>;
  read(format?: ReadFormat): Promise<string | Buffer | null> {
    return this.#input.read(format as number);
  }

  /** Alias of `socket.input.lines`. */
  lines(format?: "l" | "L"): AsyncIterableIterator<string> {
    return this.#input.lines(format);
  }

  /** Alias of `socket.input.xread`. */
  xread(maxlen?: number, terminator?: string | number): Promise<Buffer | null> {
    return this.#input.xread(maxlen, terminator);
  }

  /** Alias of `socket.input.xreadNb`. */
  xreadNb(maxlen?: number, terminator?: string | number): Buffer | null {
    return this.#input.xreadNb(maxlen, terminator);
  }

  /** Alias of `socket.output.write`; returns the socket for chaining. */
  write(...data: OutputData[]): this {
    this.#output.write(...data);
    return this;
  }

  /** Alias of `socket.output.writeNb`. */
  writeNb(...data: OutputData[]): Buffer {
    return this.#output.writeNb(...data);
  }

  /** Alias of `socket.output.flush`. */
  flush(): Promise<void> {
    return this.#output.flush();
  }

  /**
   * Closes the connection: flushes, sends FIN, stops reading (unread input is
   * dropped; the kernel may answer it with a reset, as the reference warns).
   * Without a `timeout` (or with 0) it resolves at once and sending finishes in
   * the background, reset after `closeTimeout` if the peer does not take the data.
   * With one, it resolves when everything is out, or resets the connection and
   * rejects with `ETIMEDOUT` when the time runs out first. Rejects with
   * `SOCKET_CLOSED` if the socket was closed already.
   *
   * @param timeout seconds
   */
  close(timeout?: number): Promise<void> {
    let seconds: number;
    try {
      this.#checkOpen();
      seconds = timeout === undefined ? 0 : checkSeconds("timeout", timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const earlier = this.#output.error;
    this.#state.closed = true;
    this.#input.shutdown();
    if (this.#transport.kind === "none") {
      this.#output.shutdown();
      return Promise.resolve();
    }
    // A connection another process holds a copy of gets its FIN from a shutdown: closing
    // one copy sends none.
    if (seconds === 0 && !this.copied && this.#output.closeWithHandle()) {
      // A bare handle whose data the kernel has: closing it sends the FIN after the data
      // (unread input gets a reset either way, as after a shutdown).
      this.#output.shutdown();
      this.#destroyConnection();
      return earlier === undefined ? Promise.resolve() : Promise.reject(earlier);
    }
    const finished = this.#output.finish();
    this.#output.shutdown();
    if (seconds === 0 && this.#output.unsent === 0) {
      // All of it is with the kernel, and the FIN follows at once: nothing for a linger
      // timer to bound (a timer per connection is not free).
      const destroy = (): void => this.#destroyConnection();
      finished.then(destroy, destroy);
      return earlier === undefined ? Promise.resolve() : Promise.reject(earlier);
    }
    const linger = seconds > 0 ? seconds : this.#closeTimeout;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#resetConnection();
        reject(
          new MoonSocketError(
            "ETIMEDOUT",
            `close: data not sent within ${linger} seconds; connection reset`,
          ),
        );
      }, linger * 1000);
      if (seconds === 0) {
        timer.unref();
        if (earlier === undefined) resolve();
        else reject(earlier);
      }
      finished.then(
        () => {
          clearTimeout(timer);
          this.#destroyConnection();
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.#destroyConnection();
          reject(ioError(error));
        },
      );
    });
  }

  /**
   * Closes the connection with a TCP RST (a plain close on Unix sockets).
   * Data not yet sent may be lost. Throws `SOCKET_CLOSED` if already closed.
   */
  cancel(): void {
    this.#checkOpen();
    this.#state.closed = true;
    this.#input.shutdown();
    this.#output.shutdown();
    this.#resetConnection();
  }

  /** Closes the connection's handle or socket (after the FIN, or dropping what is unsent). */
  #destroyConnection(): void {
    const transport = this.#transport;
    if (transport.kind === "bare") transport.bare.destroy();
    else if (transport.kind === "net") transport.socket.destroy();
  }

  /** Closes the connection with a reset (a plain close on Unix sockets). */
  #resetConnection(): void {
    const transport = this.#transport;
    if (transport.kind === "bare") transport.bare.reset();
    else if (transport.kind === "net") reset(transport.socket);
  }

  /**
   * Hands the connection on: flushes the output, stops reading, and resolves
   * with the Node socket and the bytes received but not read. This MoonSocket is
   * closed afterwards; the connection is not. A new MoonSocket over the result
   * (with `unread`) continues exactly where this one stopped; so does Node
   * code given the socket and `unread` (as ws's handleUpgrade takes them): the
   * socket is not paused, and reading starts again at its first 'data'
   * listener or resume().
   */
  async detach(): Promise<DetachedSocket> {
    this.#checkOpen();
    if (this.#transport.kind === "none")
      throw new MoonSocketError("NO_CONNECTION", "this socket has no connection to detach");
    await this.#output.flush();
    this.#checkOpen();
    this.#state.closed = true;
    const ended = this.#input.ended;
    const unread = this.#input.detach();
    this.#output.shutdown();
    const transport = this.#transport;
    const socket =
      transport.kind === "net" ? transport.socket : (this.#bare as BareConnection).toSocket();
    socket.off("error", this.#onError);
    // Handed over as Node's http server hands an upgraded socket: not paused, so that a
    // 'data' listener (ws's) or resume() starts reading again.
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    return { socket, unread, ended };
  }

  /**
   * Parks the connection: flushes the output, stops reading and gives the
   * connection, with `prefix` and any bytes received and not read, to the
   * parking lot (the pool's supervisor), which holds it without a worker.
   * The handler then returns (true, to keep its worker); when the peer sends
   * its next bytes, a later `connect` call, maybe in another worker, gets the
   * connection back with `resumed` true, `prefix` and those bytes first in its
   * input. The lot closes it if the peer sends nothing for `timeout` seconds,
   * or closes its end, meanwhile. If bytes were received and not read, the
   * connection comes back at once. This socket is closed afterwards.
   * Throws `PARK_UNAVAILABLE` without an open lot (check `parkable` first).
   *
   * @example
   * ```ts
   * connect: async (socket) => {
   *   const line = await socket.read();
   *   await socket.write(`you said: ${line}\n`).flush();
   *   if (socket.parkable) await socket.park({ timeout: 300 }); // idle: free the worker
   *   return true;
   * }
   * ```
   */
  async park(options: ParkOptions = {}): Promise<void> {
    this.#checkOpen();
    const { timeout, prefix, note, resumeOnTimeout } = resolveParkOptions(options);
    this.#checkParkable();
    // With nothing left to send this is synchronous: no byte can arrive and be read meanwhile.
    if (this.#output.buffered > 0) {
      await this.#output.flush();
      this.#checkOpen();
      this.#checkParkable();
    }
    this.#state.closed = true;
    const ended = this.#input.ended;
    const unread = this.#input.detach();
    this.#output.shutdown();
    const socket = this.netSocket;
    socket?.off("error", this.#onError);
    const handle = this.#bare?.release() ?? null;
    const bytes =
      prefix === undefined || prefix.length === 0
        ? unread
        : Buffer.concat([prefix, unread], prefix.length + unread.length);
    (this.parking as ParkingLot).take({
      socket,
      handle,
      bytes,
      wake: unread.length > 0 || ended,
      timeout,
      note,
      resumeOnTimeout,
      proxyHeader: this.#proxyHeader,
    });
  }

  /**
   * What the connection's PROXY protocol header said: read by
   * {@link readProxyHeader}, or given (option `proxyHeader`) by an earlier
   * owner. Undefined when none was read.
   */
  get proxyHeader(): ProxyHeaderInfo | undefined {
    return this.#proxyHeader;
  }

  /**
   * Reads the PROXY protocol header (version 1 or 2) that a proxy in front
   * sends first on a connection, exactly to its end; from then on the
   * socket's addresses (`remoteAddress`, `remoteIp4`, `localTcpPort`, ...)
   * are the ones it gives (the client's, and the address the client reached
   * the proxy at), unless it gives none (a LOCAL or UNKNOWN header). Rejects
   * with `PROXY_HEADER_INVALID` when the connection does not begin with a
   * valid header (call it only on a listener that only the proxy reaches:
   * the header is believed). Strict: a v1 line exactly as specified, a v2
   * header of version 2 over TCP or Unix streams, at most 4096 bytes.
   *
   * @example
   * ```ts
   * const server = net.createServer({ allowHalfOpen: true }, async (conn) => {
   *   const socket = new MoonSocket(conn);
   *   await socket.readProxyHeader(); // rejects for a client that is not the proxy
   *   await socket.write(`hello, ${socket.remoteAddress}\n`).flush();
   *   await socket.close();
   * });
   * ```
   */
  async readProxyHeader(): Promise<ProxyHeaderInfo> {
    this.#checkOpen();
    const header = await readProxyHeader(this.#input);
    this.#proxyHeader = header;
    this.#addresses = undefined;
    return header;
  }

  /** True if {@link park} can park this connection now: it has one, and an open parking lot. */
  get parkable(): boolean {
    return !this.#state.closed && this.parking?.open === true;
  }

  /** Local IPv4 address as 4 bytes (also for an IPv4-mapped IPv6 address). */
  get localIp4(): Buffer | undefined {
    return this.#endpoints().local.ip4();
  }

  /** Local IPv6 address as 16 bytes. */
  get localIp6(): Buffer | undefined {
    return this.#endpoints().local.ip6();
  }

  /** Local TCP port. */
  get localTcpPort(): number | undefined {
    return this.#endpoints().local.port;
  }

  /** Remote IPv4 address as 4 bytes (also for an IPv4-mapped IPv6 address). */
  get remoteIp4(): Buffer | undefined {
    return this.#endpoints().remote.ip4();
  }

  /** Remote IPv6 address as 16 bytes. */
  get remoteIp6(): Buffer | undefined {
    return this.#endpoints().remote.ip6();
  }

  /** Remote TCP port. */
  get remoteTcpPort(): number | undefined {
    return this.#endpoints().remote.port;
  }

  /** Local address as text ("127.0.0.1", "::1"); undefined on Unix sockets. */
  get localAddress(): string | undefined {
    return this.#endpoints().local.text;
  }

  /** Remote address as text; undefined on Unix sockets. */
  get remoteAddress(): string | undefined {
    return this.#endpoints().remote.text;
  }

  #checkOpen(): void {
    if (this.#state.closed) throw new MoonSocketError("SOCKET_CLOSED", "the socket is closed");
  }

  #checkParkable(): void {
    if (this.parking === undefined) {
      throw new MoonSocketError(
        "PARK_UNAVAILABLE",
        "nobody takes parked connections here (the socket has no parking lot)",
      );
    }
    if (!this.parking.open) {
      throw new MoonSocketError("PARK_UNAVAILABLE", "the parking lot takes no connections now");
    }
  }

  /** Read from the kernel when first asked (two system calls nobody should pay for unasked), then kept. */
  #endpoints(): { local: Endpoint; remote: Endpoint } {
    const proxied = this.#proxyHeader?.addresses;
    if (this.#addresses === undefined && proxied !== undefined) {
      this.#addresses = {
        local: new Endpoint(proxied.local.address, proxied.local.port),
        remote: new Endpoint(proxied.remote.address, proxied.remote.port),
      };
    }
    if (this.#addresses === undefined) {
      const bare = this.#bare;
      const socket = this.netSocket;
      const local = bare?.address("local") ?? {
        address: socket?.localAddress,
        port: socket?.localPort,
      };
      const remote = bare?.address("remote") ?? {
        address: socket?.remoteAddress,
        port: socket?.remotePort,
      };
      this.#addresses = {
        local: new Endpoint(local.address, local.port),
        remote: new Endpoint(remote.address, remote.port),
      };
    }
    return this.#addresses;
  }
}
