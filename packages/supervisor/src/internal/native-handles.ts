// Listeners and connections on raw libuv handles: binding a listener that
// does not accept, accepting a given number of connections at most, draining the backlog at
// the end, taking a connection's handle out of its net.Socket, and reading a
// parked connection's next bytes once. The handles and what they rely on are
// Node internals (why public APIs cannot do this, and what each is:
// node-internals.ts, which this gets them from).

import type { Socket } from "node:net";
import { getSystemErrorName } from "node:util";
import {
  forgetHandle,
  handleClasses,
  type NativeHandle,
  type StreamHandle,
  socketHandle,
  streamWrap,
} from "./node-internals";

export type { NativeHandle } from "./node-internals";

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
  const { TCP, tcpServer } = handleClasses();
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

/**
 * A listening socket this process inherited at descriptor `fd` (systemd's
 * socket activation), as a TCP handle, with the address it is bound to.
 * Throws the system error.
 */
export function openTcp(fd: number): { handle: NativeHandle; address: string; port: number } {
  const { TCP, tcpServer } = handleClasses();
  const handle = new TCP(tcpServer);
  const status = handle.open(fd);
  const out: Record<string, unknown> = {};
  const named = status < 0 ? status : handle.getsockname(out);
  if (named < 0 || typeof out.port !== "number" || typeof out.address !== "string") {
    handle.close();
    throw systemError(
      status < 0 ? "open" : "getsockname",
      named < 0 ? named : -22,
      `descriptor ${fd}`,
    );
  }
  return { handle, address: out.address, port: out.port };
}

/** A listening Unix domain socket inherited at descriptor `fd`, as a Pipe handle. Throws the system error. */
export function openPipe(fd: number): NativeHandle {
  const { Pipe, pipeServer } = handleClasses();
  const handle = new Pipe(pipeServer);
  const status = handle.open(fd);
  if (status < 0) {
    handle.close();
    throw systemError("open", status, `descriptor ${fd}`);
  }
  return handle;
}

/** A Unix domain socket handle bound to `path`, not listening. Throws the system error. */
export function bindPipe(path: string): NativeHandle {
  const { Pipe, pipeServer } = handleClasses();
  const handle = new Pipe(pipeServer);
  const status = handle.bind(path, 0);
  if (status < 0) {
    handle.close();
    throw systemError("bind", status, path);
  }
  return handle;
}

/**
 * Connections the kernel queues on a listener before it drops new ones (it
 * caps this at net.core.somaxconn, 4096 on current Linux). With Node's 511 a
 * burst of thousands of connects overflowed (each dropped SYN is retried a
 * second later): workers accept between requests, not in a loop of their own.
 */
const BACKLOG = 4096;

/**
 * Listens on every handle for up to `most` connections, and calls
 * `onConnection` with each one's handle (served as it is, no net.Socket
 * made: MoonSocket.fromHandle) and whether it is the last. libuv accepts one
 * connection per listener in each turn of the event loop's poll. The handles
 * close synchronously inside the callback of the `most`-th (so exactly
 * `most` are taken), or in the check phase of the first turn after the
 * first connection that brought none: then `onClosed` is called. With `most`
 * 1 the first connection is the last. The handles are used up: each listen
 * needs fresh copies. `onError` gets a listen or accept failure (the handles
 * are closed then too). Returns a function that closes them early (no
 * callback then).
 */
export function acceptSome(
  handles: readonly NativeHandle[],
  most: number,
  onConnection: (client: NativeHandle, last: boolean, listener: number) => void,
  onError: (error: NodeJS.ErrnoException) => void,
  onClosed: () => void = () => {},
): () => void {
  const { TCP } = handleClasses();
  let done = false;
  let taken = 0;
  /** Taken when the last check phase ran. */
  let checked = 0;
  const closeAll = (): void => {
    if (done) return;
    done = true;
    for (const handle of handles) {
      handle.onconnection = null;
      handle.close();
    }
  };
  // An immediate runs in the check phase, right after a turn's poll.
  const check = (): void => {
    if (done) return;
    if (taken > checked) {
      checked = taken;
      setImmediate(check);
      return;
    }
    closeAll();
    onClosed();
  };
  for (const [listener, handle] of handles.entries()) {
    handle.onconnection = (status, client) => {
      if (status < 0 || client === undefined) {
        closeAll();
        onError(systemError("accept", status, "listener"));
        return;
      }
      const last = ++taken >= most;
      if (last) closeAll();
      else if (taken === 1) setImmediate(check);
      // Small responses must not wait for Nagle's algorithm (inherited from the listener on Linux).
      if (handle instanceof TCP && process.platform !== "linux") client.setNoDelay?.(true);
      onConnection(client, last, listener);
    };
    const status = handle.listen(BACKLOG);
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
  onConnection: (client: NativeHandle, listener: number) => void,
): Promise<void> {
  let taken = 0;
  for (const [listener, handle] of handles.entries()) {
    handle.onconnection = (status, client) => {
      if (status < 0 || client === undefined) return;
      taken++;
      onConnection(client, listener);
    };
    handle.listen(BACKLOG); // a failure leaves nothing to accept: the close below still comes
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
  const handle = socketHandle(socket);
  if (!isNativeHandle(handle)) {
    throw new Error("releaseHandle: the socket has no connection handle (closed already?)");
  }
  const stream = handle as StreamHandle;
  stream.readStop();
  stream.reading = false;
  stream.onread = ignoreRead;
  forgetHandle(socket);
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
  const { streamBaseState, kReadBytesOrError, kArrayBufferOffset } = streamWrap();
  const stop = (): void => {
    stream.onread = ignoreRead;
    stream.readStop();
  };
  stream.onread = (arrayBuffer) => {
    const status = streamBaseState[kReadBytesOrError] as number;
    if (status === 0) return; // nothing this time (EAGAIN)
    stop();
    if (status < 0 || arrayBuffer === undefined) {
      onRead(null); // UV_EOF or an error: either way the connection is over
      return;
    }
    const offset = streamBaseState[kArrayBufferOffset] as number;
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
  const { TCP, Pipe } = handleClasses();
  return value instanceof TCP || value instanceof Pipe;
}
