// Which worker the supervisor picks, most recently idle first (LIFO): the few
// that hold a listening slot, the idle one that runs an interval or main run,
// and (the other way round) the idle one retired first. Only slot holders
// listen, so a new connection wakes at most LISTENING_SLOTS processes, not
// every idle worker (a thundering herd in a large pool); the rest wait as
// spares, still idle, and are told to listen when a slot comes free.

import { availableParallelism } from "node:os";

/**
 * Workers allowed to listen at once: one per core (at least 2, so that one
 * slow connection never leaves the listeners empty; at most 8: more listeners
 * than that only wake more processes per connection).
 */
export const LISTENING_SLOTS = Math.min(8, Math.max(2, availableParallelism()));

/** What the choice needs to know of a worker. */
export interface Candidate {
  state: "starting" | "idle" | "busy" | "exiting";
  retiring: boolean;
  /** It holds a listening slot (was told "listen" and has not handed it back). */
  slot: boolean;
  /** It keeps its slot but waits on a long connection: another listens for it. */
  waiting: boolean;
  /** When it last became idle or last served (ms). */
  idleSince: number;
}

/** True for a worker that holds a slot: told to listen, and neither leaving nor gone. */
export function holdsSlot(worker: Candidate): boolean {
  return worker.slot && !worker.retiring && worker.state !== "exiting";
}

/** True for a slot holder that counts towards LISTENING_SLOTS: not waiting on a long connection. */
function countsAsListener(worker: Candidate): boolean {
  return holdsSlot(worker) && !worker.waiting;
}

/**
 * The idle worker idle the longest ("oldest", to retire) or the shortest
 * ("newest", caches still warm: to use), among those `accept` lets through.
 */
export function idleWorker<T extends Candidate>(
  workers: Iterable<T>,
  which: "oldest" | "newest",
  accept: (worker: T) => boolean = () => true,
): T | undefined {
  let found: T | undefined;
  for (const worker of workers) {
    if (worker.state !== "idle" || worker.retiring || !accept(worker)) continue;
    const better =
      which === "oldest"
        ? worker.idleSince < (found?.idleSince ?? Number.POSITIVE_INFINITY)
        : worker.idleSince > (found?.idleSince ?? Number.NEGATIVE_INFINITY);
    if (better) found = worker;
  }
  return found;
}

/**
 * The idle workers without a slot to give one to, most recently idle first,
 * so that `limit` workers hold slots (or every idle worker does, if fewer).
 */
export function slotsToGrant<T extends Candidate>(
  workers: Iterable<T>,
  limit: number = LISTENING_SLOTS,
): T[] {
  let held = 0;
  for (const worker of workers) if (countsAsListener(worker)) held++;
  const chosen: T[] = [];
  // Usually none or one is missing: a scan per slot, no sorting of the spares.
  while (held + chosen.length < limit) {
    const next = idleWorker(workers, "newest", (w) => !w.slot && !chosen.includes(w));
    if (next === undefined) break;
    chosen.push(next);
  }
  return chosen;
}

/**
 * The idle slot holders to take slots back from, idle the longest first, so
 * that at most `limit` idle workers hold one: slots granted while their
 * holders waited on long connections come back as soon as those end.
 */
export function slotsToTrim<T extends Candidate>(
  workers: Iterable<T>,
  limit: number = LISTENING_SLOTS,
): T[] {
  const holders: T[] = [];
  for (const worker of workers)
    if (worker.state === "idle" && holdsSlot(worker)) holders.push(worker);
  if (holders.length <= limit) return [];
  holders.sort((a, b) => a.idleSince - b.idleSince);
  return holders.slice(0, holders.length - limit);
}
