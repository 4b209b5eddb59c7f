// The command line of `moonbridge`: options, then the application module,
// then the application's own arguments (left in process.argv for it). The
// options are node:util's parseArgs (so `--logfile=x.log` works as well as
// `--logfile x.log`); only what comes before the module is ours.

import { parseArgs as parseOptions } from "node:util";

export interface CommandLine {
  app: string;
  pidfile: string | undefined;
  logfile: string | undefined;
  /** How log lines look: "text" (the default) or "json" (one object a line). */
  logFormat: "text" | "json";
  /** Seconds between statistics lines; 0: none. */
  stats: number;
  /** Pool sizes that override the application's (`--min-fork`, `--max-fork`). */
  minFork: number | undefined;
  maxFork: number | undefined;
  /** Worker recycling that overrides the application's (`--max-requests`, `--max-requests-jitter`). */
  maxRequests: number | undefined;
  maxRequestsJitter: number | undefined;
  debug: boolean;
  /** Modules imported before the application (loaders such as tsx). */
  imports: string[];
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `Usage: moonbridge [options] app.js [arguments for the app]

Runs app.js, a module that calls listen() from moonbridge, as a supervisor
with a pool of worker processes.

Options:
  --pidfile FILE     write the supervisor's process id to FILE (removed at exit);
                     refuse to start if FILE names a running process
  --logfile FILE     append moonbridge's log lines to FILE instead of stderr
  --log-format FORMAT
                     text (the default) or json: one object a line (time, level,
                     event, pid, message, and the event's fields)
  --min-fork N       keep at least N workers (overrides the app's minFork)
  --max-fork N       run at most N workers (overrides the app's maxFork)
  --max-requests N   replace a worker after N requests (overrides the app's
                     maxRequests; 0: never)
  --max-requests-jitter N
                     up to N more requests per worker, drawn at random
  --stats [SECONDS]  log pool statistics every SECONDS (default 10)
  --debug            log routine events too (forks, normal worker exits)
  --import MODULE    import MODULE before the app (e.g. --import tsx for TypeScript);
                     may be given more than once
  -h, --help         show this text
  -v, --version      show moonbridge's version

Exit codes: 0 stopped cleanly (SIGTERM, SIGINT); 1 the app failed to load or
a listener could not be bound; 2 bad command line; 3 the pidfile names a
running process.
`;

/** Options that take a value: the word after one of them is not the module. */
const WITH_VALUE = new Set([
  "--pidfile",
  "--logfile",
  "--log-format",
  "--import",
  "--min-fork",
  "--max-fork",
  "--max-requests",
  "--max-requests-jitter",
]);

const OPTIONS = {
  pidfile: { type: "string" },
  logfile: { type: "string" },
  "log-format": { type: "string" },
  stats: { type: "string" },
  "min-fork": { type: "string" },
  "max-fork": { type: "string" },
  "max-requests": { type: "string" },
  "max-requests-jitter": { type: "string" },
  debug: { type: "boolean" },
  import: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** Default seconds of `--stats` given without a number. */
const STATS_DEFAULT = 10;

/**
 * Reads the command line (without node and the script): our options up to
 * the first word that is neither an option nor an option's value, which is
 * the application module; the rest is the application's. Throws UsageError.
 */
export function parseArgs(args: readonly string[]): CommandLine {
  const ours: string[] = [];
  let app = "";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      app = arg;
      break;
    }
    if (arg === "--stats") {
      // An optional value: a number after it is its value, anything else is not.
      const next = args[i + 1];
      if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
        ours.push(`--stats=${next}`);
        i++;
      } else ours.push(`--stats=${STATS_DEFAULT}`);
      continue;
    }
    ours.push(arg);
    if (WITH_VALUE.has(arg)) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("-")) throw new UsageError(`${arg} needs a value`);
      ours.push(next);
      i++;
    }
  }
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(ours).values;
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const line: CommandLine = {
    app,
    pidfile: values.pidfile,
    logfile: values.logfile,
    logFormat: "text",
    stats: 0,
    minFork: wholeNumber("--min-fork", values["min-fork"], 0),
    maxFork: wholeNumber("--max-fork", values["max-fork"], 1),
    maxRequests: wholeNumber("--max-requests", values["max-requests"], 0),
    maxRequestsJitter: wholeNumber("--max-requests-jitter", values["max-requests-jitter"], 0),
    debug: values.debug === true,
    imports: values.import ?? [],
    help: values.help === true,
    version: values.version === true,
  };
  if (line.help || line.version) return line;
  const format = values["log-format"];
  if (format !== undefined) {
    if (format !== "text" && format !== "json")
      throw new UsageError(`--log-format needs text or json, got "${format}"`);
    line.logFormat = format;
  }
  if (values.stats !== undefined) {
    line.stats = Number(values.stats);
    if (!(line.stats > 0)) throw new UsageError("--stats needs a number of seconds > 0");
  }
  for (const [name, value] of [
    ["--pidfile", line.pidfile],
    ["--logfile", line.logfile],
  ] as const) {
    if (value === "") throw new UsageError(`${name} needs a value`);
  }
  if (app === "") throw new UsageError("no application module given");
  return line;
}

/** A count given with `name`: a whole number of at least `least`. */
function wholeNumber(name: string, value: string | undefined, least: number): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < least)
    throw new UsageError(`${name} needs a whole number >= ${least}, got "${value}"`);
  return count;
}

function parse(args: string[]) {
  return parseOptions({ args, options: OPTIONS, strict: true, allowPositionals: false });
}

/** parseArgs' message, in our words where it names an unknown option. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown !== null) return `unknown option ${unknown[1]}`;
  const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing !== null) return `${missing[1]} needs a value`;
  return message.split("\n")[0] ?? message;
}
