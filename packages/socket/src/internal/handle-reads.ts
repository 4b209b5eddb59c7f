// Reading a connection straight from its libuv handle, not through
// net.Socket's Readable: the Readable costs every chunk a push, a buffer
// and a process.nextTick (about a sixth of a keep-alive request's CPU in a
// pool of one-connection workers). Bytes go from the handle to the input
// stream; an end of stream or a read error goes to Node's own handler, so
// the socket ends ('end') or fails ('error', destroyed) exactly as always.
// Uses Node internals (net.Socket's `_handle`, stream_wrap's shared read
// state); test/handle-reads.test.ts fails loudly if they change.

import type { Socket } from "node:net";
import { getSystemErrorName } from "node:util";

/** Where stream_wrap leaves the length (or error) and offset of what a handle read. */
interface ReadState {
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
}

/** What net.Socket's `_handle` is for TCP and Unix socket connections. */
interface ReadHandle {
  readStart(): number;
  readStop(): number;
  /** net.Socket's own flag: true while the handle reads for it. */
  reading?: boolean;
  onread: (this: ReadHandle, arrayBuffer: ArrayBuffer | undefined) => unknown;
}

/** Starts and stops the reads of one socket's handle. */
export interface HandleReader {
  start(): void;
  stop(): void;
  /** Gives the reads back to net.Socket (as it was: reading or not); the reader is done. */
  release(): void;
}

let readState: ReadState | null | undefined;

/** stream_wrap's read state, or null when this Node has none of the shape known here. */
export function streamReadState(): ReadState | null {
  if (readState !== undefined) return readState;
  readState = null;
  try {
    const binding = (process as unknown as { binding(name: string): Partial<ReadState> }).binding(
      "stream_wrap",
    );
    if (
      binding.streamBaseState instanceof Int32Array &&
      typeof binding.kReadBytesOrError === "number" &&
      typeof binding.kArrayBufferOffset === "number"
    ) {
      readState = binding as ReadState;
    }
  } catch {
    // No process.binding (another runtime): sockets are read as streams.
  }
  return readState;
}

/** The handle classes of TCP and Unix socket connections (TLS and others keep their stream path). */
const CONNECTION_HANDLES = new Set(["TCP", "Pipe"]);

function readHandle(socket: Socket): ReadHandle | undefined {
  const handle = (socket as unknown as { _handle?: Partial<ReadHandle> | null })._handle;
  if (
    handle === undefined ||
    handle === null ||
    !CONNECTION_HANDLES.has(handle.constructor?.name) ||
    typeof handle.readStart !== "function" ||
    typeof handle.readStop !== "function" ||
    typeof handle.onread !== "function"
  ) {
    return undefined;
  }
  return handle as ReadHandle;
}

/**
 * Delivers the bytes `socket` receives to `onData`, read from its handle, from
 * the next start() on. Undefined when the socket cannot be read so (no handle
 * of the known kind, bytes already in its Readable, or someone else reading
 * it): read it as a stream then.
 */
export function readFromHandle(
  socket: Socket,
  onData: (chunk: Buffer) => void,
): HandleReader | undefined {
  const handle = readHandle(socket);
  const state = streamReadState();
  if (handle === undefined || state === null) return undefined;
  if (socket.readableLength > 0 || socket.readableFlowing === true) return undefined;
  if (socket.listenerCount("data") > 0 || socket.listenerCount("readable") > 0) return undefined;
  const { streamBaseState, kReadBytesOrError, kArrayBufferOffset } = state;
  const nodeOnRead = handle.onread;
  handle.onread = function onread(arrayBuffer) {
    const nread = streamBaseState[kReadBytesOrError] as number;
    if (nread > 0 && arrayBuffer !== undefined) {
      onData(Buffer.from(arrayBuffer, streamBaseState[kArrayBufferOffset], nread));
      return;
    }
    // Nothing this time, the end of stream, or an error: Node's way.
    return nodeOnRead.call(this, arrayBuffer);
  };
  let released = false;
  return {
    start() {
      if (released || handle.reading === true || socket.destroyed) return;
      handle.reading = true;
      const status = handle.readStart();
      if (status < 0) socket.destroy(readError(status));
    },
    stop() {
      if (released || handle.reading !== true) return;
      handle.reading = false;
      handle.readStop();
    },
    release() {
      if (released) return;
      released = true;
      handle.onread = nodeOnRead;
    },
  };
}

/** The error net.Socket would make of a failed read (`read ECONNRESET`, with code and errno). */
function readError(status: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  const error: NodeJS.ErrnoException = new Error(`read ${code}`);
  error.code = code;
  error.errno = status;
  error.syscall = "read";
  return error;
}
