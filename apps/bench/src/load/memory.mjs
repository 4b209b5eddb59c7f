// Memory of a server as the kernel counts it: the process that leads it and
// every descendant (found through the parent pid in /proc/PID/stat), each
// one's RSS and PSS from /proc/PID/smaps_rollup, summed. RSS counts a page
// shared by several processes once in each of them; PSS divides it among
// them, so summed PSS is what the processes really take together. Linux only.
import { readdirSync, readFileSync } from "node:fs";

/**
 * @typedef {object} TreeMemory
 * @property {number[]} pids The leader first, then its descendants.
 * @property {number} rss Bytes, summed over the processes.
 * @property {number} pss Bytes, summed over the processes.
 * @property {boolean} [settled] From settledTreeMemory: false if it still moved at its deadline.
 */

/** The parent pid of every process now, from field 4 of /proc/PID/stat. */
function parents() {
  /** @type {Map<number, number>} */
  const map = new Map();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      map.set(pid, Number(fields[1]));
    } catch {} // gone meanwhile
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
  for (const p of processTree(pid)) {
    const m = rollup(p);
    if (m === undefined) continue;
    pids.push(p);
    rss += m.rss;
    pss += m.pss;
  }
  return { pids, rss, pss };
}

/**
 * {@link treeMemory} once it holds still: read every `intervalMs` until RSS
 * and PSS both move by less than `toleranceBytes` from one reading to the
 * next (a process just started or just busy is still collecting garbage),
 * or `maxMs` pass; @returns the last reading and whether it settled.
 * @param {number} pid
 * @param {{ intervalMs?: number, toleranceBytes?: number, maxMs?: number }} [options]
 */
export async function settledTreeMemory(pid, options = {}) {
  const { intervalMs = 500, toleranceBytes = 1 << 20, maxMs = 15_000 } = options;
  const deadline = Date.now() + maxMs;
  let last = treeMemory(pid);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const now = treeMemory(pid);
    const still =
      now.pids.length === last.pids.length &&
      Math.abs(now.rss - last.rss) < toleranceBytes &&
      Math.abs(now.pss - last.pss) < toleranceBytes;
    if (still || Date.now() > deadline) return { ...now, settled: still };
    last = now;
  }
}

/** Bytes as MiB with one decimal, e.g. "212.4 MiB". */
export function formatMiB(/** @type {number} */ bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Bytes as KiB with one decimal (negative kept: a baseline can be above a later figure). */
export function formatKiB(/** @type {number} */ bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
