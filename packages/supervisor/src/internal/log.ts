// Where the supervisor and its workers report what happened: one line per
// event on stderr, prefixed so it can be told from the application's output.

export function log(line: string): void {
  process.stderr.write(`moonbridge: ${line}\n`);
}
