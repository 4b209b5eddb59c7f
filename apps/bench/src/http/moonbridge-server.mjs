// Our side of http.bench.mjs: the moonbridge meta-package's listen() with
// http.generateHandler() and a hello-world callback, configured for the load
// as a user would: BENCH_MIN_FORK workers at least (default 33: one per wrk
// connection and a spare), preFork 1. BENCH_COUNTS_FILE, when set, gets one
// line per connection with the number of requests it carried, so the bench
// can check that every connection was served. BENCH_PARKING=0 passes
// `parking: false` to generateHandler (idle keep-alive connections stay in
// their worker), BENCH_PARKING=1 `parking: true`; unset, the option is not
// passed (the default: parking on, in a build that has it). BENCH_STATS_FILE,
// when set, gets the supervisor's pool.stats() as JSON every 200 ms (how many
// connections were parked under the load). Binds 127.0.0.1,
// port 0, and prints the port on stdout once workers accept. Runs in the
// supervisor and again in every worker, as listen() requires.
import { appendFileSync, writeFileSync } from "node:fs";
import { http, listen } from "moonbridge";

const minFork = Number(process.env.BENCH_MIN_FORK ?? 33);
if (!Number.isInteger(minFork) || minFork < 1)
  throw new Error(`BENCH_MIN_FORK must be a positive integer, got "${process.env.BENCH_MIN_FORK}"`);
const counts = process.env.BENCH_COUNTS_FILE;
const parking = process.env.BENCH_PARKING;
if (parking !== undefined && parking !== "0" && parking !== "1")
  throw new Error(`BENCH_PARKING must be 0 or 1, got "${parking}"`);
/** @type {Record<string, unknown>} */
const options = parking === undefined ? {} : { parking: parking === "1" };

let requests = 0;
const handler = http.generateHandler(options, async (request) => {
  requests++;
  request.sendStatus(200);
  request.sendHeader("Content-Type", "text/plain");
  request.sendData("Hello World!\n");
  await request.finish();
  return true;
});

const pool = listen({
  listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }],
  preFork: 1,
  minFork,
  maxFork: Math.max(minFork, 16),
  async connect(socket) {
    requests = 0;
    try {
      return await handler(socket);
    } finally {
      if (counts !== undefined) appendFileSync(counts, `${requests}\n`);
    }
  },
});

if (pool.role === "supervisor") {
  const statsFile = process.env.BENCH_STATS_FILE;
  if (statsFile !== undefined)
    setInterval(() => writeFileSync(statsFile, JSON.stringify(pool.stats())), 200).unref();
  const [address] = await pool.ready;
  if (address?.proto !== "tcp") throw new Error("expected a tcp listener");
  process.stdout.write(`${address.port}\n`);
}
