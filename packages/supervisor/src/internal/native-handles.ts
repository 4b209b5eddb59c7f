// One of the two files that use Node internals (process.binding's tcp_wrap,
// pipe_wrap and stream_wrap), because public APIs cannot do what the pool needs:
// - the supervisor binds a listener without accepting on it (net.Server
//   always accepts), and keeps it open for its whole life, so that while
//   every worker is busy connections wait in the kernel's backlog;
// - an idle worker listens on its own copy of the handle, and closes it in
//   the accept callback, which stops libuv's accept loop after exactly one
//   connection: a worker can never take a second one;
// - a parked connection moves between processes as its raw handle, and the
//   supervisor reads its next bytes from that handle (one read, then it stops)
//   without making a net.Socket for each of thousands of idle connections.
// test/native-handles.test.ts fails loudly if these internals change.

import type { Socket } from "node:net";
import { getSystemErrorName } from "node:util";

/** A libuv stream handle as tcp_wrap and pipe_wrap make it. */
export interface NativeHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  setNoDelay?(enable: boolean): number;
  getsockname(out: Record<string, unknown>): number;
  close(callback?: () => void): void;
  onconnection: ((status: number, client: NativeHandle | undefined) => void) | null;
  fd: number;
}

/** What a connection's handle adds (a parked one: read once, then passed on). */
interface StreamHandle extends NativeHandle {
  readStart(): number;
  readStop(): number;
  /** Must always be a function (Node asserts it). */
  onread: (arrayBuffer: ArrayBuffer | undefined) => void;
  reading?: boolean;
}

interface Binding {
  new (type: number): NativeHandle;
}

/** stream_wrap's shared state: where the length and offset of the bytes a handle read are. */
export interface StreamInternals {
  WriteWrap: new () => { oncomplete: (status: number) => void };
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
}

interface Bindings {
  TCP: Binding;
  tcpServer: number;
  Pipe: Binding;
  pipeServer: number;
}

let bindings: Bindings | undefined;
let streamInternals: StreamInternals | undefined;

/** stream_wrap's internals. Throws if this Node version has other ones. */
export function streams(): StreamInternals {
  if (streamInternals !== undefined) return streamInternals;
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> })
    .binding;
  const wrap = binding("stream_wrap") as Partial<StreamInternals>;
  if (
    typeof wrap.WriteWrap !== "function" ||
    !(wrap.streamBaseState instanceof Int32Array) ||
    typeof wrap.kReadBytesOrError !== "number" ||
    typeof wrap.kArrayBufferOffset !== "number"
  ) {
    throw new Error(
      `@moonbridge/supervisor: the stream_wrap binding of Node ${process.version} is not supported`,
    );
  }
  streamInternals = wrap as StreamInternals;
  return streamInternals;
}

function load(): Bindings {
  if (bindings !== undefined) return bindings;
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> })
    .binding;
  const tcp = binding("tcp_wrap") as { TCP?: Binding; constants?: { SERVER?: number } };
  const pipe = binding("pipe_wrap") as { Pipe?: Binding; constants?: { SERVER?: number } };
  if (
    typeof tcp.TCP !== "function" ||
    typeof tcp.constants?.SERVER !== "number" ||
    typeof pipe.Pipe !== "function" ||
    typeof pipe.constants?.SERVER !== "number"
  ) {
    throw new Error(
      `@moonbridge/supervisor: the tcp_wrap/pipe_wrap bindings of Node ${process.version} are not supported`,
    );
  }
  bindings = {
    TCP: tcp.TCP,
    tcpServer: tcp.constants.SERVER,
    Pipe: pipe.Pipe,
    pipeServer: pipe.constants.SERVER,
  };
  return bindings;
}

function systemError(syscall: string, status: number, where: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code} ${where}`);
  error.code = code;
  error.errno = status;
  error.syscall = syscall;
  return error;
}

/** A TCP handle bound to `address` (numeric) and `port`, not listening. Throws the system error. */
export function bindTcp(
  address: string,
  port: number,
  ipv6: boolean,
): { handle: NativeHandle; port: number } {
  const { TCP, tcpServer } = load();
  const handle = new TCP(tcpServer);
  const status = ipv6 ? handle.bind6(address, port, 0) : handle.bind(address, port);
  if (status < 0) {
    handle.close();
    throw systemError("bind", status, `${address}:${port}`);
  }
  // On Linux an accepted socket is a clone of the listening one and inherits
  // TCP_NODELAY: set once here, no system call per connection in the workers.
  handle.setNoDelay?.(true);
  // libuv keeps a bind's EADDRINUSE for listen(), which the supervisor never
  // calls; getsockname reports it too, so a port in use fails here, not in
  // the workers (whose listen() on the unbound socket would pick a random port).
  const out: Record<string, unknown> = {};
  const named = handle.getsockname(out);
  if (named < 0 || typeof out.port !== "number") {
    handle.close();
    throw systemError("bind", named < 0 ? named : -22, `${address}:${port}`);
  }
  return { handle, port: out.port };
}

/** A Unix domain socket handle bound to `path`, not listening. Throws the system error. */
export function bindPipe(path: string): NativeHandle {
  const { Pipe, pipeServer } = load();
  const handle = new Pipe(pipeServer);
  const status = handle.bind(path, 0);
  if (status < 0) {
    handle.close();
    throw systemError("bind", status, path);
  }
  return handle;
}

/**
 * Listens on every handle until one accepts a connection; then closes them all
 * synchronously (inside the accept callback, so libuv accepts exactly one) and
 * calls `onConnection` with the connection's handle (served as it is, no
 * net.Socket made: MoonSocket.fromHandle). The handles are used up: each
 * accept needs fresh copies. `onError` gets a listen or accept failure (the
 * handles are closed then too).
 */
export function acceptOnce(
  handles: readonly NativeHandle[],
  onConnection: (client: NativeHandle) => void,
  onError: (error: NodeJS.ErrnoException) => void,
): () => void {
  const { TCP } = load();
  let done = false;
  const closeAll = (): void => {
    if (done) return;
    done = true;
    for (const handle of handles) {
      handle.onconnection = null;
      handle.close();
    }
  };
  for (const handle of handles) {
    handle.onconnection = (status, client) => {
      closeAll();
      if (status < 0 || client === undefined) onError(systemError("accept", status, "listener"));
      else {
        // Small responses must not wait for Nagle's algorithm (inherited from the listener on Linux).
        if (handle instanceof TCP && process.platform !== "linux") client.setNoDelay?.(true);
        onConnection(client);
      }
    };
    const status = handle.listen(511);
    if (status < 0) {
      closeAll();
      onError(systemError("listen", status, "listener"));
      break;
    }
  }
  return closeAll;
}

/** Turns of the event loop in a row that must find the backlog empty before the listeners close. */
const EMPTY_TURNS = 3;

/**
 * The pool stops: accepts every connection waiting in the listeners'
 * backlogs (`onConnection` gets each), then closes the listeners. libuv
 * accepts in each turn's poll phase until the backlog is empty; the close
 * comes in the check phase of a turn (setImmediate, right after the poll)
 * once EMPTY_TURNS turns in a row took nothing, so only a connection that
 * arrives in the microseconds between a poll and that close is refused by
 * the kernel rather than taken. Call it once no other process holds a copy
 * of the listeners (else the port stays open in the kernel).
 */
export function acceptBacklogAndClose(
  handles: readonly NativeHandle[],
  onConnection: (client: NativeHandle) => void,
): Promise<void> {
  let taken = 0;
  for (const handle of handles) {
    handle.onconnection = (status, client) => {
      if (status < 0 || client === undefined) return;
      taken++;
      onConnection(client);
    };
    handle.listen(511); // a failure leaves nothing to accept: the close below still comes
  }
  return new Promise((resolve) => {
    let seen = taken;
    let empty = -1; // the first check may come before any poll
    const check = (): void => {
      if (taken !== seen) {
        seen = taken;
        empty = 0;
      } else empty++;
      if (empty < EMPTY_TURNS) {
        setImmediate(check);
        return;
      }
      for (const handle of handles) {
        handle.onconnection = null;
        handle.close();
      }
      resolve();
    };
    setImmediate(check);
  });
}

function ignoreRead(): void {}

/**
 * Takes the raw handle out of a net.Socket whose reading has stopped (a
 * detached MoonSocket's): the socket is left without it (destroying it closes
 * nothing) and the handle is the caller's, to pass on and close.
 */
export function releaseHandle(socket: Socket): NativeHandle {
  const internals = socket as unknown as { _handle?: StreamHandle | null };
  const handle = internals._handle;
  if (handle === undefined || handle === null || !isNativeHandle(handle)) {
    throw new Error("releaseHandle: the socket has no connection handle (closed already?)");
  }
  handle.readStop();
  handle.reading = false;
  handle.onread = ignoreRead;
  internals._handle = null;
  socket.destroy();
  return handle;
}

/**
 * Reads the next bytes of a connection's handle, once: `onRead` gets them (a
 * Buffer of what one read returned), or null at the peer's end of stream or
 * on an error; reading has stopped by then. Returns the function that stops
 * waiting (without a read).
 */
export function readOnce(handle: NativeHandle, onRead: (bytes: Buffer | null) => void): () => void {
  const stream = handle as StreamHandle;
  const state = streams();
  const stop = (): void => {
    stream.onread = ignoreRead;
    stream.readStop();
  };
  stream.onread = (arrayBuffer) => {
    const status = state.streamBaseState[state.kReadBytesOrError] as number;
    if (status === 0) return; // nothing this time (EAGAIN)
    stop();
    if (status < 0 || arrayBuffer === undefined) {
      onRead(null); // UV_EOF or an error: either way the connection is over
      return;
    }
    const offset = state.streamBaseState[state.kArrayBufferOffset] as number;
    onRead(Buffer.from(arrayBuffer, offset, status));
  };
  if (stream.readStart() < 0) {
    stream.onread = ignoreRead;
    queueMicrotask(() => onRead(null));
  }
  return stop;
}

/** True for the raw TCP and Unix socket handles this file makes (and IPC delivers). */
export function isNativeHandle(value: unknown): value is NativeHandle {
  if (typeof value !== "object" || value === null) return false;
  const { TCP, Pipe } = load();
  return value instanceof TCP || value instanceof Pipe;
}
