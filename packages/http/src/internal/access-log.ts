// The access log (option accessLog): a line per request that reached the
// callback, written when its response is done (or failed), in the Common
// Log Format or as one JSON object, to the process's standard output (a
// worker's goes where the supervisor's goes); or an entry handed to the
// application's function. Nothing is timed or formatted when it is off.

import type { AccessLogEntry } from "../types";

/** What the accessLog option resolves to: a function that takes each entry. */
export type AccessLogger = (entry: AccessLogEntry) => void;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** A time as the Common Log Format has it, in UTC: `07/Dec/2026:09:36:21 +0000`. */
export function commonLogTime(time: Date): string {
  return `${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`;
}

/** The Common Log Format: `host - - [time] "request line" status bytes`. */
export function commonLogLine(entry: AccessLogEntry): string {
  // The request line is the client's bytes: its quotes and backslashes are escaped, as Apache does.
  const line = `${entry.method} ${entry.target} ${entry.protocol}`.replace(/["\\]/g, "\\$&");
  const bytes = entry.bytes === 0 ? "-" : String(entry.bytes);
  return `${entry.clientAddress ?? "-"} - - [${commonLogTime(entry.time)}] "${line}" ${entry.status} ${bytes}\n`;
}

/** One JSON object: the entry's fields, the time in ISO 8601. */
export function jsonLogLine(entry: AccessLogEntry): string {
  return `${JSON.stringify({
    time: entry.time.toISOString(),
    client: entry.clientAddress ?? null,
    method: entry.method,
    target: entry.target,
    protocol: entry.protocol,
    status: entry.status,
    bytes: entry.bytes,
    durationMs: Math.round(entry.durationMs * 1000) / 1000,
    userAgent: entry.userAgent ?? null,
    referer: entry.referer ?? null,
  })}\n`;
}

/** The logger for an accessLog option that has been checked: "common", "json" or a function. */
export function accessLogger(format: "common" | "json" | AccessLogger): AccessLogger {
  if (typeof format === "function") return format;
  const render = format === "json" ? jsonLogLine : commonLogLine;
  return (entry) => {
    process.stdout.write(render(entry));
  };
}
