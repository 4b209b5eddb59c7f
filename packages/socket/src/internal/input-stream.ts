// socket.input: reads served in order from a queue of received chunks. A read
// that cannot be served yet waits in a queue of requests; each arrival serves
// as many as it can. Flow control: the socket reads ahead only while someone
// waits or fewer than `inputBufferLimit` bytes are buffered. The bytes come
// straight from the socket's handle where it has one (handle-io.ts), else
// through its Readable.

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { MoonSocketError } from "../errors";
import type { MoonInput, ReadFormat } from "../streams";
import { ChunkQueue } from "./chunk-queue";
import { HandleReader, type InputSink } from "./handle-io";
import { checkMaxlen, checkTerminator, invalid } from "./options";
import { READABLE, type Readiness, Signal } from "./readiness";
import type { SocketState } from "./socket-state";
import { stopReading } from "./stop-reading";
import type { Transport } from "./transport";

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
/** Returned by #tryServe when a request must wait for more bytes. */
const WAIT = Symbol("wait");

/** What a read delivers: the bytes, or a line as a string (read "l" and "L"). */
const BYTES = 0;
const LINE = 1;
const LINE_WITH_NEWLINE = 2;
/** readable(): true when bytes are there, false at the end. */
const READY = 3;
type Format = typeof BYTES | typeof LINE | typeof LINE_WITH_NEWLINE | typeof READY;

interface ReadRequest {
  maxlen: number;
  terminator: number;
  format: Format;
  /** Bytes already searched for the terminator, so a slow sender costs linear time. */
  searched: number;
  // A line is resolved as a string: a promise resolved with an object (a Buffer)
  // looks up its `then` along the prototype chain, every time.
  resolve(value: Buffer | string | boolean | null): void;
  reject(error: MoonSocketError): void;
}

/** The waiting reads of a stream that has had none: never written (see ChunkQueue's NO_CHUNKS). */
const NO_REQUESTS: ReadRequest[] = [];

/** The resolving functions of the promise a read is making, handed over by capture() (a Promise runs its executor at once). */
const captured: {
  resolve: ReadRequest["resolve"] | undefined;
  reject: ReadRequest["reject"] | undefined;
} = { resolve: undefined, reject: undefined };

function capture(resolve: ReadRequest["resolve"], reject: ReadRequest["reject"]): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

export class InputStream implements MoonInput, InputSink {
  /** The net.Socket read, if the connection is one (else bare, or none). */
  readonly #socket: Socket | null;
  readonly #connected: boolean;
  readonly #state: SocketState;
  readonly #limit: number;
  readonly #maxLineLength: number;
  readonly #queue = new ChunkQueue();
  #requests: ReadRequest[] = NO_REQUESTS;
  #ended: boolean;
  #error: MoonSocketError | undefined;
  #paused = true;
  /** Bytes received from the connection so far (the unread ones given at the start not counted). */
  #received = 0;
  /** Reads the socket's handle; undefined: the socket is read as a stream ('data'). */
  readonly #reader: HandleReader | undefined;
  /** A net.Socket's listeners (a bare handle needs none). */
  #netListeners: { onData: (chunk: Buffer) => void; onEnd: () => void } | undefined;
  /** What poll() waits on; made when first asked for (most sockets are never polled). */
  #readiness: Readiness | undefined;

  constructor(
    transport: Transport,
    state: SocketState,
    unread: Uint8Array | undefined,
    limits: { inputBufferLimit: number; maxLineLength: number },
  ) {
    const bare = transport.kind === "bare" ? transport.bare : undefined;
    const socket = transport.kind === "net" ? transport.socket : null;
    this.#socket = socket;
    this.#connected = transport.kind !== "none";
    this.#state = state;
    this.#limit = limits.inputBufferLimit;
    this.#maxLineLength = limits.maxLineLength;
    this.#ended = transport.kind === "none";
    if (unread !== undefined && unread.length > 0) {
      this.#queue.push(Buffer.from(unread.buffer, unread.byteOffset, unread.byteLength));
    }
    if (bare !== undefined) {
      bare.input = this;
      this.#reader = bare.reader(this);
      this.#flow();
      return;
    }
    this.#reader = socket === null ? undefined : HandleReader.of(socket, this);
    if (socket !== null) {
      // A net.Socket's events need functions: made for it alone.
      const onData = (chunk: Buffer) => this.bytesCame(chunk);
      const onEnd = () => this.peerEnded();
      this.#netListeners = { onData, onEnd };
      if (this.#reader === undefined) socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("close", onEnd);
      if (socket.readableEnded) this.#ended = true;
      this.#flow();
    }
  }

  get readiness(): Readiness {
    this.#readiness ??= {
      signal: new Signal(),
      ready: () =>
        this.#queue.length > 0 || this.#ended || this.#error !== undefined || this.#state.closed,
    };
    return this.#readiness;
  }

  get [READABLE](): Readiness {
    return this.readiness;
  }

  get buffered(): number {
    return this.#queue.length;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes received from the connection so far. */
  get received(): number {
    return this.#received;
  }

  xread(maxlen?: number, terminator?: string | number): Promise<Buffer | null> {
    let bound: number;
    let byte: number;
    try {
      bound = checkMaxlen(maxlen);
      byte = checkTerminator(terminator);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#read(bound, byte, BYTES) as Promise<Buffer | null>;
  }

  readable(): Promise<boolean> {
    return this.#read(0, -1, READY) as Promise<boolean>;
  }

  /** A read of up to `maxlen` bytes, stopping after `terminator` (-1: none), delivered as `format`. */
  #read(
    maxlen: number,
    terminator: number,
    format: Format,
  ): Promise<Buffer | string | boolean | null> {
    let searched = 0;
    try {
      this.#checkOpen();
      if (this.#requests.length === 0) {
        // The common case: the bytes are there, and no request object is made.
        const result = this.#take(maxlen, terminator, 0);
        if (result !== WAIT) {
          this.#flow();
          return Promise.resolve(format === BYTES ? result : this.#deliver(result, format));
        }
        searched = Math.min(this.#queue.length, maxlen);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // One executor for every read of every stream: no closure per read, nor per stream.
    const promise = new Promise<Buffer | string | boolean | null>(capture);
    const resolve = captured.resolve as ReadRequest["resolve"];
    const reject = captured.reject as ReadRequest["reject"];
    captured.resolve = undefined;
    captured.reject = undefined;
    const request = { maxlen, terminator, format, searched, resolve, reject };
    if (this.#requests === NO_REQUESTS) this.#requests = [request];
    else this.#requests.push(request);
    try {
      this.#flow();
    } catch (error) {
      reject(error as MoonSocketError);
    }
    return promise;
  }

  xreadNb(maxlen?: number, terminator?: string | number): Buffer | null {
    this.#checkOpen();
    const bound = checkMaxlen(maxlen);
    const byte = checkTerminator(terminator);
    if (this.#requests.length > 0) {
      throw new MoonSocketError(
        "READ_PENDING",
        "xreadNb called while an awaited read waits for data",
      );
    }
    // What xread would get now; where it would wait, whatever is buffered (maybe nothing).
    const now = this.#take(bound, byte, 0);
    const result = now !== WAIT ? now : this.#queue.take(Math.min(this.#queue.length, bound));
    this.#flow();
    return result;
  }

  read(format?: "l" | "L"): Promise<string | null>;
  read(format: "a"): Promise<Buffer>;
  read(format: number): Promise<Buffer | null>;
  read(format: ReadFormat = "l"): Promise<string | Buffer | null> {
    if (typeof format === "number") return this.xread(format);
    if (format === "a") return this.xread().then((all) => all ?? EMPTY);
    if (format === "l" || format === "L") return this.#readLine(format === "L");
    return Promise.reject(invalid('read format must be "l", "L", "a" or a byte count'));
  }

  async *lines(format: "l" | "L" = "l"): AsyncIterableIterator<string> {
    if (format !== "l" && format !== "L") throw invalid('lines format must be "l" or "L"');
    for (;;) {
      const line = await this.#readLine(format === "L");
      if (line === null) return;
      yield line;
    }
  }

  /** On close: pending reads fail, buffered bytes are dropped, the socket stops reading. */
  shutdown(): void {
    this.#detachListeners();
    this.#queue.clear();
    this.#failRequests("the socket was closed while a read waited");
    this.#readiness?.signal.notify();
  }

  /** On detach: the socket stops reading, in the kernel too; every byte received and not read is returned. */
  detach(): Buffer {
    this.#detachListeners();
    const socket = this.#socket;
    if (socket !== null) {
      // Chunks Node buffered while we were paused belong to the next owner too.
      for (let chunk = socket.read(); chunk !== null; chunk = socket.read())
        this.#queue.push(chunk);
      // Last: read() may have started reading again. Synchronous, so nothing comes in between.
      stopReading(socket);
    }
    // A bare handle stopped reading with its reader (#detachListeners), in the kernel too.
    const unread = this.#queue.takeAll();
    // A read waits whenever an idle connection is parked: no stack trace for that (it costs more than the park).
    this.#failRequests("the socket was detached while a read waited", false);
    return unread;
  }

  #readLine(keepNewline: boolean): Promise<string | null> {
    const format = keepNewline ? LINE_WITH_NEWLINE : LINE;
    return this.#read(this.#maxLineLength + 1, LF, format) as Promise<string | null>;
  }

  /** What a read of `format` (not BYTES) delivers for `bytes`: readable()'s boolean, or the line. */
  #deliver(bytes: Buffer | null, format: Format): string | boolean | null {
    return format === READY ? bytes !== null : this.#line(bytes, format);
  }

  /** The bytes of a line read as its string (without the newline for "l"); throws LINE_TOO_LONG. */
  #line(bytes: Buffer | null, format: Format): string | null {
    if (bytes === null) return null;
    const hasNewline = bytes.length > 0 && bytes[bytes.length - 1] === LF;
    if (!hasNewline && bytes.length > this.#maxLineLength) {
      throw new MoonSocketError(
        "LINE_TOO_LONG",
        `a line is longer than maxLineLength (${this.#maxLineLength} bytes)`,
      );
    }
    const end = hasNewline && format === LINE ? bytes.length - 1 : bytes.length;
    return bytes.toString("utf8", 0, end);
  }

  #tryServe(request: ReadRequest): Buffer | null | typeof WAIT {
    const result = this.#take(request.maxlen, request.terminator, request.searched);
    if (result === WAIT) request.searched = Math.min(this.#queue.length, request.maxlen);
    return result;
  }

  /**
   * What a read of up to `maxlen` bytes, stopping after `terminator` (-1: none),
   * gets from the buffer now, or WAIT. The first `from` bytes are known to hold
   * no terminator. At the end: what is left, then null (or the error).
   */
  #take(maxlen: number, terminator: number, from: number): Buffer | null | typeof WAIT {
    const available = this.#queue.length;
    const reach = Math.min(available, maxlen);
    if (terminator !== -1 && reach > from) {
      const at = this.#queue.indexOf(terminator, from, reach);
      if (at !== -1) return this.#queue.take(at + 1);
    }
    if (available >= maxlen && available > 0) return this.#queue.take(maxlen);
    if (!this.#atEnd()) return WAIT;
    return available > 0 ? this.#queue.take(available) : this.#endResult();
  }

  /** Serves waiting reads in order, as far as the buffered bytes allow. */
  #serve(): void {
    while (this.#requests.length > 0) {
      const request = this.#requests[0] as ReadRequest;
      let result: Buffer | string | boolean | null | typeof WAIT;
      try {
        result = this.#tryServe(request);
        if (result !== WAIT && request.format !== BYTES)
          result = this.#deliver(result, request.format);
      } catch (error) {
        this.#dequeue();
        request.reject(error as MoonSocketError);
        continue;
      }
      if (result === WAIT) break;
      this.#dequeue();
      request.resolve(result);
    }
    this.#flow();
  }

  /** The first waiting read is served. The last one leaves its array as it was, for the next. */
  #dequeue(): void {
    if (this.#requests.length === 1) this.#requests.pop();
    else this.#requests.shift();
  }

  /** Reads ahead while someone waits or the buffer has room; stops otherwise. */
  #flow(): void {
    if (!this.#connected || this.#atEnd() || this.#state.closed) return;
    const wanted = this.#requests.length > 0 || this.#queue.length < this.#limit;
    if (wanted === !this.#paused) return;
    this.#paused = !wanted;
    const reader = this.#reader;
    if (reader !== undefined) {
      if (wanted) reader.start();
      else reader.stop();
    } else if (wanted) this.#socket?.resume();
    else this.#socket?.pause();
  }

  #atEnd(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** The answer to a read at the end with nothing buffered: null, or the error. */
  #endResult(): null {
    if (this.#error !== undefined) throw this.#error;
    return null;
  }

  #checkOpen(): void {
    if (this.#state.closed) throw new MoonSocketError("SOCKET_CLOSED", "the socket is closed");
  }

  /** Rejects the waiting reads with SOCKET_CLOSED and `message`; made only if a read waits (closing is frequent, stack traces are not free). */
  #failRequests(message: string, stack = true): void {
    const requests = this.#requests;
    if (requests.length === 0) return;
    this.#requests = NO_REQUESTS;
    const limit = Error.stackTraceLimit;
    if (!stack) Error.stackTraceLimit = 0;
    const error = new MoonSocketError("SOCKET_CLOSED", message);
    Error.stackTraceLimit = limit;
    for (const request of requests) request.reject(error);
  }

  #detachListeners(): void {
    const socket = this.#socket;
    if (socket === null) {
      // A bare handle: reading stops here (its reader is done).
      this.#reader?.stop();
      this.#reader?.release();
      this.#paused = true;
      return;
    }
    // Reading stays as it was: the handle goes on reading into the Readable, paused.
    this.#reader?.release();
    const listeners = this.#netListeners;
    if (listeners !== undefined) {
      socket.off("data", listeners.onData);
      socket.off("end", listeners.onEnd);
      socket.off("close", listeners.onEnd);
    }
    socket.pause();
    this.#paused = true;
  }

  /** Bytes came (InputSink). */
  bytesCame(chunk: Buffer): void {
    this.#received += chunk.length;
    this.#queue.push(chunk);
    if (this.#requests.length > 0) this.#serve();
    else this.#flow();
    this.#readiness?.signal.notify();
  }

  /** The peer's FIN came, or the connection closed. */
  peerEnded(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#serve();
    this.#readiness?.signal.notify();
  }

  /** The socket failed (MoonSocket hears its errors while open): reads fail after the bytes before it. */
  fail(error: MoonSocketError): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#serve();
    this.#readiness?.signal.notify();
  }
}
