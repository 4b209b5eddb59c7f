// The worker's parking lot, what MoonSocket.park() hands a connection to: it
// passes the connection's raw handle to the supervisor, with its bytes, and
// knows from the supervisor whether parking is open and wanted. A worker
// that is leaving (retired, reloaded) always wants its connection parked, so
// that it can go without closing it.

import type { Socket } from "node:net";
import type { ParkedSocket, ParkingLot } from "@moonbridge/socket";
import type { ConnectionCopies } from "./connection-copies";
import { type HandleSender, handleSender } from "./handle-channel";
import { logError } from "./log";
import { isNativeHandle, releaseHandle } from "./native-handles";
import type { FromWorker, ProxyState } from "./protocol";

export class WorkerParking implements ParkingLot {
  #open = false;
  #wanted = false;
  #leaving = false;
  #nextId = 0;
  readonly #listeners = new Set<() => void>();
  /** Made at the first park: the IPC channel is there by then. */
  #handles: HandleSender | undefined;
  readonly #send: (message: FromWorker) => void;
  readonly #copies: ConnectionCopies;

  constructor(send: (message: FromWorker) => void, copies: ConnectionCopies) {
    this.#send = send;
    this.#copies = copies;
  }

  get open(): boolean {
    return this.#open && process.connected === true;
  }

  get wanted(): boolean {
    return this.#wanted || this.#leaving;
  }

  get leaving(): boolean {
    return this.#leaving;
  }

  onWanted(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What the supervisor said last ("parking" message). */
  update(open: boolean, wanted: boolean): void {
    const before = this.wanted;
    this.#open = open;
    this.#wanted = wanted;
    if (!before && this.wanted) this.#notify();
  }

  /** The worker is to exit once idle: a connection it holds should be parked now. */
  leave(): void {
    if (this.#leaving) return;
    this.#leaving = true;
    // Even when the lot was wanted already: a connection of a worker that serves its others
    // while it waits (sharesWorker) parks only for a worker that leaves.
    this.#notify();
  }

  /** `proxyHeader`: where the connection stands with its PROXY header, when not as the socket says ("unread"). */
  take(
    connection: ParkedSocket,
    proxyHeader: ProxyState | undefined = connection.proxyHeader,
  ): void {
    // A bare handle is ours as it is; a net.Socket's is taken out of it.
    const handle = isNativeHandle(connection.handle)
      ? connection.handle
      : releaseHandle(connection.socket as Socket);
    const id = ++this.#nextId;
    // The supervisor holds a copy already: that one is parked, and ours just closed.
    const held = this.#copies.parked(handle);
    this.#send({
      t: "park",
      id,
      bytes: connection.bytes.toString("base64"),
      wake: connection.wake,
      timeout: connection.timeout,
      note: connection.note,
      resumeOnTimeout: connection.resumeOnTimeout,
      ...(held !== 0 && { held }),
      ...(proxyHeader !== undefined && { proxyHeader }),
    });
    if (held !== 0) {
      handle.close();
      return;
    }
    this.#handles ??= handleSender(process, lost);
    // Closing our copy once the kernel has the frame loses nothing: the supervisor's copy is in the pipe.
    if (!this.#handles.send("conn", id, handle, () => handle.close())) {
      handle.close();
      lost();
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

function lost(): void {
  logError(
    "connection-lost",
    `worker ${process.pid}: a parked connection was lost (the channel to the supervisor failed)`,
  );
}
