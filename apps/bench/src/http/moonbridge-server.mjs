// Our side of http.bench.mjs and burst.bench.mjs: the moonbridge
// meta-package's listen() with http.generateHandler() and a hello-world
// callback. Unless BENCH_MIN_FORK is set, both run with their defaults (no
// pool option, no handler option), as `moonbridge app.mjs` runs a plain app;
// BENCH_MIN_FORK=N configures the pool for a load as a user would: at least
// N workers, preFork 1, maxFork max(N, 16) (bench:http --minfork33 sets 33:
// one per wrk connection and a spare). BENCH_COUNTS_FILE, when set, gets one
// line "PORT REQUESTS" each time the connect handler returns: the client's
// TCP port ("?" if this build's socket does not tell) and the requests served
// in that call. A parked keep-alive connection comes back to a worker in
// another call, so the bench sums the lines by port to count requests per
// connection (src/load/counts.mjs) and to check that every connection was
// served (src/load/ours.mjs holds the handler, the parking options and the
// stats file). BENCH_PARKING=0 passes
// `parking: false` to generateHandler (idle keep-alive connections stay in
// their worker), BENCH_PARKING=1 `parking: true`; unset, the option is not
// passed (the default: parking on, in a build that has it). BENCH_STATS_FILE,
// when set, gets the supervisor's pool.stats() as JSON every 200 ms (how many
// connections were parked under the load). BENCH_KEEP_YOUNG=0 passes
// `keepYoungGeneration: false` to listen() (workers run with V8's own
// young-generation shrinking). BENCH_MOONBRIDGE: another build's moonbridge
// index.js (bench:http's BENCH_BEFORE row). Binds 127.0.0.1,
// port 0, and prints the port on stdout once workers accept. Runs in the
// supervisor and again in every worker, as listen() requires.
import { appendFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { helloHandler, parkingOptions, writeStatsToFile } from "../load/ours.mjs";

const where = process.env.BENCH_MOONBRIDGE;
/** @type {typeof import("moonbridge")} */
const moonbridge = await import(where ? pathToFileURL(where).href : "moonbridge");
const { listen } = moonbridge;

const rawMinFork = process.env.BENCH_MIN_FORK;
const minFork = rawMinFork === undefined ? undefined : Number(rawMinFork);
if (minFork !== undefined && (!Number.isInteger(minFork) || minFork < 1))
  throw new Error(`BENCH_MIN_FORK must be a positive integer, got "${rawMinFork}"`);
const counts = process.env.BENCH_COUNTS_FILE;
let requests = 0;
const handler = helloHandler(
  parkingOptions(),
  () => {
    requests++;
  },
  moonbridge.http,
);

const pool = listen({
  listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }],
  ...(minFork === undefined ? {} : { preFork: 1, minFork, maxFork: Math.max(minFork, 16) }),
  ...(process.env.BENCH_KEEP_YOUNG === "0" ? { keepYoungGeneration: false } : {}),
  async connect(socket) {
    requests = 0;
    // Read now: once the connection is closed the socket no longer knows its peer.
    const port = counts === undefined ? undefined : (socket.remoteTcpPort ?? "?");
    try {
      return await handler(socket);
    } finally {
      if (counts !== undefined) appendFileSync(counts, `${port} ${requests}\n`);
    }
  },
});

if (pool.role === "supervisor") {
  writeStatsToFile(pool);
  const [address] = await pool.ready;
  if (address?.proto !== "tcp") throw new Error("expected a tcp listener");
  process.stdout.write(`${address.port}\n`);
}
