// The per-process timer state, kept on globalThis rather than in module
// variables. An app that loads the package both through import (dist/index.js)
// and require (dist/index.cjs) has two copies of this code; with module state
// each copy had its own timers and watchdog, so a timer armed through one was
// never reset by the other's resetTimeouts() and killed an idle worker. Here
// both copies find the same object under one Symbol.for key. The key carries
// a format number: a version of the package that lays the state out
// differently must use another number, so it keeps a state of its own instead
// of misreading this one. The state is plain data (no class instances, no
// private fields), so each copy's functions can work on what another made.

import { createWatchdog, type WatchdogState } from "./watchdog";

/**
 * The layout of {@link SharedState} and of the watchdog's shared memory and
 * thread. Bump it with any change to either.
 */
const STATE_FORMAT = 3;
const KEY = Symbol.for(`@moonbridge/timeout/state/v${STATE_FORMAT}`);

/** One armed timer: a deadline in ms on the watchdog's clock, and its name for the kill line. */
export interface Timer {
  deadline: number;
  label: string;
}

/** Everything the package keeps per process (per thread: each has its own globalThis). */
export interface SharedState {
  /** The timer armed by `timeout(seconds)`, if any. */
  base: Timer | undefined;
  /** Sub-timers of `timeout(seconds, fn)` calls still running, outermost first. */
  subTimers: Timer[];
  /** The one watchdog of the process. */
  watchdog: WatchdogState;
}

/** The process's state, made by whichever copy of the package asks first. */
export function sharedState(): SharedState {
  const holder = globalThis as { [KEY]?: SharedState };
  holder[KEY] ??= { base: undefined, subTimers: [], watchdog: createWatchdog() };
  return holder[KEY];
}
