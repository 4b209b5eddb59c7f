// The command line of `moonbridge`: options, then the application module,
// then the application's own arguments (left in process.argv for it).

export interface CommandLine {
  app: string;
  pidfile: string | undefined;
  logfile: string | undefined;
  /** Seconds between statistics lines; 0: none. */
  stats: number;
  debug: boolean;
  /** Modules imported before the application (loaders such as tsx). */
  imports: string[];
  help: boolean;
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
  --stats [SECONDS]  log pool statistics every SECONDS (default 10)
  --debug            log routine events too (forks, normal worker exits)
  --import MODULE    import MODULE before the app (e.g. --import tsx for TypeScript);
                     may be given more than once
  --help             show this text

Exit codes: 0 stopped cleanly (SIGTERM, SIGINT); 1 the app failed to load or
a listener could not be bound; 2 bad command line; 3 the pidfile names a
running process.
`;

export function parseArgs(args: readonly string[]): CommandLine {
  const line: CommandLine = {
    app: "",
    pidfile: undefined,
    logfile: undefined,
    stats: 0,
    debug: false,
    imports: [],
    help: false,
  };
  const value = (at: number, option: string): string => {
    const next = args[at + 1];
    if (next === undefined || next.startsWith("--"))
      throw new UsageError(`${option} needs a value`);
    return next;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("--")) {
      line.app = arg;
      return line;
    }
    switch (arg) {
      case "--help":
        line.help = true;
        return line;
      case "--debug":
        line.debug = true;
        break;
      case "--pidfile":
        line.pidfile = value(i++, arg);
        break;
      case "--logfile":
        line.logfile = value(i++, arg);
        break;
      case "--import":
        line.imports.push(value(i++, arg));
        break;
      case "--stats": {
        const next = args[i + 1];
        if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
          line.stats = Number(next);
          i++;
        } else line.stats = 10;
        if (!(line.stats > 0)) throw new UsageError("--stats needs a number of seconds > 0");
        break;
      }
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  throw new UsageError("no application module given");
}
