// Parking an HTTP connection: handing it to the supervisor, which holds it
// without a worker. When its worker leaves, when the lot wants connections
// (others wait for a worker), after parkAfter idle or after parkHeaderAfter
// mid-head if those are set (the head so far goes with it, and its header
// timeout runs on across parks: the note says when it began); and, while
// another connection's request holds the worker, a connection whose next
// request came, with its bytes (handOff), so that an idle worker serves it.
// What it needs of the connection is ParkingSubject (connection.ts).

import { Buffer } from "node:buffer";
import type { MoonSocket, ParkingLot } from "@moonbridge/socket";
import type { ResolvedHttpOptions } from "../options";
import { Deadline, type DeadlineOwner } from "./deadline";

/** The note a connection parked mid-head carries: when its head began (Date.now() ms). */
const HEAD_NOTE = "http-head-since:";

/** When the head of a connection parked mid-head began (Date.now() ms), from its note; 0 if it was not. */
export function headSinceOf(note: string | undefined): number {
  if (note?.startsWith(HEAD_NOTE) !== true) return 0;
  return Number(note.slice(HEAD_NOTE.length)) || 0;
}

/** What parking needs of a connection. */
export interface ParkingSubject {
  readonly socket: MoonSocket;
  readonly options: ResolvedHttpOptions;
  /** Between requests ("idle"), mid-head ("header"), or anything else. */
  readonly phase: string;
  /** The head under way so far (copies of what the parser took), empty if none. */
  readonly headBytes: readonly Buffer[];
  /** Nothing ties it to this handler: here (not gone), sound, no parsed input waiting, nothing left to send. */
  movable(): boolean;
  /** Seconds of idleTimeout left (0: none set). */
  idleLeft(): number;
  /** Seconds of requestHeaderTimeout left for the head under way, maybe none or less; Infinity when none is set. */
  headerRemaining(): number;
  /** headerRemaining() as a timeout: at least 1 ms; 0 when none is set. */
  headerLeft(): number;
  /** When the head under way began (Date.now() ms). */
  headSince(): number;
  /** It leaves this handler (parked, or closed as the worker leaves): its deadline stops, a wait for input ends. */
  leaves(): void;
  /** A park was refused after all: it stays here, idle, with `seconds` on its deadline. */
  stays(seconds: number): void;
  /** Its head's time is up. */
  headerExpired(): void;
}

export class ConnectionParking implements DeadlineOwner {
  readonly #conn: ParkingSubject;
  readonly #lot: ParkingLot;
  /** Parks the connection once it has been idle for parkAfter, or mid-head for parkHeaderAfter. */
  readonly #deadline: Deadline | undefined;
  readonly #stopWatchingLot: () => void;
  #scheduled = false;
  /** The connection left this handler while idle: parked, or closed because the worker leaves. */
  gone = false;

  constructor(conn: ParkingSubject, lot: ParkingLot) {
    this.#conn = conn;
    this.#lot = lot;
    const { parkAfter, parkHeaderAfter } = conn.options;
    // Only a finite parkAfter or parkHeaderAfter needs a timer (by default neither is).
    if (timed(parkAfter) || timed(parkHeaderAfter)) this.#deadline = new Deadline(this);
    this.#stopWatchingLot = lot.onWanted(this.#onWanted);
  }

  /**
   * The lot wants idle connections parked now: connections wait for a worker,
   * or the worker leaves. A worker that serves its other connections while
   * this one waits (socket.sharesWorker) is not freed by parking it: there
   * only leaving counts.
   */
  wanted(): boolean {
    return this.#conn.socket.sharesWorker ? this.#lot.leaving : this.#lot.wanted;
  }

  readonly #onWanted = (): void => {
    if (this.wanted()) this.soon();
  };

  /** The connection entered `phase` at `now` (performance.now() ms): parkAfter or parkHeaderAfter runs from there. */
  phaseBegan(phase: string, now: number): void {
    const deadline = this.#deadline;
    if (deadline === undefined) return;
    const { parkAfter, parkHeaderAfter } = this.#conn.options;
    deadline.set(phase === "idle" ? parkAfter : phase === "header" ? parkHeaderAfter : 0, now);
  }

  /** parkAfter or parkHeaderAfter passed (DeadlineOwner). */
  deadlinePassed(): void {
    this.soon();
  }

  /**
   * Parks the connection once this turn of the event loop has read what the
   * kernel holds: the next request may be there already (pipelined, or sent
   * while this process waited for the CPU: timers run before I/O is read),
   * and then it is served, not parked. For parkAfter, the lot's wish, and
   * parkAfter 0 alike.
   */
  soon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(ConnectionParking.#scheduledNow, this);
  }

  static #scheduledNow(parking: ConnectionParking): void {
    parking.#scheduled = false;
    parking.#park();
  }

  /**
   * Parks the connection if it is idle between requests, or waits for the
   * rest of a request head, with nothing read ahead and nothing left to send
   * (or closes an idle one, if the worker is leaving and the lot takes none);
   * a read waiting for the next request then ends (SOCKET_CLOSED, which the
   * connection takes as the end). A head under way goes with it (the prefix
   * the next worker reads first), and so does when it began (the note): its
   * header timeout runs on. Harmless when the connection cannot go.
   */
  #park(): void {
    const conn = this.#conn;
    const socket = conn.socket;
    const header = conn.phase === "header" && conn.headBytes.length > 0;
    if ((conn.phase !== "idle" && !header) || !conn.movable() || socket.input.buffered > 0) return;
    if (!socket.parkable) {
      // The worker is leaving and nobody takes the connection: end it, as an idle timeout would.
      if (this.#lot.leaving && !header) {
        this.#leave();
        socket.close().catch(ignore);
      }
      return;
    }
    if (header && conn.headerRemaining() <= 0.001) {
      conn.headerExpired(); // its time is up: a 408 from here, not a silent close from the lot
      return;
    }
    const left = header ? conn.headerLeft() : conn.idleLeft();
    const parked = header
      ? {
          timeout: left,
          prefix: Buffer.concat(conn.headBytes),
          note: `${HEAD_NOTE}${conn.headSince()}`,
          // Its time may run out while parked: then it comes back here, for its 408.
          resumeOnTimeout: true,
        }
      : { timeout: left };
    this.#leave();
    // Nothing to flush: park() hands the connection over synchronously.
    socket.park(parked).catch(() => this.#stay(left));
  }

  /**
   * Another connection's request holds this worker's turn, waiting on I/O
   * (the event loop is free, or this would not run), and this connection's
   * next bytes have arrived between requests: parks it at once with those
   * bytes, unparsed, so that an idle worker serves its request rather than
   * let it wait behind the other. False when it cannot be parked so (then it
   * waits for the turn here).
   */
  handOff(): boolean {
    const conn = this.#conn;
    if (conn.phase !== "idle" || !conn.movable() || !conn.socket.parkable) return false;
    const left = conn.idleLeft();
    this.#leave();
    // The bytes read ahead go with it and wake it at once; park() hands it over synchronously.
    conn.socket.park({ timeout: left }).catch(() => this.#stay(left));
    return true;
  }

  #leave(): void {
    this.gone = true;
    this.#deadline?.clear();
    this.#conn.leaves();
  }

  /** Refused after all (the lot closed meanwhile): the connection stays here, idle. */
  #stay(left: number): void {
    this.gone = false;
    this.#conn.stays(left);
  }

  /** The connection ends: no more parking. */
  stop(): void {
    this.#stopWatchingLot();
    this.#deadline?.clear();
  }
}

function ignore(): void {}

/** A park timeout that arms a timer: neither 0 (at once) nor Infinity (never). */
function timed(seconds: number): boolean {
  return seconds > 0 && seconds !== Number.POSITIVE_INFINITY;
}
