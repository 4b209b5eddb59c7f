// The stall timeout of one connection: it stalls when the server waits on its
// client (for body bytes, for the client to take the response) and no byte
// moves either way for stallTimeout. Found by checking progress four times
// per stallTimeout, not by a timer refreshed on every read and write, so
// keep-alive requests pay nothing for it. The checks run from the first wait
// outside the idle phase until one finds the connection idle or not waiting:
// an idle keep-alive connection keeps no timer.

import type { MoonSocket } from "@moonbridge/socket";

/** What the watch looks at, and whom it tells. */
export interface StallSubject {
  readonly socket: MoonSocket;
  /** Between requests, a lack of progress is no stall (the idle timeout rules there). */
  readonly idle: boolean;
  /** Four checks in a row found no progress while waiting on the client. */
  stalled(): void;
}

export class StallWatch {
  readonly #subject: StallSubject;
  /** A quarter of stallTimeout, in ms; 0: no watch. */
  readonly #everyMs: number;
  /** Reads or flushes waiting on the client: only then does a lack of progress count. */
  #waiting = 0;
  /** Bytes moved either way at the last check, and how many checks in a row since saw none while waiting. */
  #progress = 0;
  #quietChecks = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Watches `subject` for `stallTimeout` seconds without progress (0: never). */
  constructor(subject: StallSubject, stallTimeout: number) {
    this.#subject = subject;
    this.#everyMs = (stallTimeout * 1000) / 4;
  }

  /** A read or flush begins to wait on the client. */
  wait(): void {
    this.#waiting++;
    if (this.#timer === undefined && this.#everyMs > 0 && !this.#subject.idle) {
      const socket = this.#subject.socket;
      this.#progress = socket.bytesRead + socket.bytesWritten;
      this.#quietChecks = 0;
      this.#arm();
    }
  }

  /** That wait is over. */
  done(): void {
    this.#waiting--;
  }

  /** The connection ends: no more checks. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    // The watch goes as the timer's argument: no closure per connection.
    this.#timer = setTimeout(StallWatch.#check, this.#everyMs, this);
    this.#timer.unref();
  }

  /**
   * A stall: four checks in a row, a quarter of stallTimeout apart, found the
   * server waiting on the client and no byte moved either way (so a stall is
   * found between stallTimeout and 1.25 times it after the last byte).
   */
  static #check(watch: StallWatch): void {
    watch.#timer = undefined;
    const subject = watch.#subject;
    const socket = subject.socket;
    if (socket.closed) return;
    // Nothing to watch until the next wait outside the idle phase.
    if (subject.idle || watch.#waiting === 0) return;
    const progress = socket.bytesRead + socket.bytesWritten;
    if (progress !== watch.#progress) {
      watch.#progress = progress;
      watch.#quietChecks = 0;
    } else if (++watch.#quietChecks >= 4) {
      subject.stalled();
      return;
    }
    watch.#arm();
  }
}
