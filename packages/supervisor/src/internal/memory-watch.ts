// The supervisor's side of memoryLimit: a worker checks itself after each
// connection and leaves when above the limit; one that keeps growing while it
// serves (past MEMORY_KILL_FACTOR times the limit) is killed here at once.
// Resident memory comes from /proc (Linux); elsewhere only the worker's own check applies.

import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { log } from "./log";

export const MEMORY_KILL_FACTOR = 1.5;
const PAGE_SIZE = 4096;

/** Resident bytes of process `pid`, or undefined when /proc cannot say. */
export function residentBytes(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/statm`, "latin1").split(" ");
    const pages = Number(fields[1]);
    return Number.isFinite(pages) ? pages * PAGE_SIZE : undefined;
  } catch {
    return undefined;
  }
}

/** Kills (SIGKILL) every worker whose resident memory is above MEMORY_KILL_FACTOR times `limit` (bytes). */
export function killOversized(workers: Iterable<{ child: ChildProcess }>, limit: number): void {
  for (const worker of workers) {
    const pid = worker.child.pid;
    const resident = pid === undefined ? undefined : residentBytes(pid);
    if (resident !== undefined && resident > limit * MEMORY_KILL_FACTOR) {
      log(
        "worker-killed",
        `worker ${pid} uses ${Math.round(resident / 2 ** 20)} MiB, far above memoryLimit; killing it`,
        { worker: pid, reason: "memory", residentBytes: resident },
      );
      worker.child.kill("SIGKILL");
    }
  }
}
