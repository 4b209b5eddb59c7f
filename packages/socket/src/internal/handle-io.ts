// A connection's I/O straight on its libuv handle, not through net.Socket's
// stream machinery, which costs every chunk read a push, a buffer and a
// process.nextTick, and every write a Writable state update and another
// nextTick (together 13% of a keep-alive request's CPU in a pool of
// one-connection workers: 84.0 against 72.7 us in an A/B run). The handle
// reads into one buffer this file keeps (libuv's user buffer), from which
// each read's bytes are copied: without it Node allocates 64 KiB per read
// and shrinks it (another 8%: 81.9 against 74.4 us). Bytes read go from the handle to the input
// stream; an end of stream or a read error goes to Node's own handler, so
// the socket ends ('end') or fails ('error', destroyed) exactly as always. A
// write goes to the handle whenever net.Socket has none queued, and its
// bytes count in the socket's bytesWritten as Node's own do. Uses Node
// internals (net.Socket's `_handle`, stream_wrap's shared state and
// WriteWrap); test/handle-io.test.ts fails loudly if they change.

import type { Socket } from "node:net";
import { getSystemErrorName } from "node:util";

/** stream_wrap's shared state (where a read's length or error is, whether a write completed at once) and its write request. */
interface StreamBinding {
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
  WriteWrap: new () => WriteRequest;
}

/** What net.Socket's `_handle` is for TCP and Unix socket connections. */
interface ConnectionHandle {
  readStart(): number;
  readStop(): number;
  /** net.Socket's own flag: true while the handle reads for it. */
  reading?: boolean;
  onread: (this: ConnectionHandle, arrayBuffer: ArrayBuffer | undefined) => unknown;
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
  writeUtf8String(request: WriteRequest, data: string): number;
  /** From now on libuv reads into `buffer`; onread gets no ArrayBuffer, the bytes are there. */
  useUserBuffer(buffer: Uint8Array): void;
  /** Bytes libuv holds that the kernel has not taken yet. */
  readonly writeQueueSize: number;
}

/** A write in flight, as stream_wrap's WriteWrap; `done` and `buffer` are ours (the buffer stays alive until written). */
interface WriteRequest {
  handle: ConnectionHandle;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  buffer: Uint8Array | null;
  done: ((error?: Error | null) => void) | null;
  socket: Socket | null;
}

let streamBinding: StreamBinding | null | undefined;

/** stream_wrap's internals, or null when this Node has none of the shape known here. */
export function streamInternals(): StreamBinding | null {
  if (streamBinding !== undefined) return streamBinding;
  streamBinding = null;
  try {
    const binding = (
      process as unknown as { binding(name: string): Partial<StreamBinding> }
    ).binding("stream_wrap");
    if (
      binding.streamBaseState instanceof Int32Array &&
      typeof binding.kReadBytesOrError === "number" &&
      typeof binding.kLastWriteWasAsync === "number" &&
      typeof binding.WriteWrap === "function"
    ) {
      streamBinding = binding as StreamBinding;
    }
  } catch {
    // No process.binding (another runtime): sockets are read and written as streams.
  }
  return streamBinding;
}

/** The handle classes of TCP and Unix socket connections (TLS and others keep their stream path). */
const CONNECTION_HANDLES = new Set(["TCP", "Pipe"]);

function connectionHandle(socket: Socket): ConnectionHandle | undefined {
  const handle = (socket as unknown as { _handle?: Partial<ConnectionHandle> | null })._handle;
  if (
    handle === undefined ||
    handle === null ||
    !CONNECTION_HANDLES.has(handle.constructor?.name) ||
    typeof handle.readStart !== "function" ||
    typeof handle.readStop !== "function" ||
    typeof handle.onread !== "function" ||
    typeof handle.writeBuffer !== "function" ||
    typeof handle.writeUtf8String !== "function" ||
    typeof handle.useUserBuffer !== "function"
  ) {
    return undefined;
  }
  return handle as ConnectionHandle;
}

/** The reader a handle's reads go to (a property of the handle: one shared onread for all). */
const READER = Symbol("moonbridge reader");

/**
 * Where every taken handle reads (reads are synchronous: each one's bytes are
 * copied out before the next can come). libuv offers at most this much per read.
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/** Starts and stops the reads of one socket's handle. */
export class HandleReader {
  readonly #socket: Socket;
  readonly #handle: ConnectionHandle;
  readonly #nodeOnRead: ConnectionHandle["onread"];
  /** Gets each chunk read (a Buffer of its own). */
  readonly onData: (chunk: Buffer) => void;
  #released = false;

  private constructor(socket: Socket, handle: ConnectionHandle, onData: (chunk: Buffer) => void) {
    this.#socket = socket;
    this.#handle = handle;
    this.onData = onData;
    const taken = handle as unknown as { [READER]?: HandleReader };
    const earlier = taken[READER];
    taken[READER] = this;
    if (earlier !== undefined) {
      // Taken before and released: the handle reads into READ_BUFFER already.
      this.#nodeOnRead = earlier.#nodeOnRead;
      return;
    }
    this.#nodeOnRead = handle.onread;
    handle.onread = onHandleRead;
    // For the handle's whole life (libuv has no way back): after release() the reads are pushed to the socket here.
    handle.useUserBuffer(READ_BUFFER);
  }

  /**
   * A reader that delivers the bytes `socket` receives to `onData`, read from
   * its handle, from the next start() on. Undefined when the socket cannot be
   * read so (no handle of the known kind, still connecting, bytes already in
   * its Readable, or someone else reading it): read it as a stream then.
   */
  static of(socket: Socket, onData: (chunk: Buffer) => void): HandleReader | undefined {
    const handle = connectionHandle(socket);
    if (handle === undefined || streamInternals() === null) return undefined;
    // A client still connecting has a handle that cannot read yet: Node's stream waits for 'connect'.
    if (socket.connecting || socket.readableLength > 0 || socket.readableFlowing === true)
      return undefined;
    if (socket.listenerCount("data") > 0 || socket.listenerCount("readable") > 0) return undefined;
    return new HandleReader(socket, handle, onData);
  }

  start(): void {
    const handle = this.#handle;
    if (this.#released || handle.reading === true || this.#socket.destroyed) return;
    handle.reading = true;
    const status = handle.readStart();
    if (status < 0) this.#socket.destroy(systemError("read", status));
  }

  stop(): void {
    const handle = this.#handle;
    if (this.#released || handle.reading !== true) return;
    handle.reading = false;
    handle.readStop();
  }

  /** Gives the reads back to net.Socket (as it was: reading or not); the reader is done. */
  release(): void {
    this.#released = true;
  }

  /** A read's bytes (copied out of the read buffer): to onData, or after release() to the socket's Readable. */
  bytes(nread: number): void {
    const chunk = Buffer.allocUnsafe(nread);
    READ_BUFFER.copy(chunk, 0, 0, nread);
    if (!this.#released) {
      this.onData(chunk);
      return;
    }
    const socket = this.#socket;
    if (socket.destroyed) return;
    // What Node's own onread does with a read (a full Readable stops the handle until read again).
    if (!socket.push(chunk)) this.#stopForStream();
  }

  /** Stops the handle as net.Socket does when its Readable is full (it starts it again when read). */
  #stopForStream(): void {
    const handle = this.#handle;
    handle.reading = false;
    const status = handle.readStop();
    if (status < 0) this.#socket.destroy(systemError("read", status));
  }

  /** What Node's own handler does with a read that brought no bytes (nothing, the end, an error). */
  nodeRead(handle: ConnectionHandle, arrayBuffer: ArrayBuffer | undefined): unknown {
    return this.#nodeOnRead.call(handle, arrayBuffer);
  }
}

/** Every taken handle's onread (called on the handle; the bytes are in READ_BUFFER). */
function onHandleRead(this: ConnectionHandle, arrayBuffer: ArrayBuffer | undefined): unknown {
  const reader = (this as unknown as { [READER]: HandleReader })[READER];
  const { streamBaseState, kReadBytesOrError } = streamBinding as StreamBinding;
  const nread = streamBaseState[kReadBytesOrError] as number;
  if (nread > 0) {
    reader.bytes(nread);
    return;
  }
  // Nothing this time, the end of stream, or an error: Node's way.
  return reader.nodeRead(this, arrayBuffer);
}

/** Writes to a socket's handle while net.Socket has none queued. */
export class HandleWriter {
  readonly #socket: Socket;
  readonly #handle: ConnectionHandle;

  private constructor(socket: Socket, handle: ConnectionHandle) {
    this.#socket = socket;
    this.#handle = handle;
  }

  /** A writer for `socket`'s handle, or undefined when it has none of the known kind (then write it as a stream). */
  static of(socket: Socket): HandleWriter | undefined {
    const handle = connectionHandle(socket);
    if (handle === undefined || streamInternals() === null) return undefined;
    return new HandleWriter(socket, handle);
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
      socket.connecting ||
      socket.writableLength > 0 ||
      socket.writableCorked > 0 ||
      socket.writableEnded ||
      socket.destroyed ||
      (socket as unknown as { _handle: unknown })._handle !== handle
    ) {
      return false;
    }
    const { streamBaseState, kLastWriteWasAsync, WriteWrap } = streamBinding as StreamBinding;
    const request = new WriteWrap();
    request.handle = handle;
    request.oncomplete = onWriteComplete;
    request.async = false;
    // A string is written from its own characters (libuv gets a copy only of what must wait).
    const status =
      typeof data === "string"
        ? handle.writeUtf8String(request, data)
        : handle.writeBuffer(request, data);
    if (status < 0) {
      failWrite(socket, status, done);
    } else if (streamBaseState[kLastWriteWasAsync] === 0) {
      done();
    } else {
      request.async = true;
      request.buffer = typeof data === "string" ? null : data;
      request.done = done;
      request.socket = socket;
    }
    return true;
  }

  /** Bytes handed over and not taken by the kernel yet. */
  get queued(): number {
    return this.#handle.writeQueueSize;
  }
}

/** libuv finished a write that had to wait (called on the request). */
function onWriteComplete(this: WriteRequest, status: number): void {
  const { done, socket } = this;
  this.buffer = null;
  this.done = null;
  this.socket = null;
  if (done === null || socket === null) return;
  if (status < 0) failWrite(socket, status, done);
  else done();
}

/** A failed write destroys the socket with the error, as net.Socket's own do, and tells the writer. */
function failWrite(socket: Socket, status: number, done: (error?: Error | null) => void): void {
  const error = systemError("write", status);
  socket.destroy(error);
  done(error);
}

/** The error net.Socket makes of a failed read or write (`read ECONNRESET`, with code and errno). */
function systemError(syscall: string, status: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  error.code = code;
  error.errno = status;
  error.syscall = syscall;
  return error;
}
