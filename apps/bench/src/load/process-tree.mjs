// Memory and CPU time of a server as the kernel counts them: the process
// that leads it and every descendant (found through the parent pid in
// /proc/PID/stat), each one's RSS and PSS from /proc/PID/smaps_rollup, and
// its user + system time from /proc/PID/stat, summed. RSS counts a page
// shared by several processes once in each of them; PSS divides it among
// them, so summed PSS is what the processes really take together. Linux only.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * @typedef {object} TreeMemory
 * @property {number[]} pids The leader first, then its descendants.
 * @property {number} rss Bytes, summed over the processes.
 * @property {number} pss Bytes, summed over the processes.
 * @property {{ rss: number, pss: number }} leader The leader's own share.
 * @property {{ rss: number, pss: number }} [spread] From quietTreeMemory: largest minus smallest reading.
 */

/** The fields of /proc/PID/stat after "(comm)", from the state on (so field n of proc(5) is [n - 3]); undefined if it is gone. */
function statFields(/** @type {number} */ pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** The parent pid of every process now, from field 4 of /proc/PID/stat. */
function parents() {
  /** @type {Map<number, number>} */
  const map = new Map();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (fields !== undefined) map.set(pid, Number(fields[1]));
  }
  return map;
}

/** `pid` and all its descendants, the leader first. */
export function processTree(/** @type {number} */ pid) {
  const ppid = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [child, parent] of ppid) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** Rss and Pss of one process in bytes, from smaps_rollup; undefined if it is gone. */
function rollup(/** @type {number} */ pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (/** @type {string} */ field) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    if (match === null) throw new Error(`/proc/${pid}/smaps_rollup has no ${field}`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb("Rss"), pss: kb("Pss") };
}

/**
 * RSS and PSS of the process `pid` and all its descendants, summed.
 * @param {number} pid
 * @returns {TreeMemory}
 */
export function treeMemory(pid) {
  const pids = [];
  let rss = 0;
  let pss = 0;
  let leader = { rss: 0, pss: 0 };
  for (const p of processTree(pid)) {
    const m = rollup(p);
    if (m === undefined) continue;
    if (p === pid) leader = m;
    pids.push(p);
    rss += m.rss;
    pss += m.pss;
  }
  return { pids, rss, pss, leader };
}

/** Clock ticks per second of /proc/PID/stat's times. */
let ticks = 0;

/**
 * CPU time (user + system, fields 14 and 15 of /proc/PID/stat) in seconds of
 * the process `pid` and of its descendants, apart; processes that exited
 * meanwhile are not counted.
 * @param {number} pid
 * @returns {{ leader: number, others: number }}
 */
export function treeCpu(pid) {
  if (ticks === 0) ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  let leader = 0;
  let others = 0;
  for (const p of processTree(pid)) {
    const fields = statFields(p);
    if (fields === undefined) continue;
    const seconds = (Number(fields[11]) + Number(fields[12])) / ticks;
    if (p === pid) leader += seconds;
    else others += seconds;
  }
  return { leader, others };
}

/**
 * Awaits `work` and returns what it resolved with, and the CPU seconds that
 * `pid` and its descendants used meanwhile (threads included): what a load
 * run cost the server, per request once divided by the requests.
 * @template T
 * @param {number} pid
 * @param {() => Promise<T>} work
 * @returns {Promise<{ value: T, seconds: number }>}
 */
export async function treeCpuDuring(pid, work) {
  const before = treeCpu(pid);
  const value = await work();
  const after = treeCpu(pid);
  return { value, seconds: after.leader + after.others - before.leader - before.others };
}

/**
 * {@link treeMemory} of a server left alone: after `quietMs` (V8's memory
 * reducer shrinks an idle heap some 8 s after the last activity: a process
 * measured sooner still holds the garbage of its start or of its last work),
 * `samples` readings `intervalMs` apart; @returns the median RSS and the
 * median PSS of the readings, the processes of the last one, and the spread
 * (largest minus smallest) of each, to tell a figure that still moved.
 * @param {number} pid
 * @param {{ quietMs?: number, samples?: number, intervalMs?: number }} [options]
 */
export async function quietTreeMemory(pid, options = {}) {
  const { quietMs = 10_000, samples = 5, intervalMs = 500 } = options;
  const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(quietMs);
  /** @type {TreeMemory[]} */
  const readings = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(intervalMs);
    readings.push(treeMemory(pid));
  }
  const mid = (/** @type {number[]} */ values) =>
    /** @type {number} */ ([...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]);
  const spread = (/** @type {number[]} */ values) => Math.max(...values) - Math.min(...values);
  const rss = readings.map((r) => r.rss);
  const pss = readings.map((r) => r.pss);
  const last = /** @type {TreeMemory} */ (readings.at(-1));
  return {
    pids: last.pids,
    rss: mid(rss),
    pss: mid(pss),
    leader: {
      rss: mid(readings.map((r) => r.leader.rss)),
      pss: mid(readings.map((r) => r.leader.pss)),
    },
    spread: { rss: spread(rss), pss: spread(pss) },
  };
}

/** Bytes as MiB with one decimal, e.g. "212.4 MiB". */
export function formatMiB(/** @type {number} */ bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Bytes as KiB with one decimal (negative kept: a baseline can be above a later figure). */
export function formatKiB(/** @type {number} */ bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
