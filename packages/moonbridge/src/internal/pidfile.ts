// --pidfile: the supervisor's process id in a file, removed when it exits; a
// file naming a process that still runs means another supervisor: refuse.

import { readFileSync, unlinkSync, writeFileSync } from "node:fs";

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes the pid file, or returns the pid of the running process it names. */
export function claimPidfile(path: string): number | undefined {
  let existing: number | undefined;
  try {
    existing = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
  } catch {}
  if (
    existing !== undefined &&
    Number.isInteger(existing) &&
    existing > 0 &&
    existing !== process.pid &&
    running(existing)
  ) {
    return existing;
  }
  writeFileSync(path, `${process.pid}\n`);
  process.on("exit", () => {
    try {
      if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
    } catch {}
  });
  return undefined;
}
