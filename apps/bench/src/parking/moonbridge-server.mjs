// Our side of parking.bench.mjs: the moonbridge meta-package's listen() with
// http.generateHandler() and a hello-world callback (status 200, text/plain,
// "Hello World!\n"): with BENCH_DEFAULTS=1 with no pool option at all (as
// `moonbridge app.mjs` runs a plain app), else in a pool of at most
// BENCH_MAX_FORK workers (default 4) and at least BENCH_MIN_FORK (default the
// same: the baseline then holds every worker the clients will meet). BENCH_PARKING=1 or 0 passes
// `parking: true` or `parking: false` to generateHandler (unset: the option
// is not passed, for a build that does not know it); BENCH_PARK_AFTER
// (seconds) passes `parkAfter`. The supervisor writes `pool.stats()` as JSON
// to the file BENCH_STATS_FILE every 200 ms (a worker cannot see the pool's
// counters, so they do not go through a request). Binds 127.0.0.1, port 0,
// and prints the port on stdout once every worker of minFork is idle. Runs in
// the supervisor and again in every worker, as listen() requires.
import { availableParallelism } from "node:os";
import { listen } from "moonbridge";
import { envCount } from "../harness.mjs";
import { helloHandler, parkingOptions, writeStatsToFile } from "../load/ours.mjs";

const defaults = process.env.BENCH_DEFAULTS === "1";
const maxFork = envCount("BENCH_MAX_FORK", 4);
// The default minFork: the CPUs, at least 2.
const minFork = defaults
  ? Math.max(2, availableParallelism())
  : envCount("BENCH_MIN_FORK", maxFork);
const handler = helloHandler(parkingOptions());

const pool = listen({
  listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }],
  ...(defaults ? {} : { minFork, maxFork }),
  connect: handler,
});

if (pool.role === "supervisor") {
  const [address] = await pool.ready;
  if (address?.proto !== "tcp") throw new Error("expected a tcp listener");
  writeStatsToFile(pool);
  while (pool.stats().idle < minFork) await new Promise((resolve) => setTimeout(resolve, 20));
  process.stdout.write(`${address.port}\n`);
}
