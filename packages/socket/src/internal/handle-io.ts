// A connection's I/O straight on its libuv handle, not through net.Socket's
// stream machinery (why, and every Node internal this uses: node-internals.ts).
// The handle reads into one buffer of the process (libuv's user buffer), from
// which each read's bytes are copied. Bytes read go from the handle to the
// input stream; an end of stream or a read error goes to Node's own handler,
// so the socket ends ('end') or fails ('error', destroyed) exactly as always
// (or, for a connection with no net.Socket at all, bare-connection.ts, to its
// BareHost). A write goes to the handle whenever net.Socket has none queued,
// and its bytes count in the socket's bytesWritten as Node's own do.
//
// The package may be loaded twice in a process (dist/index.js through import,
// dist/index.cjs through require), and a handle read by one copy, then the
// other, then the first again. So what marks a handle is keyed by registered
// symbols, and the read buffer and the onread reading into it are one per
// process, on globalThis (SharedReads): both copies point libuv at the same
// buffer and install the same onread, which hands each read to the handle's
// reader, whichever copy made it. Looked up once at load, not per read.

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { getSystemErrorName } from "node:util";
import {
  type ConnectionHandle,
  connectionHandleOf,
  socketHandle,
  streamWrap,
} from "./node-internals";

/** A FIN in flight, as stream_wrap's ShutdownWrap. */
interface ShutdownRequest {
  handle: ConnectionHandle;
  oncomplete: (this: ShutdownRequest, status: number) => void;
  done: ((error?: NodeJS.ErrnoException) => void) | null;
}

/**
 * Who a handle serves when no net.Socket does (bare-connection.ts): it hears
 * the end of stream and I/O errors, and says whether it is closed.
 */
export interface BareHost {
  readonly destroyed: boolean;
  /** The peer's FIN came (reading has stopped). */
  readEnded(): void;
  /** A read or write failed: the connection is over. */
  failed(error: NodeJS.ErrnoException): void;
}

/** Where a reader's bytes go (the input stream: an object, not a closure, so none per connection). */
export interface InputSink {
  bytesCame(chunk: Buffer): void;
}

/** A write in flight, as stream_wrap's WriteWrap; `done` and `buffer` are ours (the buffer stays alive until written). */
interface WriteRequest {
  handle: ConnectionHandle;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  buffer: Uint8Array | null;
  done: ((error?: Error | null) => void) | null;
  host: Socket | BareHost | null;
}

/**
 * The format of what the copies of this package in a process share: the keys
 * below, {@link SharedReads} and {@link SharedReader}. A version that changes
 * any of them must use another number, so that it keeps to its own instead of
 * misreading these.
 */
const FORMAT = "v1";

/** An onread, called on the handle with the ArrayBuffer Node made (none when it reads into a user buffer). */
type OnRead = ConnectionHandle["onread"];

/** What every copy of this package in the process shares to read handles (on globalThis). */
interface SharedReads {
  /**
   * Where every taken handle reads (reads are synchronous: each one's bytes
   * are copied out before the next can come, whichever copy's reader takes
   * them). libuv offers at most this much per read.
   */
  readonly buffer: Buffer;
  /** Every taken handle's onread, made by the first copy that found stream_wrap (it reads its state). */
  onread: OnRead | undefined;
}

const SHARED_READS = Symbol.for(`@moonbridge/socket/handle-reads/${FORMAT}`);
const holder = globalThis as { [SHARED_READS]?: SharedReads };
holder[SHARED_READS] ??= { buffer: Buffer.allocUnsafeSlow(64 * 1024), onread: undefined };
const shared: SharedReads = holder[SHARED_READS];
/** The process's read buffer (shared.buffer). */
const READ_BUFFER = shared.buffer;
/** The process's onread (shared.onread), set by useStreamWrap(). */
let onHandleRead: OnRead | undefined;

// stream_wrap's, set by useStreamWrap(): kept as plain values, as the binding
// object is slow to read properties from, every write.
let streamState: Int32Array = new Int32Array(0);
let lastWriteWasAsync = 0;
let WriteWrap: (new () => object) | undefined;
let ShutdownWrap: (new () => object) | undefined;

/**
 * Makes ready to read and write handles (once): finds stream_wrap and the
 * process's onread. Throws if this Node's internals are not the known ones.
 */
export function useStreamWrap(): void {
  if (onHandleRead !== undefined) return;
  const wrap = streamWrap();
  streamState = wrap.streamBaseState;
  lastWriteWasAsync = wrap.kLastWriteWasAsync;
  WriteWrap = wrap.WriteWrap;
  ShutdownWrap = wrap.ShutdownWrap;
  shared.onread ??= makeOnRead(streamState, wrap.kReadBytesOrError);
  onHandleRead = shared.onread;
}

/** `socket`'s handle if the handle path can take it: a TCP or Unix socket connection's (TLS and others keep their stream path). */
function connectionHandle(socket: Socket): ConnectionHandle | undefined {
  const handle = connectionHandleOf(socket);
  // Node's own onread must be there to take the end of stream and errors.
  return typeof handle?.onread === "function" ? handle : undefined;
}

/** The reader a handle's reads go to (a property of the handle: one shared onread for all). */
const READER = Symbol.for(`@moonbridge/socket/reader/${FORMAT}`);
/**
 * Our writes a handle has queued in libuv and not completed (kept on the
 * handle: every writer it ever has, of any copy, counts here). While there
 * are none, nothing of ours waits in libuv, and writeQueueSize (a call into
 * C++) is not read.
 */
const IN_FLIGHT = Symbol.for(`@moonbridge/socket/writes-in-flight/${FORMAT}`);
type CountedHandle = ConnectionHandle & { [IN_FLIGHT]?: number };
/** The buffer a handle reads into, once set (for its whole life: libuv has no way back). */
const READS_INTO = Symbol.for(`@moonbridge/socket/reads-into/${FORMAT}`);

/**
 * A handle's READER, as the shared onread and the next reader of the handle
 * use it: a HandleReader of this copy of the package or of another.
 */
interface SharedReader {
  /** Node's own onread (for a net.Socket), which the end of stream and errors go to; null for a bare handle. */
  readonly nodeOnRead: OnRead | null;
  /** A read's `nread` bytes are in the read buffer. */
  bytes(nread: number): void;
  /** A read that brought no bytes (`nread` 0, the end or an error). */
  noBytes(handle: ConnectionHandle, nread: number, arrayBuffer: ArrayBuffer | undefined): unknown;
}

/** libuv's end of stream (the same number on every platform). */
const UV_EOF = -4095;

/** Starts and stops the reads of one connection's handle, for its net.Socket or its BareHost. */
export class HandleReader implements SharedReader {
  readonly #host: Socket | BareHost;
  readonly #socket: Socket | null;
  readonly #handle: ConnectionHandle;
  /** Node's own onread (for a net.Socket), which the end of stream and errors go to. */
  readonly nodeOnRead: OnRead | null;
  /** Gets each chunk read (a Buffer of its own). */
  readonly sink: InputSink;
  #released = false;

  private constructor(
    host: Socket | BareHost,
    socket: Socket | null,
    handle: ConnectionHandle,
    sink: InputSink,
  ) {
    this.#host = host;
    this.#socket = socket;
    this.#handle = handle;
    this.sink = sink;
    const taken = handle as unknown as {
      [READER]?: SharedReader;
      [READS_INTO]?: Uint8Array;
    };
    // Set: every way to a reader passes useStreamWrap() first.
    const onread = onHandleRead as OnRead;
    const current = handle.onread;
    const earlier = taken[READER];
    // Taken before (by any copy) and released, Node's handler is the one the earlier reader kept.
    this.nodeOnRead =
      socket === null
        ? null
        : current !== onread
          ? current
          : earlier === undefined
            ? null
            : earlier.nodeOnRead;
    taken[READER] = this;
    handle.onread = onread;
    if (taken[READS_INTO] !== READ_BUFFER) {
      taken[READS_INTO] = READ_BUFFER;
      handle.useUserBuffer(READ_BUFFER);
    }
  }

  /**
   * A reader that delivers the bytes `socket` receives to `sink`, read from
   * its handle, from the next start() on. Undefined when the socket cannot be
   * read so (no handle of the known kind, still connecting, bytes already in
   * its Readable, or someone else reading it): read it as a stream then.
   */
  static of(socket: Socket, sink: InputSink): HandleReader | undefined {
    const handle = connectionHandle(socket);
    if (handle === undefined) return undefined;
    useStreamWrap();
    // A client still connecting has a handle that cannot read yet: Node's stream waits for 'connect'.
    if (socket.connecting || socket.readableLength > 0 || socket.readableFlowing === true)
      return undefined;
    if (socket.listenerCount("data") > 0 || socket.listenerCount("readable") > 0) return undefined;
    return new HandleReader(socket, socket, handle, sink);
  }

  /** A reader of a handle no net.Socket has: the end and errors go to `host`. */
  static bare(handle: ConnectionHandle, host: BareHost, sink: InputSink): HandleReader {
    return new HandleReader(host, null, handle, sink);
  }

  start(): void {
    const handle = this.#handle;
    if (this.#released || handle.reading === true || this.#host.destroyed) return;
    handle.reading = true;
    const status = handle.readStart();
    if (status < 0) fail(this.#host, systemError("read", status));
  }

  stop(): void {
    const handle = this.#handle;
    if (this.#released || handle.reading !== true) return;
    handle.reading = false;
    handle.readStop();
  }

  /** Gives the reads back to net.Socket (as it was: reading or not), or for a bare handle drops them; the reader is done. */
  release(): void {
    this.#released = true;
  }

  /** A read's bytes (copied out of the read buffer): to the sink, or after release() to the socket's Readable. */
  bytes(nread: number): void {
    const chunk = Buffer.allocUnsafe(nread);
    // A request head is small: a loop copies it faster than Buffer#copy's way into C++.
    if (nread <= 512) for (let i = 0; i < nread; i++) chunk[i] = READ_BUFFER[i] as number;
    else READ_BUFFER.copy(chunk, 0, 0, nread);
    if (!this.#released) {
      this.sink.bytesCame(chunk);
      return;
    }
    const socket = this.#socket;
    if (socket === null || socket.destroyed) return;
    // What Node's own onread does with a read (a full Readable stops the handle until read again).
    if (!socket.push(chunk)) this.#stopForStream(socket);
  }

  /** Stops the handle as net.Socket does when its Readable is full (it starts it again when read). */
  #stopForStream(socket: Socket): void {
    const handle = this.#handle;
    handle.reading = false;
    const status = handle.readStop();
    if (status < 0) socket.destroy(systemError("read", status));
  }

  /** A read that brought no bytes (nothing, the end, an error): Node's way for a net.Socket, the host's otherwise. */
  noBytes(handle: ConnectionHandle, nread: number, arrayBuffer: ArrayBuffer | undefined): unknown {
    if (this.nodeOnRead !== null) return this.nodeOnRead.call(handle, arrayBuffer);
    if (nread === 0) return;
    const host = this.#host as BareHost;
    handle.reading = false; // libuv has stopped reading
    if (nread === UV_EOF) host.readEnded();
    else host.failed(systemError("read", nread));
  }
}

/**
 * Makes the onread of every taken handle (once per process): called on the
 * handle, it finds the read's length or error at `state[index]` (stream_wrap's
 * shared state) and the bytes in the read buffer, and hands them to the
 * handle's reader, whichever copy of the package made it.
 */
function makeOnRead(state: Int32Array, index: number): OnRead {
  return function onHandleRead(this: ConnectionHandle, arrayBuffer): unknown {
    const reader = (this as unknown as { [READER]: SharedReader })[READER];
    const nread = state[index] as number;
    if (nread > 0) {
      reader.bytes(nread);
      return;
    }
    return reader.noBytes(this, nread, arrayBuffer);
  };
}

/** Writes to a connection's handle: always for a bare one, while net.Socket has none queued for a socket. */
export class HandleWriter {
  readonly #host: Socket | BareHost;
  readonly #socket: Socket | null;
  readonly #handle: ConnectionHandle;
  /** The request of the last write, if the kernel took all of it at once. */
  #spare: WriteRequest | undefined;

  private constructor(host: Socket | BareHost, socket: Socket | null, handle: ConnectionHandle) {
    this.#host = host;
    this.#socket = socket;
    this.#handle = handle;
  }

  /** A writer for `socket`'s handle, or undefined when it has none of the known kind (then write it as a stream). */
  static of(socket: Socket): HandleWriter | undefined {
    const handle = connectionHandle(socket);
    if (handle === undefined) return undefined;
    useStreamWrap();
    return new HandleWriter(socket, socket, handle);
  }

  /** A writer of a handle no net.Socket has: a failed write goes to `host`. */
  static bare(handle: ConnectionHandle, host: BareHost): HandleWriter {
    return new HandleWriter(host, null, handle);
  }

  /**
   * Hands `data` to the kernel, or to libuv's queue for what the kernel does
   * not take now; `done` gets the outcome (at once when the kernel took it
   * all). False, with nothing done: the socket must be written as a stream
   * (it is still connecting, has writes queued, is corked, ending or gone).
   */
  write(data: Uint8Array | string, done: (error?: Error | null) => void): boolean {
    const socket = this.#socket;
    const handle = this.#handle;
    if (
      socket !== null &&
      (socket.connecting ||
        socket.writableLength > 0 ||
        socket.writableCorked > 0 ||
        socket.writableEnded ||
        socket.destroyed ||
        socketHandle(socket) !== handle)
    ) {
      return false;
    }
    if (socket === null && this.#host.destroyed) {
      // A bare handle closed already (a reset, an error): nothing can be written.
      done(systemError("write", -constants.errno.EPIPE));
      return true;
    }
    // A request the kernel took at once never got its C++ side (Node makes
    // that only for a write that waits): it is used again, not made anew.
    let request = this.#spare;
    this.#spare = undefined;
    if (request === undefined) {
      request = new (WriteWrap as new () => WriteRequest)();
      request.handle = handle;
      request.oncomplete = onWriteComplete;
      request.async = false;
    }
    // A string is written from its own characters (libuv gets a copy only of what must wait).
    const status =
      typeof data === "string"
        ? handle.writeUtf8String(request, data)
        : handle.writeBuffer(request, data);
    if (status < 0) {
      failWrite(this.#host, status, done);
    } else if (streamState[lastWriteWasAsync] === 0) {
      this.#spare = request;
      done();
    } else {
      request.async = true;
      request.buffer = typeof data === "string" ? null : data;
      request.done = done;
      request.host = this.#host;
      const counted = handle as CountedHandle;
      counted[IN_FLIGHT] = (counted[IN_FLIGHT] ?? 0) + 1;
    }
    return true;
  }

  /** Bytes handed over and not taken by the kernel yet. */
  get queued(): number {
    // Read from the handle (a call into C++) only while a write of ours waits in libuv.
    const handle = this.#handle as CountedHandle;
    return (handle[IN_FLIGHT] ?? 0) === 0 ? 0 : handle.writeQueueSize;
  }
}

/** libuv finished a write that had to wait (called on the request). */
function onWriteComplete(this: WriteRequest, status: number): void {
  const { done, host } = this;
  this.buffer = null;
  this.done = null;
  this.host = null;
  if (done === null || host === null) return;
  const counted = this.handle as CountedHandle;
  counted[IN_FLIGHT] = (counted[IN_FLIGHT] as number) - 1; // counted when it was queued
  if (status < 0) failWrite(host, status, done);
  else done();
}

/** A failed write ends the connection with the error, as net.Socket's own do, and tells the writer. */
function failWrite(
  host: Socket | BareHost,
  status: number,
  done: (error?: Error | null) => void,
): void {
  const error = systemError("write", status);
  fail(host, error);
  done(error);
}

/** An I/O error ends the connection: a net.Socket is destroyed with it, a bare host is told. */
function fail(host: Socket | BareHost, error: NodeJS.ErrnoException): void {
  if ("failed" in host) host.failed(error);
  else host.destroy(error);
}

/**
 * Sends FIN on `handle` once its queued writes are out, as net.Socket's end()
 * does; `done` gets the outcome (a connection the peer already closed counts as done).
 */
export function shutdownHandle(
  handle: ConnectionHandle,
  done: (error?: NodeJS.ErrnoException) => void,
): void {
  const request = new (ShutdownWrap as new () => ShutdownRequest)();
  request.handle = handle;
  request.done = done;
  request.oncomplete = onShutdownComplete;
  const status = handle.shutdown(request);
  if (status === 1 || status === UV_ENOTCONN) done();
  else if (status < 0) done(systemError("shutdown", status));
}

/** libuv's "not connected" (what a shutdown after the peer's reset gets): -errno on Unix. */
const UV_ENOTCONN = -constants.errno.ENOTCONN;

function onShutdownComplete(this: ShutdownRequest): void {
  // As net.Socket's own: the outcome of a FIN is not an error of the stream.
  const done = this.done;
  this.done = null;
  done?.();
}

/** The error net.Socket makes of a failed read or write (`read ECONNRESET`, with code and errno). */
export function systemError(syscall: string, status: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  error.code = code;
  error.errno = status;
  error.syscall = syscall;
  return error;
}
