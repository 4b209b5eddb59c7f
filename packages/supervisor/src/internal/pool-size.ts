// How big the pool should be right now: whether to fork (below minFork, or
// fewer spares than preFork, or than parked connections waiting for a
// worker, for SHORT_MS in a row) and which idle worker to retire (beyond preFork and minFork, idle
// for exitDelay, one per exitDelay), and when to look again. A pure function
// of the workers and the clock; pool.ts acts on it.

import { type Candidate, idleWorker } from "./worker-choice";

export interface SizeOptions {
  preFork: number;
  minFork: number;
  maxFork: number;
  /** Seconds. */
  exitDelay: number;
}

/**
 * Milliseconds the pool must lack a spare before it forks one (beyond
 * minFork). A worker whose turn lasts SLOT_RELEASE_MS (5 ms) hands its slot
 * to another, but one that short is no reason for a new process: on a busy
 * machine turns that long come from the scheduler, and each fork would
 * share the same CPUs among more processes, lengthening them further.
 */
export const SHORT_MS = 100;

export interface SizePlan<W> {
  /** Fork one worker now (the fork delay has passed). */
  fork: boolean;
  /** The pool lacks spares now (forking or not): pass the time it began as `shortSince` next time. */
  short: boolean;
  /** Retire this worker now. */
  retire: W | undefined;
  /** When to look again (ms since the epoch); Infinity: when something changes. */
  wake: number;
}

/**
 * The plan for `workers` at `now` (ms): `waiting` parked connections want a
 * worker; the next fork may happen at `nextForkAt`, the next retirement
 * exitDelay after `lastRetireAt`; the pool has lacked spares since
 * `shortSince` (undefined: it has not).
 */
export function planSize<W extends Candidate>(
  workers: Iterable<W>,
  options: SizeOptions,
  now: number,
  waiting: number,
  nextForkAt: number,
  lastRetireAt: number,
  shortSince: number | undefined,
): SizePlan<W> {
  let total = 0;
  let spare = 0;
  let idle = 0;
  for (const worker of workers) {
    if (worker.retiring || worker.state === "exiting") continue;
    total++;
    if (worker.state === "idle" || worker.state === "starting") spare++;
    if (worker.state === "idle") idle++;
  }
  const plan: SizePlan<W> = {
    fork: false,
    short: false,
    retire: undefined,
    wake: Number.POSITIVE_INFINITY,
  };
  const spares = Math.max(options.preFork, waiting);
  plan.short = spare < spares;
  const due =
    total < options.minFork ? nextForkAt : Math.max(nextForkAt, (shortSince ?? now) + SHORT_MS);
  if (total < options.maxFork && (plan.short || total < options.minFork)) {
    plan.fork = now >= due;
    if (plan.fork) total++;
    else plan.wake = due;
  }
  if (idle > options.preFork && total > options.minFork) {
    const oldest = idleWorker(workers, "oldest");
    const due = Math.max(lastRetireAt, oldest?.idleSince ?? now) + options.exitDelay * 1000;
    if (oldest !== undefined && now >= due) {
      plan.retire = oldest;
      plan.wake = Math.min(plan.wake, now + options.exitDelay * 1000);
    } else plan.wake = Math.min(plan.wake, due);
  }
  return plan;
}

/** The longest wait between two forks in a crash loop at start, in seconds (unless forkErrorDelay is longer). */
export const FORK_ERROR_WAIT_CAP = 60;

/**
 * Seconds to wait before the next fork after `failures` workers in a row
 * failed to start: forkErrorDelay, doubled with each further failure, at
 * most FORK_ERROR_WAIT_CAP (or forkErrorDelay, if that is longer).
 */
export function forkErrorWait(forkErrorDelay: number, failures: number): number {
  const cap = Math.max(forkErrorDelay, FORK_ERROR_WAIT_CAP);
  return Math.min(cap, forkErrorDelay * 2 ** Math.max(0, failures - 1));
}
