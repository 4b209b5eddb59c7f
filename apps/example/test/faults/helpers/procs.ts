// What the fault tests learn about processes, from /proc (Linux): a
// supervisor's children (its workers), the members of its process group,
// whether a process still lives (a zombie does not count: an orphan's may
// linger where nothing reaps it), and the CPU time a process used.

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

/** /proc/PID/stat, or undefined when the process is gone. */
function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

function livePids(filter: (stat: Stat) => boolean): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = stat(pid);
    if (info !== undefined && info.state !== "Z" && filter(info)) found.push(pid);
  }
  return found;
}

/** The live child processes of `pid`. */
export function childrenOf(pid: number): number[] {
  return livePids((info) => info.ppid === pid);
}

/** The live processes of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return livePids((info) => info.pgrp === pgid);
}

/** True while `pid` runs (exists and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const info = stat(pid);
  return info !== undefined && info.state !== "Z";
}

let tickRate: number | undefined;

/** Clock ticks per second (getconf CLK_TCK; 100 where it cannot be asked). */
function ticksPerSecond(): number {
  if (tickRate === undefined) {
    try {
      tickRate = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      tickRate = 100;
    }
  }
  return tickRate;
}

/** CPU seconds (user + system) `pid` has used so far; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const info = stat(pid);
  return info === undefined ? undefined : info.ticks / ticksPerSecond();
}

/**
 * The share of one core each of `pids` used over the next `seconds` (a
 * process that went away meanwhile is left out).
 */
export async function cpuShares(pids: number[], seconds: number): Promise<Map<number, number>> {
  ticksPerSecond();
  const before = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - startedAt) / 1000;
  const shares = new Map<number, number>();
  for (const [pid, first] of before) {
    const last = cpuSeconds(pid);
    if (first !== undefined && last !== undefined) shares.set(pid, (last - first) / elapsed);
  }
  return shares;
}

/** Polls `check` every 100 ms until it is true or `seconds` pass; returns its last answer. */
export async function eventually(check: () => boolean, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
