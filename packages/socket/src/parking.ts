// What MoonSocket.park() needs from whoever owns the connection: a place that
// holds an idle connection without a process serving it (the pool's
// supervisor) and says when parking is wanted. This package only describes
// it; @moonbridge/supervisor gives every connection it hands out one.

import type { Socket } from "node:net";
import type { ProxyHeaderInfo } from "./proxy";

/** A connection on its way to be parked: what {@link MoonSocket.park} hands to the {@link ParkingLot}. */
export interface ParkedSocket {
  /** The connection, reading stopped (in the kernel too: no byte is read after this); null when it is a bare handle. */
  socket: Socket | null;
  /**
   * The connection's libuv handle when it has no net.Socket (a socket made by
   * `MoonSocket.fromHandle`), reading stopped: the lot's to pass on and close. Else null.
   */
  handle: object | null;
  /** Bytes to give first to whoever takes the connection back (the handler's own, then the unread ones). */
  bytes: Buffer;
  /** True if some of `bytes` are the peer's, received and not read: the connection should come back at once. */
  wake: boolean;
  /** Seconds to wait for the peer's next bytes before closing the connection; 0: no limit. */
  timeout: number;
  /** The handler's note, given back with the connection (`parkNote` of the socket that resumes it). */
  note: string | undefined;
  /** When `timeout` runs out, give the connection back (with no new bytes) instead of closing it. */
  resumeOnTimeout: boolean;
  /** What its PROXY protocol header said, if one was read (`proxyHeader` of the socket that resumes it). */
  proxyHeader: ProxyHeaderInfo | undefined;
}

/**
 * Where parked connections go, given to a MoonSocket by the connection's
 * owner (option `parking`). The pool's workers give one to every connection.
 */
export interface ParkingLot {
  /** False while the lot takes no connections (it holds its limit, or the server stops). */
  readonly open: boolean;
  /** True while connections wait for a worker: an idle connection should be parked now. */
  readonly wanted: boolean;
  /**
   * True once the connection's process is leaving (retired, or the server
   * stops): `wanted` is true too, and an idle connection that cannot be
   * parked (the lot is closed) should be closed rather than kept.
   */
  readonly leaving: boolean;
  /** Calls `listener` each time `wanted` becomes true (also when `leaving` does); returns the function that stops it. */
  onWanted(listener: () => void): () => void;
  /** Takes the connection (park() calls this once the socket is detached). */
  take(connection: ParkedSocket): void;
}

/** Options of {@link MoonSocket.park}. */
export interface ParkOptions {
  /** Bytes the handler read and puts back: the resumed connection reads them first. @default none */
  prefix?: Uint8Array;
  /** Seconds the connection may stay parked without the peer sending a byte; then it is closed. 0: no limit. @default 65 */
  timeout?: number;
  /**
   * A short text (at most 1024 characters) the lot keeps with the connection
   * and gives back with it: the resumed socket's `parkNote`. For what the
   * next handler must know that the bytes do not say (the HTTP module notes
   * when a request head it parked half-read began, so its timeout runs on).
   * @default none
   */
  note?: string;
  /**
   * When `timeout` runs out, the connection comes back to a handler (with
   * no new bytes) instead of being closed, so that the handler can answer
   * (the HTTP module sends a half-read head's 408 so).
   * @default false
   */
  resumeOnTimeout?: boolean;
}

/** The longest {@link ParkOptions.note}, in characters. */
export const MAX_PARK_NOTE = 1024;

/** Seconds a parked connection waits for its peer by default (the HTTP idle timeout). */
export const DEFAULT_PARK_TIMEOUT = 65;
