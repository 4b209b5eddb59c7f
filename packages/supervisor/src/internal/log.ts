// Where the supervisor and its workers report what happened: one line per
// event, prefixed so it can be told from the application's output; on stderr,
// or appended to the file in MOONBRIDGE_LOGFILE (set by `moonbridge --logfile`,
// inherited by workers). MOONBRIDGE_DEBUG=1 (`--debug`) adds routine events.

import { appendFileSync } from "node:fs";

const logFile = process.env.MOONBRIDGE_LOGFILE;
const debugging = process.env.MOONBRIDGE_DEBUG === "1";

export function log(line: string): void {
  const text = `moonbridge: ${line}\n`;
  if (logFile === undefined || logFile === "") {
    process.stderr.write(text);
    return;
  }
  try {
    appendFileSync(logFile, `${new Date().toISOString()} ${text}`);
  } catch {
    process.stderr.write(text);
  }
}

/** Routine events (forks, normal exits), logged only when debugging. */
export function debug(line: string): void {
  if (debugging) log(line);
}
