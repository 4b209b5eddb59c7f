// The watchdog: a worker thread that kills the process when the armed
// deadline passes. It has to be another thread: a handler stuck in
// `while (true) {}` blocks the event loop, so no setTimeout callback would
// ever run. Main thread and watchdog share a few words of memory; arming and
// disarming write to them and wake the watchdog only when a deadline moves
// earlier than the one it is sleeping towards. The state is plain data, held
// in shared-state.ts, so two copies of the package drive one watchdog.
//
// Before the kill the watchdog writes one line naming the timer: to stderr,
// or appended to the file in MOONBRIDGE_LOGFILE (set by `moonbridge
// --logfile`), timestamped as the supervisor's own log lines are there. The
// thread writes it synchronously because the main thread may be blocked, and
// reads the variable then, through the process environment it shares.
// Before the line it writes the process's last words (lastWords()), if it
// has been given a file for them: a few shared bytes the main thread keeps
// current, written at the start of that file for whoever watches the process.
// Before those, the last reply (lastReply()), if one is set: bytes for a
// connection's socket, so that the client whose request ran gets an answer
// (a 503 page) rather than a connection closed without one.

import { SHARE_ENV, Worker } from "node:worker_threads";

/** Shared words: [0] generation (bumped on every change), [1] the last words' file descriptor + 1 (0: none). */
const GENERATION = 0;
const LAST_WORDS_FD = 1;
/** Bytes of the last words the watchdog writes before it kills. */
export const LAST_WORDS_BYTES = 16;
/** Shared words of the last reply: [0] its descriptor + 1 (0: none), [1] its length. */
const REPLY_FD = 0;
const REPLY_LENGTH = 1;
/** The longest last reply. */
export const LAST_REPLY_BYTES = 16384;
/** Shared doubles: [0] armed deadline (ms, monotonic; 0 = none), [1] the deadline the watchdog sleeps towards. */
const DEADLINE = 0;
const SLEEPING_UNTIL = 1;
const LABEL_BYTES = 200;

// Runs in the worker (as source text, so the package needs no second entry file).
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { appendFileSync, writeSync } = require("node:fs");
const state = new Int32Array(workerData.state);
const times = new Float64Array(workerData.times);
const label = new Uint8Array(workerData.label);
const lastWords = new Uint8Array(workerData.lastWords);
const replyState = new Int32Array(workerData.replyState);
const reply = new Uint8Array(workerData.reply);
const now = () => { const t = process.hrtime(); return t[0] * 1e3 + t[1] / 1e6; };
// As the supervisor's log: the file when MOONBRIDGE_LOGFILE is set and not
// empty (opened with O_APPEND, timestamped), stderr otherwise or if it fails;
// one JSON object when MOONBRIDGE_LOG_FORMAT is json.
const report = (timer, message) => {
  const time = new Date().toISOString();
  const json = process.env.MOONBRIDGE_LOG_FORMAT === "json";
  const line = json
    ? JSON.stringify({ timer, time, level: "error", event: "timeout-kill", pid: process.pid, message }) + "\\n"
    : "moonbridge: " + message + "\\n";
  const file = process.env.MOONBRIDGE_LOGFILE;
  if (file !== undefined && file !== "") {
    try {
      appendFileSync(file, json ? line : time + " " + line, { flag: "a" });
      return;
    } catch {}
  }
  writeSync(2, line);
};
for (;;) {
  const generation = Atomics.load(state, 0);
  const deadline = times[0];
  if (deadline === 0) {
    times[1] = Infinity;
    Atomics.wait(state, 0, generation);
    continue;
  }
  const wait = deadline - now();
  if (wait > 0) {
    times[1] = deadline;
    Atomics.wait(state, 0, generation, wait);
    continue;
  }
  if (Atomics.load(state, 0) !== generation) continue;
  const replyFd = Atomics.load(replyState, 0) - 1;
  if (replyFd >= 0) {
    // A socket's descriptor is non-blocking: a full send buffer (it should not be, before a
    // response) is retried for 100 ms at most.
    const bytes = Buffer.from(reply.subarray(0, Atomics.load(replyState, 1)));
    for (let done = 0, tries = 0; done < bytes.length && tries < 100; ) {
      try {
        done += writeSync(replyFd, bytes, done, bytes.length - done);
      } catch (error) {
        if (error.code !== "EAGAIN") break;
        tries++;
        Atomics.wait(replyState, 1, Atomics.load(replyState, 1), 1);
      }
    }
  }
  const fd = Atomics.load(state, 1) - 1;
  if (fd >= 0) {
    try {
      writeSync(fd, Buffer.from(lastWords), 0, lastWords.length, 0);
    } catch {}
  }
  let end = label.indexOf(0);
  if (end < 0) end = label.length;
  const name = Buffer.from(label.subarray(0, end)).toString("latin1");
  report(name, name + " expired; killing process " + process.pid);
  process.kill(process.pid, "SIGKILL");
  break;
}
`;

/** Monotonic milliseconds, on the same clock the watchdog reads. */
export function nowMs(): number {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

/** The watchdog's shared memory and its thread, once started. */
export interface WatchdogState {
  readonly state: Int32Array;
  readonly times: Float64Array;
  readonly label: Uint8Array;
  /** What the watchdog writes to the last words' file before it kills (lastWords()). */
  readonly lastWords: Uint8Array;
  /** The last reply's descriptor + 1 and length (REPLY_FD, REPLY_LENGTH), and its bytes (lastReply()). */
  readonly replyState: Int32Array;
  readonly reply: Uint8Array;
  /** The bytes last copied into `reply` (so that setting the same ones again copies nothing). */
  replySource: Uint8Array | undefined;
  worker: Worker | undefined;
}

/** A watchdog with nothing armed; its thread starts when first armed. */
export function createWatchdog(): WatchdogState {
  return {
    state: new Int32Array(new SharedArrayBuffer(8)),
    times: new Float64Array(new SharedArrayBuffer(16)),
    label: new Uint8Array(new SharedArrayBuffer(LABEL_BYTES)),
    lastWords: new Uint8Array(new SharedArrayBuffer(LAST_WORDS_BYTES)),
    replyState: new Int32Array(new SharedArrayBuffer(8)),
    reply: new Uint8Array(new SharedArrayBuffer(LAST_REPLY_BYTES)),
    replySource: undefined,
    worker: undefined,
  };
}

/** Arms (or moves) the deadline, in ms on {@link nowMs}'s clock; `label` names the timer. */
export function armWatchdog(watchdog: WatchdogState, deadline: number, label: string): void {
  watchdog.worker ??= start(watchdog);
  const n = Math.min(label.length, LABEL_BYTES - 1);
  for (let i = 0; i < n; i++) watchdog.label[i] = label.charCodeAt(i) & 0xff;
  watchdog.label[n] = 0;
  watchdog.times[DEADLINE] = deadline;
  Atomics.add(watchdog.state, GENERATION, 1);
  // Only an earlier deadline needs the watchdog awake now; for a later one
  // it wakes at its old time, sees the change and sleeps on.
  if (deadline < (watchdog.times[SLEEPING_UNTIL] as number))
    Atomics.notify(watchdog.state, GENERATION);
}

/** No deadline: the watchdog sleeps until armed again. */
export function disarmWatchdog(watchdog: WatchdogState): void {
  if (watchdog.times[DEADLINE] === 0) return;
  watchdog.times[DEADLINE] = 0;
  Atomics.add(watchdog.state, GENERATION, 1);
}

/** From now on the watchdog writes the last words at the start of `fd` before it kills. */
export function setLastWordsFile(watchdog: WatchdogState, fd: number): void {
  Atomics.store(watchdog.state, LAST_WORDS_FD, fd + 1);
}

/**
 * From now on the watchdog writes `bytes` to `fd` before it kills (`fd` -1:
 * it writes nothing). Withdrawn first, so that it never writes a reply half
 * changed; the same bytes as last time are not copied again.
 */
export function setLastReply(watchdog: WatchdogState, fd: number, bytes?: Uint8Array): void {
  Atomics.store(watchdog.replyState, REPLY_FD, 0);
  if (fd < 0 || bytes === undefined) return;
  if (bytes !== watchdog.replySource) {
    watchdog.reply.set(bytes);
    Atomics.store(watchdog.replyState, REPLY_LENGTH, bytes.length);
    watchdog.replySource = bytes;
  }
  Atomics.store(watchdog.replyState, REPLY_FD, fd + 1);
}

/** A last reply is set. */
export function replying(watchdog: WatchdogState): boolean {
  return watchdog.replyState[REPLY_FD] !== 0;
}

function start(watchdog: WatchdogState): Worker {
  watchdog.times[SLEEPING_UNTIL] = Number.POSITIVE_INFINITY;
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    // The live environment, not a copy taken now: MOONBRIDGE_LOGFILE is read when the line is written.
    env: SHARE_ENV,
    workerData: {
      state: watchdog.state.buffer,
      times: watchdog.times.buffer,
      label: watchdog.label.buffer,
      lastWords: watchdog.lastWords.buffer,
      replyState: watchdog.replyState.buffer,
      reply: watchdog.reply.buffer,
    },
  });
  // The watchdog must never keep a process alive that is otherwise done.
  worker.unref();
  return worker;
}
