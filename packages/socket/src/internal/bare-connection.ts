// A connection served straight on its libuv handle with no net.Socket at all:
// what the pool's workers accept and what comes back from being parked.
// Making and tearing down a net.Socket (its Duplex, its two stream states,
// its destroy) was a fifth of a short connection's CPU in the pool. The
// streams read and write the handle through handle-io.ts as they do a
// socket's; this holds what net.Socket would: the end of the connection
// (FIN, close, reset), its I/O errors, and its addresses.

import type { Socket } from "node:net";
import {
  type BareHost,
  HandleReader,
  HandleWriter,
  type InputSink,
  shutdownHandle,
  useStreamWrap,
} from "./handle-io";
import { asConnectionHandle, type ConnectionHandle, socketOverHandle } from "./node-internals";

function ignore(): void {}

/** A sink for a reader that is released at once (it never reads). */
const NO_SINK: InputSink = { bytesCame: ignore };

export class BareConnection implements BareHost {
  readonly handle: ConnectionHandle;
  /** The handle is closed (or given away). */
  destroyed = false;
  /** Set by the input stream: it hears the peer's FIN. */
  input: { peerEnded(): void } | undefined;
  /** Set by the socket: a read or write failed (the handle is closed by then). */
  onError: (error: NodeJS.ErrnoException) => void = ignore;

  private constructor(handle: ConnectionHandle) {
    this.handle = handle;
  }

  /**
   * `handle` (a TCP or Unix socket connection's, from Node's bindings) as a
   * bare connection; undefined if it is none. Throws if this Node's internals
   * are not the known ones.
   */
  static of(handle: unknown): BareConnection | undefined {
    const connection = asConnectionHandle(handle);
    if (connection === undefined) return undefined;
    useStreamWrap();
    return new BareConnection(connection);
  }

  reader(sink: InputSink): HandleReader {
    return HandleReader.bare(this.handle, this, sink);
  }

  writer(): HandleWriter {
    return HandleWriter.bare(this.handle, this);
  }

  readEnded(): void {
    this.input?.peerEnded();
  }

  failed(error: NodeJS.ErrnoException): void {
    if (this.destroyed) return;
    this.destroy();
    this.onError(error);
    // As a net.Socket's 'close' after its 'error': nothing more can come.
    this.input?.peerEnded();
  }

  /** Sends FIN once the queued writes are out; `done` gets the outcome. */
  end(done: (error?: NodeJS.ErrnoException) => void): void {
    if (this.destroyed) {
      done();
      return;
    }
    shutdownHandle(this.handle, done);
  }

  /** Closes the handle (what is queued and not sent is dropped). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#stopReading();
    this.handle.close();
  }

  /** Closes with a TCP RST (a plain close on Unix sockets). */
  reset(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#stopReading();
    const handle = this.handle;
    if (typeof handle.reset !== "function" || handle.reset() !== 0) handle.close();
  }

  /** The handle, reading stopped, for the caller to pass on and close; this connection is done with it. */
  release(): ConnectionHandle {
    this.#stopReading();
    this.destroyed = true;
    this.handle.onread = ignore;
    return this.handle;
  }

  /**
   * The connection as a net.Socket (paused, half-open), for detach(): from
   * now on its reads are pushed to the socket's Readable, its writes are the
   * socket's; this connection is done with the handle.
   */
  toSocket(): Socket {
    this.#stopReading();
    this.destroyed = true;
    const socket = socketOverHandle(this.handle);
    // net.Socket installed its own onread; the handle reads into our buffer, so ours must stay, handing to the socket.
    HandleReader.of(socket, NO_SINK)?.release();
    return socket;
  }

  /** The local and remote address and port, as net.Socket gives them (undefined on Unix sockets). */
  address(which: "local" | "remote"): { address?: string; port?: number } {
    const handle = this.handle;
    const get = which === "local" ? handle.getsockname : handle.getpeername;
    if (this.destroyed || typeof get !== "function") return {};
    const out: { address?: string; port?: number } = {};
    return get.call(handle, out) === 0 ? out : {};
  }

  #stopReading(): void {
    const handle = this.handle;
    if (handle.reading === true) {
      handle.reading = false;
      handle.readStop();
    }
  }
}
