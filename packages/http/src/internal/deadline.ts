// One lazily re-armed timer per connection for its phase deadlines (idle,
// request header, response, drain). Moving a deadline later costs no timer
// operation: the timer fires at the old time, sees the new one, and re-arms;
// keep-alive requests that each move the deadline cost nothing per request.

import { performance } from "node:perf_hooks";

/** Whom a deadline tells when it passes (an object, not a closure: one fewer per deadline). */
export interface DeadlineOwner {
  deadlinePassed(deadline: Deadline): void;
}

export class Deadline {
  /** When the current phase expires (performance.now() milliseconds); Infinity: never. */
  #at = Number.POSITIVE_INFINITY;
  /** When the armed timer fires; Infinity: not armed. */
  #armedAt = Number.POSITIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #owner: DeadlineOwner;

  constructor(owner: DeadlineOwner) {
    this.#owner = owner;
  }

  /** The phase now ends `seconds` from now (`now`: performance.now(), if the caller has it); 0: it never does. */
  set(seconds: number, now?: number): void {
    if (seconds === 0) {
      this.#at = Number.POSITIVE_INFINITY;
      return;
    }
    const at = (now ?? performance.now()) + seconds * 1000;
    this.#at = at;
    if (at < this.#armedAt) this.#arm(at);
  }

  /** No deadline any more, and no timer left behind. */
  clear(): void {
    this.#at = Number.POSITIVE_INFINITY;
    this.#armedAt = Number.POSITIVE_INFINITY;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    // The deadline goes as the timer's argument: no closure per deadline.
    this.#timer = setTimeout(Deadline.#fire, Math.max(1, Math.ceil(at - performance.now())), this);
    this.#timer.unref();
  }

  static #fire(deadline: Deadline): void {
    deadline.#timer = undefined;
    deadline.#armedAt = Number.POSITIVE_INFINITY;
    const at = deadline.#at;
    if (at === Number.POSITIVE_INFINITY) return;
    if (performance.now() + 1 >= at) {
      deadline.#at = Number.POSITIVE_INFINITY;
      deadline.#owner.deadlinePassed(deadline);
    } else deadline.#arm(at);
  }
}
