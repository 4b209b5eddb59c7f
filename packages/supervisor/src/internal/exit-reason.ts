// Why a worker exited, as stats().exits counts it, and whether that was a
// failure to log (and to wait forkErrorDelay after): what the worker said
// when it left, else its exit code or the signal that killed it.

import type { ExitReason } from "./protocol";

export interface ExitVerdict {
  /** "retired", "idle-timeout", "connect-not-true", "memory-limit", "max-requests", "exited", "crashed", "killed", "failed-to-start". */
  reason: string;
  /** What went wrong, for the log; undefined for an ordinary exit. */
  failure: string | undefined;
}

export function exitVerdict(
  announced: ExitReason | undefined,
  starting: boolean,
  code: number | null,
  signal: NodeJS.Signals | null,
): ExitVerdict {
  if (announced !== undefined && announced !== "handler-error")
    return { reason: announced, failure: undefined };
  if (signal !== null) return { reason: "killed", failure: `was killed by ${signal}` };
  if (announced === "handler-error" || code !== 0) {
    return starting
      ? { reason: "failed-to-start", failure: `failed to start (exit code ${code})` }
      : { reason: "crashed", failure: `crashed (exit code ${code})` };
  }
  return { reason: "exited", failure: undefined };
}
