// timeout(): Moonbridge's per-process kill timers. A timer armed with
// timeout(seconds) or a sub-timer around a function kills the whole process
// when it runs out, even if the event loop is blocked; the supervisor then
// replaces the process. The earliest armed deadline is the one that counts.
// The timers live in shared-state.ts, shared by every copy of the package
// loaded in the process (import and require load one each).

import { TimeoutError } from "./errors";
import { type SharedState, sharedState, type Timer } from "./internal/shared-state";
import {
  armWatchdog,
  disarmWatchdog,
  LAST_REPLY_BYTES,
  nowMs,
  replying,
  setLastReply,
  setLastWordsFile,
} from "./internal/watchdog";

const shared: SharedState = sharedState();

/** TimeoutError INVALID_ARGUMENT, its message naming the package, the call and the argument. */
function invalid(message: string, call = "timeout()"): TimeoutError {
  return new TimeoutError("INVALID_ARGUMENT", `@moonbridge/timeout: ${call}: ${message}`);
}

/** An argument as a message shows it: short, never a whole object or long string. */
function shown(value: unknown): string {
  if (typeof value === "string")
    return value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

function checkSeconds(seconds: unknown): number {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw invalid(`seconds must be a finite number >= 0, got ${shown(seconds)}`);
  }
  return seconds;
}

/** The earliest armed timer, or undefined. */
function earliest(): Timer | undefined {
  let first = shared.base;
  for (const timer of shared.subTimers)
    if (first === undefined || timer.deadline < first.deadline) first = timer;
  return first;
}

function update(): void {
  const first = earliest();
  if (first === undefined) disarmWatchdog(shared.watchdog);
  else armWatchdog(shared.watchdog, first.deadline, first.label);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Moonbridge's `timeout(...)`:
 *
 * - `timeout()`: the seconds left before the earliest armed timer kills the process, 0 if none.
 * - `timeout(seconds)`: arms a timer that kills the process after `seconds` (replacing an
 *   earlier `timeout(seconds)`); `timeout(0)` disarms it.
 * - `timeout(seconds, fn)`: runs `fn` (sync or async) under a sub-timer of `seconds`; the
 *   shorter of it and any outer timer wins; nested to any depth. Returns what `fn` returns
 *   (a promise for an async `fn`); if a timer runs out first, the process dies and the call
 *   never returns. `seconds` 0 means no sub-timer.
 *
 * A timer kills with SIGKILL after writing one line naming it to stderr, or appending it to
 * the file named by the `MOONBRIDGE_LOGFILE` environment variable when that is set (what
 * `moonbridge --logfile` does). It fires even when the event loop is blocked (a watchdog
 * thread keeps the time). Every copy of the package in a process (one loaded through
 * `import`, one through `require`) shares the same timers.
 *
 * A bad argument (`seconds` not a finite number >= 0, `fn` not a function) throws
 * {@link TimeoutError} `INVALID_ARGUMENT` before any timer changes.
 *
 * @example
 * ```ts
 * timeout(10);                                // this request may take 10 s at most
 * const rows = await timeout(2, () => db.query(sql)); // and the query 2 s of them
 * timeout(0);                                 // done: disarm
 * ```
 */
export function timeout(): number;
export function timeout(seconds: number): void;
export function timeout<T>(seconds: number, fn: () => T): T;
export function timeout<T>(seconds?: number, fn?: () => T): number | undefined | T {
  if (seconds === undefined && fn === undefined) {
    const first = earliest();
    return first === undefined ? 0 : Math.max(0, (first.deadline - nowMs()) / 1000);
  }
  const s = checkSeconds(seconds);
  if (fn === undefined) {
    shared.base = s === 0 ? undefined : { deadline: nowMs() + s * 1000, label: `timeout(${s})` };
    update();
    return undefined;
  }
  if (typeof fn !== "function") throw invalid(`fn must be a function, got ${shown(fn)}`);
  if (s === 0) return fn();
  const timer: Timer = {
    deadline: nowMs() + s * 1000,
    label: `timeout(${s}, ${fn.name || "function"})`,
  };
  shared.subTimers.push(timer);
  update();
  const done = (): void => {
    const at = shared.subTimers.lastIndexOf(timer);
    if (at >= 0) shared.subTimers.splice(at, 1);
    update();
  };
  let result: T;
  try {
    result = fn();
  } catch (error) {
    done();
    throw error;
  }
  if (!isPromiseLike(result)) {
    done();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      done();
      return value;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  ) as T;
}

/**
 * Disarms every timer and sub-timer, and withdraws the last reply
 * ({@link lastReply}). The supervisor calls it when a handler returns, as
 * Moonbridge resets timers then.
 */
export function resetTimeouts(): void {
  if (replying(shared.watchdog)) setLastReply(shared.watchdog, -1);
  // Nothing armed (every change goes through update()): nothing to do, the common case after each request.
  if (shared.base === undefined && shared.subTimers.length === 0) return;
  shared.base = undefined;
  shared.subTimers.length = 0;
  update();
}

/**
 * Gives the process's last words a file: from then on, when a timer runs
 * out, the watchdog writes the returned bytes (16 of them, shared with its
 * thread) at the start of the open file descriptor `fd`, then kills. They
 * hold whatever the process last put in them, even if its event loop is
 * blocked: for a supervisor that must learn after the kill what the process
 * was doing (@moonbridge/supervisor's workers note there which connection's
 * request runs). Every call, from every copy of the package, returns the
 * same bytes; a later `fd` replaces an earlier one.
 *
 * Throws {@link TimeoutError} `INVALID_ARGUMENT` if `fd` is not an integer >= 0.
 */
export function lastWords(fd: number): Uint8Array {
  if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0)
    throw invalid(`fd must be an integer >= 0, got ${shown(fd)}`, "lastWords()");
  setLastWordsFile(shared.watchdog, fd);
  return shared.watchdog.lastWords;
}

/**
 * Sets the process's last reply: when a timer runs out, the watchdog first
 * writes `bytes` to the open file descriptor `fd` (a connection's socket),
 * then kills. So the client whose request was running gets an answer (a
 * 503 page, say) instead of a connection closed without one, even if the
 * event loop is blocked. `lastReply()` withdraws it, as does
 * {@link resetTimeouts}. One reply at a time: a later call replaces it.
 *
 * The bytes are copied into memory the watchdog shares (at most 16 KiB);
 * passing the same array again copies nothing, so a server can set the
 * same reply for each request at no cost (to change it, pass a new array).
 * The write is the raw bytes on the descriptor: a TLS connection's socket
 * needs them encrypted, which the watchdog cannot do.
 *
 * Throws {@link TimeoutError} `INVALID_ARGUMENT` if `fd` is not an integer
 * >= 0 or `bytes` is not a Uint8Array of 1 to 16384 bytes.
 *
 * @example
 * ```ts
 * lastReply(fd, Buffer.from("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
 * // ... the request runs; its response starts:
 * lastReply();
 * ```
 */
export function lastReply(): void;
export function lastReply(fd: number, bytes: Uint8Array): void;
export function lastReply(fd?: number, bytes?: Uint8Array): void {
  if (fd === undefined && bytes === undefined) {
    setLastReply(shared.watchdog, -1);
    return;
  }
  if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0)
    throw invalid(`fd must be an integer >= 0, got ${shown(fd)}`, "lastReply()");
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > LAST_REPLY_BYTES)
    throw invalid(
      `bytes must be a Uint8Array of 1 to ${LAST_REPLY_BYTES} bytes, got ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : shown(bytes)}`,
      "lastReply()",
    );
  setLastReply(shared.watchdog, fd, bytes);
}
