// socket.output: writes gathered until a flush (or until outputBufferLimit
// bytes wait) and then handed over as one buffer, so a response head and a
// small body cost one system call: to the socket's handle where it has one
// (handle-io.ts), else to the socket as a stream. Counting writes issued
// against writes completed tells flush() when the kernel has everything.

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { ioError, MoonSocketError } from "../errors";
import type { MoonOutput, OutputData } from "../streams";
import type { BareConnection } from "./bare-connection";
import { HandleWriter } from "./handle-io";
import { invalid } from "./options";
import { type Readiness, Signal, WRITABLE } from "./readiness";
import type { SocketState } from "./socket-state";
import type { Transport } from "./transport";

const EMPTY = Buffer.alloc(0);
/** What flush() returns when the kernel has everything: one promise, not one per flush. */
const RESOLVED: Promise<void> = Promise.resolve();
/** Above this many gathered bytes, chunks are corked instead of copied into one. */
const CONCAT_LIMIT = 256 * 1024;

interface FlushWaiter {
  target: number;
  resolve(): void;
  reject(error: MoonSocketError): void;
}

function toBuffer(data: OutputData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === "number") return Buffer.from(String(data), "latin1");
  throw invalid("write takes Uint8Array, string or number arguments");
}

/** The chunks as one buffer of `length` bytes. */
function joined(chunks: Array<Buffer | string>, length: number): Buffer {
  const buffers = chunks.map((chunk) =>
    typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk,
  );
  return Buffer.concat(buffers, length);
}

export class OutputStream implements MoonOutput {
  /** The net.Socket written, if the connection is one. */
  readonly #socket: Socket | null;
  /** The connection, if it has no net.Socket (then every write goes to its handle). */
  readonly #bare: BareConnection | undefined;
  readonly #connected: boolean;
  /** Bytes handed over for sending so far. */
  #sent = 0;
  readonly #state: SocketState;
  readonly #limit: number;
  /** Writes the socket's handle; undefined: the socket is written as a stream. */
  readonly #writer: HandleWriter | undefined;
  /** Strings stay strings until they must be joined: a lone one goes to the kernel without a copy in a Buffer. */
  #gathered: Array<Buffer | string> = [];
  #gatheredLength = 0;
  /** Writes handed to Node, and how many of them Node has completed. */
  #issued = 0;
  #completed = 0;
  #waiters: FlushWaiter[] = [];
  /** finish(): the FIN to send once every write has completed, or the failure to report. */
  #finWaits: { end(): void; reject(error: MoonSocketError): void } | undefined;
  #error: MoonSocketError | undefined;
  #closed = false;
  /** What poll() waits on; made when first asked for (most sockets are never polled). */
  #readiness: Readiness | undefined;

  constructor(transport: Transport, state: SocketState, limits: { outputBufferLimit: number }) {
    const bare = transport.kind === "bare" ? transport.bare : undefined;
    const socket = transport.kind === "net" ? transport.socket : null;
    this.#socket = socket;
    this.#bare = bare;
    this.#connected = transport.kind !== "none";
    this.#state = state;
    this.#limit = limits.outputBufferLimit;
    this.#writer =
      bare !== undefined ? bare.writer() : socket === null ? undefined : HandleWriter.of(socket);
  }

  get readiness(): Readiness {
    this.#readiness ??= {
      signal: new Signal(),
      ready: () =>
        this.#error !== undefined || this.#closed || this.#state.closed || this.#room() > 0,
    };
    return this.#readiness;
  }

  get [WRITABLE](): Readiness {
    return this.readiness;
  }

  get buffered(): number {
    return this.#gatheredLength + this.unsent;
  }

  /** Bytes handed over (to the socket or its handle) and not taken by the kernel yet. */
  get unsent(): number {
    return (this.#socket?.writableLength ?? 0) + (this.#writer?.queued ?? 0);
  }

  get closed(): boolean {
    return this.#closed || this.#state.closed;
  }

  /** Bytes handed over for sending so far. */
  get sent(): number {
    return this.#sent;
  }

  write(...data: OutputData[]): this {
    this.#checkWritable();
    for (const item of data) {
      if (typeof item === "string") this.#gather(item, Buffer.byteLength(item, "utf8"));
      else {
        const bytes = toBuffer(item);
        this.#gather(bytes, bytes.length);
      }
    }
    if (this.#gatheredLength >= this.#limit) this.#handOff();
    return this;
  }

  flush(): Promise<void> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#handOff();
    return this.#whenCompleted();
  }

  writeNb(...data: OutputData[]): Buffer {
    this.#checkWritable();
    this.#handOff();
    let room = this.#room();
    let rest: Buffer[] | undefined;
    for (const item of data) {
      const bytes = toBuffer(item);
      if (rest !== undefined) rest.push(bytes);
      else if (bytes.length <= room) {
        this.#gather(bytes, bytes.length);
        room -= bytes.length;
      } else {
        this.#gather(bytes.subarray(0, room), room);
        rest = [bytes.subarray(room)];
        room = 0;
      }
    }
    this.#handOff();
    if (rest === undefined) return EMPTY;
    return rest.length === 1 ? (rest[0] as Buffer) : Buffer.concat(rest);
  }

  close(): Promise<void> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.resolve();
    return this.finish();
  }

  /**
   * Hands everything over and sends FIN; resolves when Node has finished the
   * stream (all data and the FIN given to the kernel). Used by close() too.
   */
  finish(): Promise<void> {
    if (!this.#connected) return Promise.resolve();
    const socket = this.#socket;
    const bare = this.#bare;
    this.#handOff();
    if (this.#closed) return this.#whenCompleted();
    this.#closed = true;
    this.#readiness?.signal.notify();
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise<void>((resolve, reject) => {
      const ended = (error?: Error | null): void => (error ? reject(ioError(error)) : resolve());
      const end = (): void => {
        if (bare !== undefined) bare.end(ended);
        else socket?.end(ended);
      };
      // The FIN waits for writes still queued in libuv, as it does for Node's own
      // buffer: until it is sent, a close that times out can still reset the connection.
      if ((this.#writer?.queued ?? 0) === 0) end();
      else this.#finWaits = { end, reject };
    });
  }

  /**
   * For a close of a bare handle: hands everything over and, if the kernel
   * took it all, marks the output closed and returns true; closing the handle
   * then sends the FIN after the data (one system call, not a shutdown and a
   * close). False, with nothing closed, when bytes wait in libuv, the output
   * was closed already or failed: then finish() as usual.
   */
  closeWithHandle(): boolean {
    if (this.#bare === undefined || this.#closed || this.#error !== undefined) return false;
    this.#handOff();
    if (this.#error !== undefined || this.unsent > 0) return false;
    this.#closed = true;
    this.#readiness?.signal.notify();
    return true;
  }

  /** The system error that ended this stream, if one did. */
  get error(): MoonSocketError | undefined {
    return this.#error;
  }

  /** On close: waiting flushes fail with SOCKET_CLOSED. */
  shutdown(): void {
    if (this.#waiters.length > 0) {
      // Made only when a flush waits: closing is frequent, stack traces are not free.
      this.#failWaiters(
        new MoonSocketError("SOCKET_CLOSED", "the socket was closed while a flush waited"),
      );
    }
    this.#readiness?.signal.notify();
  }

  #gather(chunk: Buffer | string, length: number): void {
    if (length === 0) return;
    this.#gathered.push(chunk);
    this.#gatheredLength += length;
  }

  /** Bytes writeNb may still hand over before reaching the limit. */
  #room(): number {
    return this.#limit - this.#gatheredLength - this.unsent;
  }

  #handOff(): void {
    if (this.#gatheredLength === 0) return;
    const socket = this.#socket as Socket;
    const chunks = this.#gathered;
    const length = this.#gatheredLength;
    this.#gatheredLength = 0;
    this.#sent += length;
    if (chunks.length === 1) {
      // The usual flush of one write: the array is kept for the next (no new one per flush).
      const data = chunks.pop() as Buffer | string;
      this.#issued++;
      if (this.#writer?.write(data, this.#onWritten) !== true) socket.write(data, this.#onWritten);
      return;
    }
    this.#gathered = [];
    // A bare handle has no stream to cork: its writes go one by one, in order, to the handle.
    if (this.#bare !== undefined && chunks.length > 1 && length > CONCAT_LIMIT) {
      for (const chunk of chunks) {
        this.#issued++;
        (this.#writer as HandleWriter).write(chunk, this.#onWritten);
      }
      return;
    }
    if (length <= CONCAT_LIMIT) {
      this.#issued++;
      const data = joined(chunks, length);
      if (this.#writer?.write(data, this.#onWritten) !== true) socket.write(data, this.#onWritten);
      return;
    }
    socket.cork();
    for (const chunk of chunks) {
      this.#issued++;
      socket.write(chunk, this.#onWritten);
    }
    socket.uncork();
  }

  #whenCompleted(): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#completed === this.#issued) return RESOLVED;
    // Node wrote it all at once (the usual small response): the kernel has
    // it now, and the write callbacks only wait for the next tick. A write
    // that failed has destroyed the socket, and its error comes through them.
    const gone =
      this.#bare !== undefined ? this.#bare.destroyed : (this.#socket as Socket).destroyed;
    if (this.unsent === 0 && !gone) return RESOLVED;
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target: this.#issued, resolve, reject });
    });
  }

  #checkOpen(): void {
    if (this.#state.closed) throw new MoonSocketError("SOCKET_CLOSED", "the socket is closed");
    if (!this.#connected) {
      throw new MoonSocketError(
        "NO_CONNECTION",
        "this socket has no connection (interval or main handler)",
      );
    }
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.#closed)
      throw new MoonSocketError("OUTPUT_CLOSED", "the output was closed (FIN sent)");
    if (this.#error !== undefined) throw this.#error;
  }

  #failWaiters(error: MoonSocketError): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  readonly #onWritten = (error?: Error | null): void => {
    this.#completed++;
    if (error) this.fail(ioError(error));
    else {
      while (
        this.#waiters.length > 0 &&
        (this.#waiters[0] as FlushWaiter).target <= this.#completed
      ) {
        (this.#waiters.shift() as FlushWaiter).resolve();
      }
      const fin = this.#finWaits;
      if (fin !== undefined && this.#completed === this.#issued) {
        this.#finWaits = undefined;
        fin.end();
      }
    }
    this.#readiness?.signal.notify();
  };

  /** The socket failed (MoonSocket hears its errors while open, and the write callbacks): flushes fail. */
  fail(error: MoonSocketError): void {
    if (this.#error === undefined) this.#error = error;
    this.#failWaiters(this.#error);
    const fin = this.#finWaits;
    this.#finWaits = undefined;
    fin?.reject(this.#error);
    this.#readiness?.signal.notify();
  }
}
