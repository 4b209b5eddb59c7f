// The worker's side of the copies its supervisor holds. A worker keeps
// serving its keep-alive connections between requests; if it died, they
// would die with it. So once a connection waits idle for its next request
// (nothing of it read), the worker sends the supervisor a copy of its handle
// (a "held" frame, once per connection), and the supervisor holds it, never
// reading, until the worker says it is done with the connection (a report's
// `dropped`), parks it (the park then names the copy, and no handle travels),
// or dies: then the connection whose request ran is closed (turn-file.ts)
// and the others wait for their next request in the supervisor, as parked
// ones do. A new connection is copied only if it waits for its first bytes
// while the worker would take another or run another's request
// (new-connections.ts), or if it was accepted while another's request ran: a
// connection whose request comes at once costs no copy. A resumed connection
// comes with the supervisor's copy, which it keeps.

import { type HandleSender, handleSender } from "./handle-channel";
import type { NativeHandle } from "./native-handles";

/** A copy the supervisor holds: its id, and the connection's socket (once it is served) and handle here. */
interface Copy {
  id: number;
  socket: object | undefined;
  handle: NativeHandle;
}

export class ConnectionCopies {
  /** The handles of the connections served here (by their sockets), for the copy. */
  readonly #handles = new WeakMap<object, NativeHandle>();
  /** The supervisor's copies, by socket and by handle (what a park knows the connection by). */
  readonly #bySocket = new Map<object, Copy>();
  readonly #byHandle = new Map<NativeHandle, Copy>();
  #nextId = 0;
  #dropped: number[] = [];
  /** Made at the first copy: the IPC channel is there by then. */
  #sender: HandleSender | undefined;
  readonly #onCopied: (id: number, socket: object | undefined, handle: NativeHandle) => void;

  /** `onCopied`: a copy went to the supervisor (its id, the connection's socket if served, its handle). */
  constructor(
    onCopied: (id: number, socket: object | undefined, handle: NativeHandle) => void = () => {},
  ) {
    this.#onCopied = onCopied;
  }

  /** A connection accepted here: its handle, for a copy later (or the copy made while it waited to be served). */
  serving(socket: object, handle: NativeHandle): void {
    this.#handles.set(socket, handle);
    const copy = this.#byHandle.get(handle);
    if (copy === undefined) return;
    copy.socket = socket;
    this.#bySocket.set(socket, copy);
  }

  /** A connection accepted while another's request runs, not served yet: the supervisor gets a copy. */
  copyUnserved(handle: NativeHandle): void {
    this.#send(handle, undefined);
  }

  /** A connection resumed here: the supervisor keeps its copy, under the id returned. */
  resumed(socket: object, handle: NativeHandle): number {
    this.#handles.set(socket, handle);
    return this.#add(socket, handle).id;
  }

  /** The connection waits idle between requests: the supervisor gets a copy, if it has none. */
  copy(socket: object): void {
    if (this.#bySocket.has(socket)) return;
    const handle = this.#handles.get(socket);
    if (handle !== undefined) this.#send(handle, socket);
  }

  #send(handle: NativeHandle, socket: object | undefined): void {
    if (process.connected !== true) return;
    this.#sender ??= handleSender(process, () => {});
    // A channel that fails is the worker's end: nothing more to do about one copy.
    if (this.#sender.send("held", this.#nextId + 1, handle))
      this.#onCopied(this.#add(socket, handle).id, socket, handle);
  }

  #add(socket: object | undefined, handle: NativeHandle): Copy {
    const copy = { id: ++this.#nextId, socket, handle };
    if (socket !== undefined) this.#bySocket.set(socket, copy);
    this.#byHandle.set(handle, copy);
    return copy;
  }

  #forget(copy: Copy): void {
    if (copy.socket !== undefined) this.#bySocket.delete(copy.socket);
    this.#byHandle.delete(copy.handle);
  }

  /** The id of the supervisor's copy of `socket`'s connection; 0 if it has none. */
  idOf(socket: object): number {
    return this.#bySocket.get(socket)?.id ?? 0;
  }

  /** `handle`'s connection is parked: the id of the copy that stands for it (forgotten here), or 0. */
  parked(handle: NativeHandle): number {
    const copy = this.#byHandle.get(handle);
    if (copy === undefined) return 0;
    this.#forget(copy);
    return copy.id;
  }

  /** The handler is done with `socket`'s connection (closed, or gone): its copy is to be dropped. */
  done(socket: object): void {
    this.#handles.delete(socket);
    const copy = this.#bySocket.get(socket);
    if (copy === undefined) return;
    this.#forget(copy);
    this.#dropped.push(copy.id);
  }

  /** Copies were dropped since the last takeDropped(). */
  get hasDropped(): boolean {
    return this.#dropped.length > 0;
  }

  /** Copies dropped since the last call, for a report; undefined if none. */
  takeDropped(): number[] | undefined {
    if (this.#dropped.length === 0) return undefined;
    const dropped = this.#dropped;
    this.#dropped = [];
    return dropped;
  }
}
