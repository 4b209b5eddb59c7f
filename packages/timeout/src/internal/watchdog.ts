// The watchdog: a worker thread that kills the process when the armed
// deadline passes. It has to be another thread: a handler stuck in
// `while (true) {}` blocks the event loop, so no setTimeout callback would
// ever run. Main thread and watchdog share a few words of memory; arming and
// disarming write to them and wake the watchdog only when a deadline moves
// earlier than the one it is sleeping towards.

import { Worker } from "node:worker_threads";

/** Shared words: [0] generation (bumped on every change). */
const GENERATION = 0;
/** Shared doubles: [0] armed deadline (ms, monotonic; 0 = none), [1] the deadline the watchdog sleeps towards. */
const DEADLINE = 0;
const SLEEPING_UNTIL = 1;
const LABEL_BYTES = 200;

// Runs in the worker (as source text, so the package needs no second entry file).
const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const state = new Int32Array(workerData.state);
const times = new Float64Array(workerData.times);
const label = new Uint8Array(workerData.label);
const now = () => { const t = process.hrtime(); return t[0] * 1e3 + t[1] / 1e6; };
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
  let end = label.indexOf(0);
  if (end < 0) end = label.length;
  const name = Buffer.from(label.subarray(0, end)).toString("latin1");
  writeSync(2, "moonbridge: " + name + " expired; killing process " + process.pid + "\\n");
  process.kill(process.pid, "SIGKILL");
  break;
}
`;

/** Monotonic milliseconds, on the same clock the watchdog reads. */
export function nowMs(): number {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

export class Watchdog {
  readonly #state = new Int32Array(new SharedArrayBuffer(4));
  readonly #times = new Float64Array(new SharedArrayBuffer(16));
  readonly #label = new Uint8Array(new SharedArrayBuffer(LABEL_BYTES));
  #worker: Worker | undefined;

  /** Arms (or moves) the deadline, in ms on {@link nowMs}'s clock; `label` names the timer. */
  arm(deadline: number, label: string): void {
    this.#worker ??= this.#start();
    const n = Math.min(label.length, LABEL_BYTES - 1);
    for (let i = 0; i < n; i++) this.#label[i] = label.charCodeAt(i) & 0xff;
    this.#label[n] = 0;
    this.#times[DEADLINE] = deadline;
    Atomics.add(this.#state, GENERATION, 1);
    // Only an earlier deadline needs the watchdog awake now; for a later one
    // it wakes at its old time, sees the change and sleeps on.
    if (deadline < (this.#times[SLEEPING_UNTIL] as number)) Atomics.notify(this.#state, GENERATION);
  }

  /** No deadline: the watchdog sleeps until armed again. */
  disarm(): void {
    if (this.#times[DEADLINE] === 0) return;
    this.#times[DEADLINE] = 0;
    Atomics.add(this.#state, GENERATION, 1);
  }

  #start(): Worker {
    this.#times[SLEEPING_UNTIL] = Number.POSITIVE_INFINITY;
    const worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: {
        state: this.#state.buffer,
        times: this.#times.buffer,
        label: this.#label.buffer,
      },
    });
    // The watchdog must never keep a process alive that is otherwise done.
    worker.unref();
    return worker;
  }
}
