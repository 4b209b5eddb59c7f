// Where the supervisor and its workers report what happened: one line per
// event, on stderr, or appended to the file in MOONBRIDGE_LOGFILE (set by
// `moonbridge --logfile`, inherited by workers). As text (the default),
// "moonbridge: " and the message, so it can be told from the application's
// output (in a file, after an ISO 8601 time); as JSON (MOONBRIDGE_LOG_FORMAT
// =json, `moonbridge --log-format json`), one object a line: time, level,
// event (a name that stays put, for tools), pid (the process that logs),
// message, and the event's fields. MOONBRIDGE_DEBUG=1 (`--debug`) adds
// routine events.

import { appendFileSync } from "node:fs";

const logFile = process.env.MOONBRIDGE_LOGFILE;
const debugging = process.env.MOONBRIDGE_DEBUG === "1";
const json = process.env.MOONBRIDGE_LOG_FORMAT === "json";

export type LogLevel = "debug" | "info" | "error";

/** A log line for `event` as the format has it (no newline). */
export function logLine(
  level: LogLevel,
  event: string,
  message: string,
  fields: Record<string, unknown> | undefined,
  time: Date,
  asJson: boolean,
): string {
  if (!asJson) return `moonbridge: ${message}`;
  return JSON.stringify({
    ...fields,
    time: time.toISOString(),
    level,
    event,
    pid: process.pid,
    message,
  });
}

function write(
  level: LogLevel,
  event: string,
  message: string,
  fields?: Record<string, unknown>,
): void {
  const time = new Date();
  const line = logLine(level, event, message, fields, time, json);
  if (logFile === undefined || logFile === "") {
    process.stderr.write(`${line}\n`);
    return;
  }
  try {
    appendFileSync(logFile, json ? `${line}\n` : `${time.toISOString()} ${line}\n`);
  } catch {
    process.stderr.write(`${line}\n`);
  }
}

/** Something the operator should know of (signals, reloads, limits reached). */
export function log(event: string, message: string, fields?: Record<string, unknown>): void {
  write("info", event, message, fields);
}

/** Something went wrong (a worker crashed, a handler threw, a connection was lost). */
export function logError(event: string, message: string, fields?: Record<string, unknown>): void {
  write("error", event, message, fields);
}

/** Routine events (forks, normal exits), logged only when debugging. */
export function debug(event: string, message: string, fields?: Record<string, unknown>): void {
  if (debugging) write("debug", event, message, fields);
}
