// Node options that keep a worker's young generation committed. V8 shrinks
// the young generation after a scavenge whenever the process allocates under
// about 1 KB per millisecond, and shrinking always discards the semi-space it
// leaves (madvise DONTNEED): the next megabyte allocated is faulted in and
// zeroed again, page by page. A worker of a pool is such a process by design
// (its share of the load is small), so it paid that on every scavenge. The
// one switch V8 has for it is `--predictable`; it must be given at start-up
// (set later, V8's implied flags disagree and a major GC aborts the process).
// It also makes V8 single-threaded (GC and optimizing compiler on the main
// thread) and fixes the random seed, so every worker gets a seed of its own:
// Math.random() and V8's hash seed differ between workers as they would without it.

import { randomInt } from "node:crypto";

/** True if `execArgv` already decides the matter (the application's own flags win). */
function decided(execArgv: readonly string[]): boolean {
  return execArgv.some(
    (arg) => /^--(no-)?predictable(=|$)/.test(arg) || arg.startsWith("--random-seed"),
  );
}

/** The options to add to a worker's `execArgv`: none if `execArgv` sets either already. */
export function youngGenerationArgs(execArgv: readonly string[]): string[] {
  if (decided(execArgv)) return [];
  // V8 takes an int; 0 would mean "pick one", which --predictable turns into a fixed one.
  return ["--predictable", `--random-seed=${randomInt(1, 2 ** 31 - 1)}`];
}
