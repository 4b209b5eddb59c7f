// New connections handed to workers per second: @moonbridge/supervisor's pool
// (sizes 2 and 33: a pool far larger than the cores) against node:cluster with 2 workers, round-robin and
// SCHED_NONE, all serving the same trivial HTTP answer with `Connection: close`
// to `wrk -t1 -c32`, so that every request is a new connection. All servers
// run for the whole benchmark, each in its own process group; one at a time is
// under load, interleaved round by round (A, B, C, A, B, C, ...); each figure
// is the median of the rounds, with wrk's socket errors (a row with errors is
// not valid). node:http in cluster round-robin is an extra row for context.
// Each row also has the CPU time of the server's processes per connection
// (user + system, threads included, from /proc): steadier than the rate on
// a machine that wrk and others share, and what an A/B of two builds compares.
//
//   node src/pool.bench.mjs             5 rounds of 5 s per server, 2 s warm-up
//   node src/pool.bench.mjs --quick     2 rounds of 3 s (or BENCH_QUICK=1)
//   node src/pool.bench.mjs --profile=N our pool of size N alone under --cpu-prof
//                                       (BENCH_PROF_DIR, default /tmp/poolprof) for
//                                       one 5 s wrk run, then the top self times
//                                       of the supervisor and of the busiest worker
// BENCH_ONLY (comma-separated substrings of server names) picks servers.
// BENCH_BEFORE (the path of an earlier build's index.js) adds that build's
// pools as rows, to compare before and after in one run.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, formatRate, median, optionsFromEnv, pick } from "./harness.mjs";
import { treeCpuDuring } from "./load/process-tree.mjs";
import { probe, startServer, stopServer } from "./load/servers.mjs";
import { checkWrk, wrk as runWrk } from "./load/wrk.mjs";
import { formatTop, selfTimes } from "./pool/cpuprofile-top.mjs";

/** @typedef {import("./load/servers.mjs").Server} Server */
/** @typedef {import("./load/wrk.mjs").WrkResult} WrkResult */

/** wrk with this benchmark's arguments. */
const wrk = (/** @type {number} */ port, /** @type {number} */ ms) => runWrk(port, ms, WRK);

const HERE = fileURLToPath(new URL(".", import.meta.url));
const OURS = join(HERE, "pool", "moonbridge-server.mjs");
const CLUSTER = join(HERE, "pool", "cluster-server.mjs");
const RR = "node:cluster ×2 (round-robin)";
const NONE = "node:cluster ×2 (SCHED_NONE)";
const POOL_SIZES = [2, 33];
const WARMUP_MS = 2000;
const WRK = ["-t1", "-c32", "-H", "Connection: close"];

const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const profileArg = args.find((a) => a.startsWith("--profile"));
const rounds = quick ? 2 : 5;
const timeMs = quick ? 3000 : 5000;

/**
 * @typedef {object} Entry
 * @property {string} name
 * @property {string} script
 * @property {Record<string, string>} env
 * @property {number} [poolSize] Set for our pool.
 */

/** @type {Entry[]} */
const ENTRIES = [
  ...POOL_SIZES.map((size) => ({
    name: `moonbridge pool ×${size} (minFork=maxFork=${size}, preFork 1)`,
    script: OURS,
    env: { BENCH_POOL_SIZE: String(size) },
    poolSize: size,
  })),
  ...(process.env.BENCH_BEFORE
    ? POOL_SIZES.map((size) => ({
        name: `before: moonbridge pool ×${size}`,
        script: OURS,
        env: { BENCH_POOL_SIZE: String(size), BENCH_SUPERVISOR: String(process.env.BENCH_BEFORE) },
      }))
    : []),
  { name: RR, script: CLUSTER, env: { BENCH_SCHED: "rr" } },
  { name: NONE, script: CLUSTER, env: { BENCH_SCHED: "none" } },
  {
    name: "node:http in node:cluster ×2 (round-robin), context",
    script: CLUSTER,
    env: { BENCH_SCHED: "rr", BENCH_KIND: "http" },
  },
];

/** Starts, checks and warms one server; @returns {Promise<Server>} */
async function prepare(/** @type {Entry} */ entry, /** @type {string[]} */ nodeArgs = []) {
  const server = await startServer(entry.name, entry.script, entry.env, nodeArgs);
  const answer = await probe(server.port);
  if (answer.status !== "HTTP/1.1 200 OK" || answer.body !== "Hello World!\n")
    throw new Error(`${entry.name} answered ${JSON.stringify(answer)}`);
  await wrk(server.port, WARMUP_MS);
  return server;
}

async function bench() {
  const entries = pick(ENTRIES, optionsFromEnv().only);
  /** @type {Map<string, WrkResult[]>} */
  const runs = new Map(entries.map((e) => [e.name, []]));
  /** CPU time of the server's processes per connection in each round, µs (a steadier measure than the rate). @type {Map<string, number[]>} */
  const cpu = new Map(entries.map((e) => [e.name, []]));
  /** @type {Server[]} */
  const servers = [];
  const item = { name: "Connection: close", input: null };
  /** @type {import("./harness.mjs").Competitor<null>[]} */
  const competitors = entries.map((entry) => ({
    name: entry.name,
    async setup() {
      const server = await prepare(entry);
      servers.push(server);
      return {
        async run(/** @type {number} */ ms) {
          const { value: result, seconds } = await treeCpuDuring(
            /** @type {number} */ (server.child.pid),
            () => wrk(server.port, ms),
          );
          runs.get(entry.name)?.push(result);
          cpu.get(entry.name)?.push((seconds * 1e6) / Math.max(1, result.requests));
          return result.rate;
        },
        close: () => stopServer(server),
      };
    },
  }));
  try {
    const results = await compare([item], competitors, NONE, {
      rounds,
      timeMs,
      warmupMs: 0,
      prewarmMs: 0,
    });
    report(entries, results, runs, cpu);
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

/**
 * @param {Entry[]} entries
 * @param {import("./harness.mjs").Result[]} results
 * @param {Map<string, WrkResult[]>} runs
 * @param {Map<string, number[]>} cpu
 */
function report(entries, results, runs, cpu) {
  const medianOf = (/** @type {string} */ name) =>
    results.find((r) => r.competitor === name)?.median;
  const none = medianOf(NONE);
  const rr = medianOf(RR);
  const ratio = (/** @type {number} */ m, /** @type {number | undefined} */ base) =>
    base === undefined ? "–" : `${(m / base).toFixed(2)}×`;
  /** @param {WrkResult[]} list */
  const errorsOf = (list) => {
    const sum = { connect: 0, read: 0, write: 0, timeout: 0, non2xx: 0 };
    for (const r of list) {
      sum.connect += r.errors.connect;
      sum.read += r.errors.read;
      sum.write += r.errors.write;
      sum.timeout += r.errors.timeout;
      sum.non2xx += r.non2xx;
    }
    return sum;
  };
  console.log("\n### New connections handed to workers per second\n");
  console.log(
    "| server | median req/s | spread (IQR) | vs SCHED_NONE | vs round-robin | CPU per connection | wrk errors c/r/w/t | non-2xx | valid |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  /** @type {{ entry: Entry, median: number, valid: boolean } | undefined} */
  let best;
  for (const entry of entries) {
    const result = results.find((r) => r.competitor === entry.name);
    if (result === undefined) continue;
    const e = errorsOf(runs.get(entry.name) ?? []);
    const valid = e.connect + e.read + e.write + e.timeout + e.non2xx === 0;
    const sorted = [...result.samples].sort((a, b) => a - b);
    const q = (/** @type {number} */ p) =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const spread = `±${(((q(0.75) - q(0.25)) / 2 / result.median) * 100).toFixed(1)}%`;
    console.log(
      `| ${entry.name} | ${formatRate(result.median)} | ${spread} | ${ratio(result.median, none)} | ${ratio(result.median, rr)} | ${median(cpu.get(entry.name) ?? []).toFixed(0)} µs | ${e.connect}/${e.read}/${e.write}/${e.timeout} | ${e.non2xx} | ${valid ? "yes" : "**no**"} |`,
    );
    if (
      entry.poolSize !== undefined &&
      valid &&
      (best === undefined || result.median > best.median)
    )
      best = { entry, median: result.median, valid };
  }
  console.log("");
  if (best === undefined) console.log("No valid row for our pool.");
  else {
    const vsNone = none === undefined ? Number.NaN : best.median / none;
    const vsRr = rr === undefined ? Number.NaN : best.median / rr;
    console.log(
      `Configured as a user would (the best valid pool size): ${best.entry.name}: ` +
        `${vsNone.toFixed(2)}× SCHED_NONE (target ≥ 1.0: ${vsNone >= 1 ? "met" : "not met"}), ` +
        `${vsRr.toFixed(2)}× round-robin (target ≥ 1.5: ${vsRr >= 1.5 ? "met" : "not met"}).`,
    );
  }
  console.log(
    `\nNode ${process.version}; wrk ${WRK.join(" ")}; median of ${rounds} interleaved rounds of ` +
      `${timeMs / 1000} s per server after a ${WARMUP_MS / 1000} s warm-up; all servers on 127.0.0.1, ` +
      `running for the whole run; CPU per connection is the user + system time of the server's processes ` +
      `(threads included) over a round divided by its requests, median of the rounds; ` +
      `wrk errors summed over the rounds (connect/read/write/timeout).`,
  );
  console.log("\nPer-round req/s:");
  for (const r of results)
    console.log(`- ${r.competitor}: ${r.samples.map((s) => formatRate(s)).join(", ")}`);
}

/** --profile=N: our pool of size N alone under node --cpu-prof for one wrk run. */
async function profile(/** @type {number} */ size) {
  const dir = process.env.BENCH_PROF_DIR ?? "/tmp/poolprof";
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".cpuprofile")) rmSync(join(dir, f));
  const entry = /** @type {Entry} */ (ENTRIES.find((e) => e.poolSize === size)) ?? {
    name: `moonbridge pool ×${size}`,
    script: OURS,
    env: { BENCH_POOL_SIZE: String(size) },
    poolSize: size,
  };
  const server = await prepare(entry, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  const supervisorPid = server.child.pid;
  let result;
  try {
    result = await wrk(server.port, 5000);
  } finally {
    await stopServer(server);
  }
  const e = result.errors;
  console.log(
    `\n### CPU profile: ${entry.name}, one 5 s wrk run (after start-up and a ${WARMUP_MS / 1000} s warm-up, both profiled too)\n`,
  );
  console.log(
    `wrk: ${formatRate(result.rate)} req/s, errors c/r/w/t ${e.connect}/${e.read}/${e.write}/${e.timeout}, non-2xx ${result.non2xx}; profiles in ${dir}`,
  );
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const pidOf = (/** @type {string} */ f) => Number(f.split(".")[3]);
  const load = (/** @type {string} */ f) => JSON.parse(readFileSync(join(dir, f), "utf8"));
  const supervisor = files.find((f) => pidOf(f) === supervisorPid);
  const workers = files
    .filter((f) => f !== supervisor)
    .map((f) => {
      const p = load(f);
      const t = selfTimes(p);
      return { f, p, busy: t.totalMs - t.idleMs };
    })
    .sort((a, b) => b.busy - a.busy);
  if (supervisor === undefined) console.log("\nNo profile from the supervisor.");
  else console.log(`\n#### Supervisor (${supervisor})\n\n${formatTop(load(supervisor), 10)}`);
  const worker = workers[0];
  if (worker === undefined) console.log("\nNo profile from a worker.");
  else
    console.log(
      `\n#### Busiest of ${workers.length} workers (${worker.f})\n\n${formatTop(worker.p, 10)}`,
    );
}

checkWrk();
if (profileArg !== undefined) {
  const size = Number(profileArg.split("=")[1] ?? 2);
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`--profile=N: N a pool size, got "${profileArg}"`);
  await profile(size);
} else {
  await bench();
}
