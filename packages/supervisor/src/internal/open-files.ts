// The process's soft limit of open files, which bounds how many connections
// the supervisor can hold parked. Node has no getrlimit(); on Linux the limit
// is in /proc/self/limits. Elsewhere it is unknown.

import { readFileSync } from "node:fs";

/** The soft limit of open file descriptors, or undefined where it cannot be read. */
export function openFilesLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/self/limits", "latin1");
  } catch {
    return undefined;
  }
  const line = text.split("\n").find((entry) => entry.startsWith("Max open files"));
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
  if (soft === "unlimited") return Number.MAX_SAFE_INTEGER;
  const value = Number(soft);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
