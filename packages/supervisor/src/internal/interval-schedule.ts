// When interval listeners run: every `delay` seconds, never two runs of one
// interval at once. Without `strict` the delay counts from the end of the
// previous run; with it the rate is fixed and a tick during a run is skipped.

import type { Listener } from "../options";

interface IntervalState {
  name: string;
  delay: number;
  strict: boolean;
  running: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class IntervalSchedule {
  readonly #intervals: IntervalState[] = [];
  readonly #enqueue: (name: string) => void;
  #stopped = false;

  /** `enqueue` is called with an interval's name each time it is due. */
  constructor(listeners: readonly Listener[], enqueue: (name: string) => void) {
    this.#enqueue = enqueue;
    for (const listener of listeners) {
      if (listener.proto === "interval") {
        this.#intervals.push({
          ...listener,
          strict: listener.strict === true,
          running: false,
          timer: undefined,
        });
      }
    }
  }

  start(): void {
    for (const interval of this.#intervals) this.#schedule(interval, Date.now());
  }

  /** A run of `name` has ended (or its worker died). */
  ended(name: string): void {
    const interval = this.#intervals.find(
      (candidate) => candidate.name === name && candidate.running,
    );
    if (interval === undefined) return;
    interval.running = false;
    if (!interval.strict && !this.#stopped) this.#schedule(interval, Date.now());
  }

  stop(): void {
    this.#stopped = true;
    for (const interval of this.#intervals)
      if (interval.timer !== undefined) clearTimeout(interval.timer);
  }

  #schedule(interval: IntervalState, from: number): void {
    const delay = interval.delay * 1000;
    const now = Date.now();
    // Strict: the next multiple of delay after `from`; otherwise delay after now (the last run's end).
    const at = interval.strict
      ? from + delay * Math.max(1, Math.ceil((now - from + 1) / delay))
      : now + delay;
    interval.timer = setTimeout(() => {
      interval.timer = undefined;
      if (this.#stopped) return;
      if (interval.running) {
        this.#schedule(interval, at); // never overlap: a strict tick during a run is skipped
        return;
      }
      interval.running = true;
      this.#enqueue(interval.name);
      if (interval.strict) this.#schedule(interval, at);
    }, at - now);
  }
}
