// Every Node internal @moonbridge/socket uses, and the one file that reaches
// them: the rest of the package gets them from here, checked. A missing or
// changed internal throws an Error naming the package, the internal and
// process.version, at first use (the checks are exported for
// test/node-internals.test.ts, which asserts them all on the running Node).
//
// Why public APIs cannot do it: a TCP or Unix socket connection is read and
// written straight on its libuv handle (handle-io.ts), not through
// net.Socket's stream machinery, which costs every chunk read a push, a
// buffer and a process.nextTick, and every write a Writable state update and
// another nextTick (together 13% of a keep-alive request's CPU in a pool of
// one-connection workers: 84.0 against 72.7 us in an A/B run). The handle
// reads into one buffer of the process (libuv's user buffer): without it
// Node allocates 64 KiB per read and shrinks it (another 8%: 81.9 against
// 74.4 us). A connection the pool's workers accept has no net.Socket at all
// (bare-connection.ts): making and tearing one down was a fifth of a short
// connection's CPU. Before a connection moves to another process, its reads
// must stop in the kernel (stop-reading.ts): pause() only stops delivering
// data while libuv goes on reading into the stream's buffer, and bytes read
// in between would reach nobody. And a bare connection that is detached
// needs a net.Socket over the handle it already has.
//
// The internals:
// - process.binding("stream_wrap"): `streamBaseState`, the Int32Array where
//   a handle's read leaves its length or error (at `kReadBytesOrError`) and
//   a write says whether it had to wait in libuv (at `kLastWriteWasAsync`);
//   `WriteWrap` and `ShutdownWrap`, the requests a handle's writes and its
//   FIN take. Looked up once, then kept as plain values (handle-io.ts).
// - net.Socket's `_handle` (its libuv handle; null once closed), read to take
//   the handle and on every write (is it still the socket's?), and its
//   Readable's `_readableState.reading`, which must be false for net.Socket
//   to start the handle again once reads were stopped under it.
// - The TCP and Pipe handle classes of connections: readStart(), readStop(),
//   `onread` (called on each read: Node's own takes the end and errors),
//   writeBuffer(), writeUtf8String(), useUserBuffer(), `writeQueueSize`,
//   shutdown(), close(), and on TCP reset(), getsockname(), getpeername() and
//   setNoDelay(). Checked once per class, on its prototype. Also `reading`,
//   net.Socket's own flag on each handle (set by Node as it starts and stops
//   reads: not on the class, so only the test checks it).
// - net.Socket's undocumented `handle` and `pauseOnCreate` options, which
//   net.Server uses for a connection it accepted: a socket over a handle.

import { Socket } from "node:net";

const PACKAGE = "@moonbridge/socket";

/**
 * The error for an internal this Node lacks or has changed.
 *
 * @param what - which internal, and how it differs, e.g. `"stream_wrap has no WriteWrap (a class)"`
 * @example
 * ```ts
 * throw unsupported("stream_wrap has no WriteWrap (a class)");
 * // @moonbridge/socket: Node v26.0.0's stream_wrap has no WriteWrap (a class); this Node version is not supported
 * ```
 */
export function unsupported(what: string): Error {
  return new Error(
    `${PACKAGE}: Node ${process.version}'s ${what}; this Node version is not supported`,
  );
}

/** What is used of process.binding("stream_wrap"). */
export interface StreamWrap {
  /** Where a read's length or error and a write's waiting flag are (at the two indices below). */
  readonly streamBaseState: Int32Array;
  /** Index in streamBaseState: the last read's byte count, or a negative libuv error (UV_EOF at the end). */
  readonly kReadBytesOrError: number;
  /** Index in streamBaseState: 1 when the last write had to wait in libuv, 0 when the kernel took it all. */
  readonly kLastWriteWasAsync: number;
  /** A write request (its `oncomplete` is called once a write that had to wait is done). */
  readonly WriteWrap: new () => object;
  /** A shutdown (FIN) request (its `oncomplete` is called once the FIN is sent). */
  readonly ShutdownWrap: new () => object;
}

/** What a TCP or Pipe handle of a connection is used for. */
export interface ConnectionHandle {
  readStart(): number;
  readStop(): number;
  /** net.Socket's own flag: true while the handle reads for it. */
  reading?: boolean;
  onread: (this: ConnectionHandle, arrayBuffer: ArrayBuffer | undefined) => unknown;
  writeBuffer(request: object, data: Uint8Array): number;
  writeUtf8String(request: object, data: string): number;
  /** From now on libuv reads into `buffer`; onread gets no ArrayBuffer, the bytes are there. */
  useUserBuffer(buffer: Uint8Array): void;
  /** Bytes libuv holds that the kernel has not taken yet. */
  readonly writeQueueSize: number;
  /** Sends FIN once the queued writes are out: 0 (oncomplete follows), 1 (done at once) or an error. */
  shutdown(request: object): number;
  close(callback?: () => void): void;
  /** TCP only: closes with RST; returns an error status or 0. */
  reset?(callback?: () => void): number;
  getsockname?(out: Record<string, unknown>): number;
  getpeername?(out: Record<string, unknown>): number;
  setNoDelay?(enable: boolean): number;
}

/** What stopping a socket's reads needs of its handle, whatever kind it is (TCP, Pipe, TLS...). */
export interface ReadingHandle {
  readStop(): number;
  /** net.Socket's own flag: true while the handle reads for it. */
  reading?: boolean;
}

/**
 * Checks process.binding("stream_wrap") (or a stand-in) for what is used of it.
 *
 * @param binding - the binding
 * @returns the binding, typed
 * @throws an {@link unsupported} Error naming the first thing missing
 * @example
 * ```ts
 * checkStreamWrap({}); // throws "... stream_wrap has no streamBaseState (an Int32Array) ..."
 * ```
 */
export function checkStreamWrap(binding: unknown): StreamWrap {
  if (typeof binding !== "object" || binding === null) throw unsupported("stream_wrap is missing");
  const wrap = binding as Record<string, unknown>;
  const state = wrap.streamBaseState;
  if (!(state instanceof Int32Array))
    throw unsupported("stream_wrap has no streamBaseState (an Int32Array)");
  for (const index of ["kReadBytesOrError", "kLastWriteWasAsync"]) {
    const at = wrap[index];
    if (typeof at !== "number" || !Number.isInteger(at) || at < 0 || at >= state.length)
      throw unsupported(`stream_wrap has no ${index} (an index of streamBaseState)`);
  }
  for (const request of ["WriteWrap", "ShutdownWrap"]) {
    if (typeof wrap[request] !== "function")
      throw unsupported(`stream_wrap has no ${request} (a class)`);
  }
  return binding as StreamWrap;
}

/** The outcome of looking up stream_wrap: once per copy of the package. */
let foundStreamWrap: StreamWrap | Error | undefined;

/**
 * process.binding("stream_wrap"), checked (once: later calls return it, or
 * throw the same Error).
 *
 * @throws an {@link unsupported} Error, or one saying process.binding failed (as under `--permission`)
 * @example
 * ```ts
 * const { streamBaseState, kReadBytesOrError } = streamWrap();
 * ```
 */
export function streamWrap(): StreamWrap {
  foundStreamWrap ??= findStreamWrap();
  if (foundStreamWrap instanceof Error) throw foundStreamWrap;
  return foundStreamWrap;
}

function findStreamWrap(): StreamWrap | Error {
  try {
    return checkStreamWrap(binding("stream_wrap"));
  } catch (error) {
    return error as Error;
  }
}

/** process.binding(name), or a loud Error if there is none or it throws. */
function binding(name: string): unknown {
  const get = (process as unknown as { binding?: unknown }).binding;
  if (typeof get !== "function") throw unsupported("process has no binding()");
  try {
    return get.call(process, name);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `${PACKAGE}: process.binding("${name}") failed on Node ${process.version}: ${reason}`,
      { cause },
    );
  }
}

/** Methods used on both handle classes of connections. */
const CONNECTION_METHODS = [
  "readStart",
  "readStop",
  "writeBuffer",
  "writeUtf8String",
  "useUserBuffer",
  "shutdown",
  "close",
];
/** Methods used on each class (reset and the addresses only exist on TCP). */
const HANDLE_METHODS = new Map<unknown, readonly string[]>([
  ["TCP", [...CONNECTION_METHODS, "reset", "getsockname", "getpeername", "setNoDelay"]],
  ["Pipe", CONNECTION_METHODS],
]);
/** Accessors used on both (checked with `in`: read on a prototype they throw). */
const HANDLE_ACCESSORS = ["onread", "writeQueueSize"];

/**
 * Whether `prototype` is the prototype of Node's TCP or Pipe handle class.
 *
 * @param prototype - a handle's prototype
 * @returns false for any other class (TLS, a plain object...)
 * @throws an {@link unsupported} Error if it is TCP's or Pipe's and lacks a method or accessor used here
 * @example
 * ```ts
 * checkHandlePrototype(Object.getPrototypeOf(handle)); // true for a TCP handle
 * ```
 */
export function checkHandlePrototype(prototype: object): boolean {
  const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
  const methods = HANDLE_METHODS.get(name);
  if (methods === undefined) return false;
  const found = prototype as Record<string, unknown>;
  for (const method of methods) {
    if (typeof found[method] !== "function")
      throw unsupported(`${name} handles have no ${method}()`);
  }
  for (const accessor of HANDLE_ACCESSORS) {
    if (!(accessor in prototype)) throw unsupported(`${name} handles have no ${accessor}`);
  }
  return true;
}

/** Prototypes found to be TCP's or Pipe's, with every method used here. */
const CONNECTION_PROTOTYPES = new WeakSet<object>();

/**
 * `value` as a TCP or Unix socket connection's handle, or undefined if it is
 * none. Each class is checked once (by its prototype), not each handle.
 *
 * @param value - anything (what a caller passes to MoonSocket.fromHandle)
 * @throws an {@link unsupported} Error if it is a TCP or Pipe handle of a shape not known here
 * @example
 * ```ts
 * const handle = asConnectionHandle(value);
 * if (handle !== undefined) handle.readStart();
 * ```
 */
export function asConnectionHandle(value: unknown): ConnectionHandle | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (typeof prototype !== "object" || prototype === null) return undefined;
  if (!CONNECTION_PROTOTYPES.has(prototype)) {
    if (!checkHandlePrototype(prototype)) return undefined;
    CONNECTION_PROTOTYPES.add(prototype);
  }
  return value as ConnectionHandle;
}

/**
 * Checks a net.Socket (or a stand-in) for the internals used here: `_handle`
 * and `_readableState.reading`.
 *
 * @param socket - a net.Socket
 * @throws an {@link unsupported} Error naming the first one missing
 * @example
 * ```ts
 * checkNetSocket(new Socket());
 * ```
 */
export function checkNetSocket(socket: object): void {
  if (!("_handle" in socket)) throw unsupported("net.Socket has no _handle");
  const state = (socket as { _readableState?: { reading?: unknown } })._readableState;
  if (typeof state !== "object" || state === null)
    throw unsupported("net.Socket has no _readableState");
  if (typeof state.reading !== "boolean")
    throw unsupported("net.Socket's _readableState has no reading flag (a boolean)");
}

/** Set once the first net.Socket passed the check (all are of the one class). */
let netSocketChecked = false;

function checkNetSocketOnce(socket: Socket): void {
  if (netSocketChecked) return;
  checkNetSocket(socket);
  netSocketChecked = true;
}

/**
 * The handle of `socket` if it is a TCP or Unix socket connection's.
 *
 * @returns undefined for another kind of stream (TLS, a stream that is no
 * net.Socket...), or once closed
 * @throws an {@link unsupported} Error if net.Socket or its handle classes changed
 * @example
 * ```ts
 * const handle = connectionHandleOf(socket);
 * ```
 */
export function connectionHandleOf(socket: Socket): ConnectionHandle | undefined {
  if (!(socket instanceof Socket)) return undefined;
  checkNetSocketOnce(socket);
  return asConnectionHandle(socketHandle(socket));
}

/**
 * net.Socket's `_handle`, unchecked: for a socket {@link connectionHandleOf}
 * was given first. Read on every write, so a plain property read.
 *
 * @example
 * ```ts
 * if (socketHandle(socket) !== handle) return false; // closed, or given away
 * ```
 */
export function socketHandle(socket: Socket): unknown {
  return (socket as unknown as { _handle: unknown })._handle;
}

/**
 * What stopping `socket`'s reads in the kernel needs: its handle and its
 * Readable's state.
 *
 * @returns undefined when there is nothing to stop: closed, or no net.Socket
 * @throws an {@link unsupported} Error if net.Socket or the handle's class changed
 * @example
 * ```ts
 * const internals = readingState(socket);
 * internals?.handle.readStop();
 * ```
 */
export function readingState(
  socket: Socket,
): { handle: ReadingHandle; state: { reading: boolean } } | undefined {
  if (!(socket instanceof Socket)) return undefined;
  checkNetSocketOnce(socket);
  const internals = socket as unknown as {
    _handle: ReadingHandle | null;
    _readableState: { reading: boolean };
  };
  const handle = internals._handle;
  if (handle === null || handle === undefined) return undefined;
  if (typeof handle.readStop !== "function") {
    const name = (handle as { constructor?: { name?: unknown } }).constructor?.name;
    throw unsupported(`${String(name)} handles have no readStop()`);
  }
  return { handle, state: internals._readableState };
}

/**
 * A net.Socket over `handle` (paused, half-open), as net.Server makes one for
 * a connection it accepted: from now on the handle is the socket's.
 *
 * @throws an {@link unsupported} Error if net.Socket ignored the handle
 * @example
 * ```ts
 * const socket = socketOverHandle(handle);
 * ```
 */
export function socketOverHandle(handle: ConnectionHandle): Socket {
  const socket = new Socket({
    handle,
    allowHalfOpen: true,
    readable: true,
    writable: true,
    pauseOnCreate: true,
  } as unknown as ConstructorParameters<typeof Socket>[0]);
  if (socketHandle(socket) !== handle)
    throw unsupported("net.Socket ignores its handle option (a socket over a handle)");
  return socket;
}
