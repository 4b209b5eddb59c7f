// The pool sizes and worker recycling given on the moonbridge command line
// (`--min-fork`, `--max-fork`, `--max-requests`, `--max-requests-jitter`),
// which the command passes to the supervisor in its environment: they
// override the application's own, as gunicorn's `-w` overrides its
// configuration. A pool size given alone moves the other (and preFork) as
// far as it must, so that the command line never makes the options
// contradict each other.

/** The environment variables `moonbridge --min-fork N --max-fork N` sets. */
export const MIN_FORK_ENV = "MOONBRIDGE_MIN_FORK";
export const MAX_FORK_ENV = "MOONBRIDGE_MAX_FORK";
export const MAX_REQUESTS_ENV = "MOONBRIDGE_MAX_REQUESTS";
export const MAX_REQUESTS_JITTER_ENV = "MOONBRIDGE_MAX_REQUESTS_JITTER";

/** `options` with the command line's, if any (options that are not an object are left to the checker). */
export function withCommandLine(options: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  const min = env[MIN_FORK_ENV];
  const max = env[MAX_FORK_ENV];
  const requests = env[MAX_REQUESTS_ENV];
  const jitter = env[MAX_REQUESTS_JITTER_ENV];
  const given = [min, max, requests, jitter].some((value) => value !== undefined);
  if (!given || typeof options !== "object" || options === null) return options;
  const o = { ...(options as Record<string, unknown>) };
  if (requests !== undefined) o.maxRequests = Number(requests);
  if (jitter !== undefined) o.maxRequestsJitter = Number(jitter);
  if (min !== undefined) {
    const least = Number(min);
    o.minFork = least;
    if (typeof o.maxFork === "number" && o.maxFork < least) o.maxFork = least;
  }
  if (max !== undefined) {
    const most = Number(max);
    o.maxFork = most;
    for (const name of ["minFork", "preFork"])
      if (typeof o[name] === "number" && (o[name] as number) > most) o[name] = most;
  }
  return o;
}
