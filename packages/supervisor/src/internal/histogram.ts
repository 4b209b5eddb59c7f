// A histogram of durations for the metrics, as Prometheus has them: counts
// of observations at or below each bound (cumulative), their sum and their
// count. Fixed bounds, from a millisecond to ten seconds: what a request
// waiting for a worker may take.

/** Upper bounds in seconds; +Inf is implied. */
export const WAIT_BOUNDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

export interface HistogramSnapshot {
  /** [upper bound, observations at or below it], the bounds in order, then [Infinity, count]. */
  buckets: Array<[number, number]>;
  sum: number;
  count: number;
}

export class Histogram {
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative), the last one above every bound. */
  readonly #counts: number[];
  #sum = 0;

  constructor(bounds: readonly number[] = WAIT_BOUNDS) {
    this.#bounds = bounds;
    this.#counts = new Array(bounds.length + 1).fill(0);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < this.#bounds.length && seconds > (this.#bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += seconds;
  }

  snapshot(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    let running = 0;
    this.#bounds.forEach((bound, i) => {
      running += this.#counts[i] as number;
      buckets.push([bound, running]);
    });
    running += this.#counts[this.#bounds.length] as number;
    buckets.push([Number.POSITIVE_INFINITY, running]);
    return { buckets, sum: this.#sum, count: running };
  }
}
