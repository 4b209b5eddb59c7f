// Every Node internal @moonbridge/supervisor uses, and the one file that
// reaches them: the rest of the package gets them from here, checked. A
// missing or changed internal throws an Error naming the package, the
// internal and process.version, at first use (the checks are exported for
// test/node-internals.test.ts, which asserts them all on the running Node).
//
// Why public APIs cannot do it:
// - the supervisor binds a listener without accepting on it (net.Server
//   always accepts), and keeps it open for its whole life, so that while
//   every worker is busy connections wait in the kernel's backlog;
// - an idle worker listens on its own copy of the handle, and closes it in
//   the accept callback, which stops libuv's accept loop after exactly one
//   connection: a worker can never take a second one;
// - a parked connection moves between processes as its raw handle, and the
//   supervisor reads its next bytes from that handle (one read, then it
//   stops) without making a net.Socket for each of thousands of idle
//   connections;
// - handles travel over child_process's IPC pipe in frames of our own
//   (handle-channel.ts): child_process.send() with a handle costs a JSON
//   message, an acknowledgement back from the receiver, and one handle in
//   flight at a time; an extra stdio pipe would need both ends opened as IPC
//   pipes, and the supervisor's end is owned (and read) by the net.Socket
//   child_process made for it.
//
// The internals:
// - process.binding("tcp_wrap") and ("pipe_wrap"): the TCP and Pipe handle
//   classes and their `constants.SERVER` (a listening socket): bind(),
//   bind6() (TCP), listen(), `onconnection` (set by us: called with each
//   accepted connection's handle), getsockname() and setNoDelay() (TCP),
//   close(); on a connection's handle readStart(), readStop() and `onread`,
//   and `reading`, net.Socket's own flag on its handle. Checked once, on the
//   classes' prototypes.
// - process.binding("stream_wrap"): `streamBaseState`, the Int32Array where
//   a handle's read leaves its length or error (at `kReadBytesOrError`) and
//   the offset of its bytes in the ArrayBuffer it got (at
//   `kArrayBufferOffset`); `WriteWrap`, the request a write takes.
// - net.Socket's `_handle`: a detached socket's handle is taken out of it
//   (set to null, so that destroying the socket closes nothing).
// - child_process's IPC channel: the raw Pipe (with the IPC flag) under a
//   ChildProcess, or under `process` in a child, at the symbol property
//   `kChannelHandle`; its writeUtf8String(request, string, handle), which
//   sends a handle with the bytes; its `onread`, child_process's parser, which
//   we wrap; `pendingHandle`, where the handle that came with the last read
//   waits for the parser; `buffering`, true while the parser holds part of a
//   message (set by child_process once it has read one).

import type { Socket } from "node:net";

const PACKAGE = "@moonbridge/supervisor";

/**
 * The error for an internal this Node lacks or has changed.
 *
 * @param what - which internal, and how it differs, e.g. `"tcp_wrap has no TCP (a class)"`
 * @example
 * ```ts
 * throw unsupported("tcp_wrap has no TCP (a class)");
 * // @moonbridge/supervisor: Node v26.0.0's tcp_wrap has no TCP (a class); this Node version is not supported
 * ```
 */
export function unsupported(what: string): Error {
  return new Error(
    `${PACKAGE}: Node ${process.version}'s ${what}; this Node version is not supported`,
  );
}

/** A libuv stream handle as tcp_wrap and pipe_wrap make it: a listener, or a connection. */
export interface NativeHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  /** Takes over an open socket descriptor (one a service manager passed, say). */
  open(fd: number): number;
  listen(backlog: number): number;
  setNoDelay?(enable: boolean): number;
  getsockname(out: Record<string, unknown>): number;
  close(callback?: () => void): void;
  onconnection: ((status: number, client: NativeHandle | undefined) => void) | null;
}

/** What a connection's handle adds (a parked one: read once, then passed on). */
export interface StreamHandle extends NativeHandle {
  readStart(): number;
  readStop(): number;
  /** Must always be a function (Node asserts it). */
  onread: (arrayBuffer: ArrayBuffer | undefined) => void;
  /** net.Socket's own flag: true while the handle reads for it. */
  reading?: boolean;
}

/** The TCP and Pipe handle classes, and the type that makes a listening socket of each. */
export interface HandleClasses {
  readonly TCP: new (type: number) => NativeHandle;
  readonly tcpServer: number;
  readonly Pipe: new (type: number) => NativeHandle;
  readonly pipeServer: number;
}

/** A write request, as stream_wrap's WriteWrap. */
export interface WriteRequest {
  oncomplete: (status: number) => void;
}

/** What is used of process.binding("stream_wrap"). */
export interface StreamWrap {
  readonly WriteWrap: new () => WriteRequest;
  /** Where a read's length or error and its bytes' offset are (at the two indices below). */
  readonly streamBaseState: Int32Array;
  /** Index in streamBaseState: the last read's byte count, or a negative libuv error (UV_EOF at the end). */
  readonly kReadBytesOrError: number;
  /** Index in streamBaseState: where the last read's bytes start in the ArrayBuffer onread got. */
  readonly kArrayBufferOffset: number;
}

/** child_process's raw IPC pipe (pipe_wrap's Pipe with the IPC flag). */
export interface RawChannel {
  writeUtf8String(request: WriteRequest, data: string, handle?: NativeHandle): number;
  onread: ((this: RawChannel, arrayBuffer: ArrayBuffer | undefined) => void) | null;
  /** The handle that came with the last read, until child_process's parser takes it. */
  pendingHandle: unknown;
  /** True while child_process holds a partial message from an earlier chunk. */
  buffering?: boolean;
}

/** Methods used on each handle class's prototype. */
const HANDLE_METHODS = {
  TCP: [
    "bind",
    "bind6",
    "open",
    "listen",
    "getsockname",
    "setNoDelay",
    "close",
    "readStart",
    "readStop",
  ],
  Pipe: ["bind", "open", "listen", "close", "readStart", "readStop", "writeUtf8String"],
} as const;

/** Throws unless `owner[key]` is a handle class whose prototype has `methods` and `onread`. */
function checkHandleClass(owner: Record<string, unknown>, binding: string, key: "TCP" | "Pipe") {
  const found = owner[key];
  if (typeof found !== "function") throw unsupported(`${binding} has no ${key} (a class)`);
  const prototype = found.prototype as Record<string, unknown> | undefined;
  if (typeof prototype !== "object" || prototype === null)
    throw unsupported(`${binding}'s ${key} has no prototype`);
  for (const method of HANDLE_METHODS[key]) {
    if (typeof prototype[method] !== "function")
      throw unsupported(`${key} handles have no ${method}()`);
  }
  // An accessor: checked with `in` (read on the prototype it throws).
  if (!("onread" in prototype)) throw unsupported(`${key} handles have no onread`);
  return found;
}

/** Throws unless `binding.constants.SERVER` is a number. */
function serverType(binding: Record<string, unknown>, name: string): number {
  const server = (binding.constants as { SERVER?: unknown } | undefined)?.SERVER;
  if (typeof server !== "number") throw unsupported(`${name} has no constants.SERVER (a number)`);
  return server;
}

/**
 * Checks process.binding("tcp_wrap") and ("pipe_wrap") (or stand-ins) for
 * what is used of them.
 *
 * @param tcpWrap - the tcp_wrap binding
 * @param pipeWrap - the pipe_wrap binding
 * @returns the handle classes and their server types
 * @throws an {@link unsupported} Error naming the first thing missing
 * @example
 * ```ts
 * const { TCP, tcpServer } = checkHandleBindings(tcpWrap, pipeWrap);
 * ```
 */
export function checkHandleBindings(tcpWrap: unknown, pipeWrap: unknown): HandleClasses {
  const tcp = asObject(tcpWrap, "tcp_wrap");
  const pipe = asObject(pipeWrap, "pipe_wrap");
  return {
    TCP: checkHandleClass(tcp, "tcp_wrap", "TCP") as HandleClasses["TCP"],
    tcpServer: serverType(tcp, "tcp_wrap"),
    Pipe: checkHandleClass(pipe, "pipe_wrap", "Pipe") as HandleClasses["Pipe"],
    pipeServer: serverType(pipe, "pipe_wrap"),
  };
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
  const wrap = asObject(binding, "stream_wrap");
  const state = wrap.streamBaseState;
  if (!(state instanceof Int32Array))
    throw unsupported("stream_wrap has no streamBaseState (an Int32Array)");
  for (const index of ["kReadBytesOrError", "kArrayBufferOffset"]) {
    const at = wrap[index];
    if (typeof at !== "number" || !Number.isInteger(at) || at < 0 || at >= state.length)
      throw unsupported(`stream_wrap has no ${index} (an index of streamBaseState)`);
  }
  if (typeof wrap.WriteWrap !== "function")
    throw unsupported("stream_wrap has no WriteWrap (a class)");
  return binding as StreamWrap;
}

function asObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null) throw unsupported(`${name} is missing`);
  return value as Record<string, unknown>;
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

/** `find()`'s outcome, once: later calls get the same value (one comparison), or the same Error thrown. */
function once<T extends object>(find: () => T): () => T {
  let value: T | undefined;
  let failure: { error: unknown } | undefined;
  return () => {
    if (value !== undefined) return value;
    if (failure === undefined) {
      try {
        value = find();
        return value;
      } catch (error) {
        failure = { error };
      }
    }
    throw failure.error;
  };
}

/**
 * The TCP and Pipe handle classes (process.binding's tcp_wrap and pipe_wrap),
 * checked once.
 *
 * @throws an {@link unsupported} Error, or one saying process.binding failed (as under `--permission`)
 * @example
 * ```ts
 * const { TCP, tcpServer } = handleClasses();
 * const listener = new TCP(tcpServer);
 * ```
 */
export const handleClasses: () => HandleClasses = once(() =>
  checkHandleBindings(binding("tcp_wrap"), binding("pipe_wrap")),
);

/**
 * process.binding("stream_wrap"), checked once.
 *
 * @throws an {@link unsupported} Error, or one saying process.binding failed (as under `--permission`)
 * @example
 * ```ts
 * const { streamBaseState, kReadBytesOrError } = streamWrap();
 * ```
 */
export const streamWrap: () => StreamWrap = once(() => checkStreamWrap(binding("stream_wrap")));

/**
 * Checks a net.Socket (or a stand-in) for `_handle`.
 *
 * @throws an {@link unsupported} Error if it has none
 * @example
 * ```ts
 * checkNetSocket(new Socket());
 * ```
 */
export function checkNetSocket(socket: object): void {
  if (!("_handle" in socket)) throw unsupported("net.Socket has no _handle");
}

/**
 * net.Socket's `_handle` (null once closed or taken).
 *
 * @throws an {@link unsupported} Error if net.Socket has none
 * @example
 * ```ts
 * const handle = socketHandle(socket);
 * ```
 */
export function socketHandle(socket: Socket): unknown {
  checkNetSocket(socket);
  return (socket as unknown as { _handle: unknown })._handle;
}

/**
 * Takes the handle out of `socket` (its `_handle` is null from now on):
 * destroying the socket then closes nothing.
 *
 * @example
 * ```ts
 * const handle = socketHandle(socket);
 * forgetHandle(socket);
 * ```
 */
export function forgetHandle(socket: Socket): void {
  (socket as unknown as { _handle: unknown })._handle = null;
}

/**
 * Checks a raw IPC channel (or a stand-in) for what is used of it.
 *
 * @throws an {@link unsupported} Error naming the first thing missing
 * @example
 * ```ts
 * checkChannel({}); // throws "... child_process's channel has no writeUtf8String() ..."
 * ```
 */
export function checkChannel(channel: unknown): RawChannel {
  if (typeof channel !== "object" || channel === null)
    throw unsupported("child_process has no channel handle (kChannelHandle)");
  const raw = channel as Record<string, unknown>;
  if (typeof raw.writeUtf8String !== "function")
    throw unsupported("child_process's channel has no writeUtf8String()");
  if (typeof raw.onread !== "function")
    throw unsupported("child_process's channel has no onread (its parser)");
  if (!("pendingHandle" in raw)) throw unsupported("child_process's channel has no pendingHandle");
  if (raw.buffering !== undefined && typeof raw.buffering !== "boolean")
    throw unsupported("child_process's channel has a buffering flag that is not a boolean");
  return channel as RawChannel;
}

/**
 * The raw pipe under child_process's IPC channel of `owner`: a ChildProcess
 * forked with one, or `process` in a child. Checked each time (once per
 * channel: its owner's life).
 *
 * @throws an {@link unsupported} Error if Node's channel internals changed
 * @example
 * ```ts
 * const channel = ipcChannel(child);
 * ```
 */
export function ipcChannel(owner: object): RawChannel {
  const key = Object.getOwnPropertySymbols(owner).find((s) => s.description === "kChannelHandle");
  return checkChannel(key === undefined ? undefined : (owner as Record<symbol, unknown>)[key]);
}
