// bench:http --minfork33 (node src/http.bench.mjs --minfork33): requests
// per second of the hello-world app under wrk on 127.0.0.1 with 32
// connections, keep-alive and `Connection: close`, our pool configured for
// the load as a user would (minFork 33: a worker per connection and a spare)
// against node:http in one process and in node:cluster with 2 workers. All
// servers run for the whole benchmark, each warmed up first (keep-alive in
// 10 s slices until the rate stops rising); one at a time is under load,
// interleaved round by round; each figure is the median of the rounds. With
// keep-alive every server's per-connection request counts are checked
// (src/load/counts.mjs): a connection that got no answer makes the row
// invalid. Ours runs three times in the same rounds: as configured by
// default, with parking off (`parking: false`), and with V8's
// young-generation shrinking (listen()'s `keepYoungGeneration: false`); the
// ratios to the default are printed under each table. Each measured run is
// preceded by a settle run of the same load, unmeasured for the table and
// reported in a column of its own: a server's first seconds after the pause
// while the others are measured (on some virtual machines memory untouched
// for 10-20 s is slow to touch again, which a pool of 33 processes pays 33
// times: `bench:pause`). `--profile` runs ours alone under --cpu-prof.
// The options and variables are in src/http.bench.mjs's header.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, formatRate, median, optionsFromEnv, pick } from "../harness.mjs";
import { answeredOf, CountsFile } from "../load/counts.mjs";
import { parkingSupported } from "../load/parking.mjs";
import { probe, startServer, stopServer } from "../load/servers.mjs";
import { checkWrk, wrk } from "../load/wrk.mjs";
import { formatTop, selfTimes } from "../pool/cpuprofile-top.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const OURS = join(HERE, "moonbridge-server.mjs");
const NODE = join(HERE, "node-server.mjs");
const CONNECTIONS = 32;
const CLUSTER = "node:cluster ×2 (node:http)";
/** Warm-up slices: each worker of a pool JIT-compiles its own code, so a pool of 33 needs a minute or two of load to reach its steady state. */
const WARMUP_SLICE_MS = 10_000;

const MODES = /** @type {const} */ ({
  "keep-alive": ["-t1", `-c${CONNECTIONS}`, "--latency"],
  "Connection: close": ["-t1", `-c${CONNECTIONS}`, "--latency", "-H", "Connection: close"],
});

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const rounds = quick ? 2 : 5;
const timeMs = quick ? 3000 : 5000;
const WARMUP_MAX_MS = Number(process.env.BENCH_WARMUP_MAX_MS ?? (quick ? 30_000 : 180_000));
/**
 * Least warm-up of a pool of ours: its rate can dip for a slice or two while
 * its 33 workers compile (which the "stopped rising" rule takes for flat);
 * with parking on and off compared, both must be past that.
 */
const WARMUP_MIN_MS = Number(process.env.BENCH_WARMUP_MIN_MS ?? (quick ? 0 : 60_000));
/** Load right before each measured run, so that the table holds the steady state and the column "after a pause" the start. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? (quick ? 1000 : 5000));

/**
 * @typedef {object} Entry
 * @property {string} name
 * @property {string} script
 * @property {Record<string, string>} env
 * @property {number} [minWarmupMs] Least warm-up (our pools).
 */

const OURS_ON = "moonbridge (minFork 33)";
const OURS_OFF = "moonbridge (minFork 33, parking off)";
const OURS_SHRINK = "moonbridge (minFork 33, keepYoungGeneration false)";
const OURS_BEFORE = "before: moonbridge (minFork 33)";
/** A build from before parking rejects `parking: false`: the row is left out, and said so. */
const PARKING = parkingSupported();

/** @type {Entry[]} */
const ENTRIES = [
  { name: OURS_ON, script: OURS, env: { BENCH_MIN_FORK: "33" }, minWarmupMs: WARMUP_MIN_MS },
  ...(PARKING
    ? [
        {
          name: OURS_OFF,
          script: OURS,
          env: { BENCH_MIN_FORK: "33", BENCH_PARKING: "0" },
          minWarmupMs: WARMUP_MIN_MS,
        },
      ]
    : []),
  {
    name: OURS_SHRINK,
    script: OURS,
    env: { BENCH_MIN_FORK: "33", BENCH_KEEP_YOUNG: "0" },
    minWarmupMs: WARMUP_MIN_MS,
  },
  ...(process.env.BENCH_BEFORE
    ? [
        {
          name: OURS_BEFORE,
          script: OURS,
          env: { BENCH_MIN_FORK: "33", BENCH_MOONBRIDGE: process.env.BENCH_BEFORE },
          minWarmupMs: WARMUP_MIN_MS,
        },
      ]
    : []),
  { name: "node:http ×1", script: NODE, env: { BENCH_WORKERS: "1" } },
  { name: CLUSTER, script: NODE, env: { BENCH_WORKERS: "2" } },
];

/**
 * @typedef {object} Run
 * @property {import("../load/wrk.mjs").WrkResult} wrk
 * @property {number | undefined} served Connections that carried at least one request (keep-alive only).
 * @property {import("../load/wrk.mjs").WrkResult | undefined} settle The settle run before it.
 */

/**
 * Keep-alive load in slices until the rate stops rising (two slices in a row
 * within 5 % of the best, and at least `minMs` in all) or WARMUP_MAX_MS pass;
 * @returns what it took, for the report.
 */
async function warmUp(
  /** @type {string} */ name,
  /** @type {number} */ port,
  /** @type {number} */ minMs = 0,
) {
  let best = 0;
  let flat = 0;
  let slices = 0;
  const rates = [];
  while (slices * WARMUP_SLICE_MS < WARMUP_MAX_MS) {
    const { rate } = await wrk(port, WARMUP_SLICE_MS, MODES["keep-alive"]);
    slices++;
    rates.push(formatRate(rate));
    if (rate > best * 1.05) {
      best = rate;
      flat = 0;
    } else if (++flat >= 2 && slices * WARMUP_SLICE_MS >= minMs) break;
  }
  console.error(
    `${name}: warmed up for ${(slices * WARMUP_SLICE_MS) / 1000} s (${rates.join(", ")} req/s)`,
  );
  return `${(slices * WARMUP_SLICE_MS) / 1000} s`;
}

/** The benchmark: every server, both modes, tables on stdout. */
export async function runMinFork33() {
  checkWrk();
  const entries = pick(ENTRIES, optionsFromEnv().only);
  const dir = mkdtempSync(join(tmpdir(), "moon-httpbench-"));
  /** @type {Array<{ entry: Entry, server: import("../load/servers.mjs").Server, counts: CountsFile, stats: string, warm: string }>} */
  const servers = [];
  try {
    for (const entry of entries) {
      const counts = new CountsFile(join(dir, `${servers.length}.counts`));
      const stats = join(dir, `${servers.length}.stats`);
      const server = await startServer(entry.name, entry.script, {
        ...entry.env,
        BENCH_COUNTS_FILE: counts.path,
        BENCH_STATS_FILE: stats,
      });
      const answer = await probe(server.port);
      if (answer.status !== "HTTP/1.1 200 OK" || answer.body !== "Hello World!\n")
        throw new Error(`${entry.name} answered ${JSON.stringify(answer)}`);
      const warm = await warmUp(entry.name, server.port, entry.minWarmupMs);
      await wrk(server.port, 3000, MODES["Connection: close"]);
      servers.push({ entry, server, counts, stats, warm });
    }
    /** @type {Map<string, Map<string, Run[]>>} */
    const runs = new Map();
    /** @type {Map<string, import("../harness.mjs").Result[]>} */
    const results = new Map();
    for (const [mode, wrkArgs] of Object.entries(MODES)) {
      const perServer = new Map(servers.map((s) => [s.entry.name, /** @type {Run[]} */ ([])]));
      runs.set(mode, perServer);
      const competitors = servers.map((s) => ({
        name: s.entry.name,
        async setup() {
          return {
            async run(/** @type {number} */ ms) {
              s.counts.skip();
              /** @type {import("../load/wrk.mjs").WrkResult | undefined} */
              let settle;
              if (SETTLE_MS > 0) {
                settle = await wrk(s.server.port, SETTLE_MS, wrkArgs);
                // Its connections' lines (and wrk's address check), so that they are not taken for the measured run's.
                if (mode === "keep-alive") await s.counts.take(CONNECTIONS + 1);
                else s.counts.skip();
              }
              const result = await wrk(s.server.port, ms, wrkArgs);
              /** @type {number | undefined} */
              let served;
              if (mode === "keep-alive")
                served = answeredOf(await s.counts.take(CONNECTIONS + 1)).answered;
              perServer.get(s.entry.name)?.push({ wrk: result, served, settle });
              return result.rate;
            },
          };
        },
      }));
      console.error(`${mode}: ${rounds} rounds of ${timeMs / 1000} s per server`);
      results.set(
        mode,
        await compare([{ name: mode, input: null }], competitors, CLUSTER, {
          rounds,
          timeMs,
          warmupMs: 0,
          prewarmMs: 0,
        }),
      );
    }
    report(results, runs);
    console.log(
      `\nWarm-up (keep-alive, 10 s slices until the rate stops rising): ${servers.map((s) => `${s.entry.name} ${s.warm}`).join(", ")}.`,
    );
    await new Promise((resolve) => setTimeout(resolve, 400)); // the newest stats
    for (const s of servers) {
      const pool = readStats(s.stats);
      if (pool !== undefined)
        console.log(
          `${s.entry.name}: ${pool.parks ?? 0} connections parked and ${pool.resumes ?? 0} resumed over the whole run (warm-up and both modes), ${pool.workers} workers at the end.`,
        );
    }
  } finally {
    await Promise.all(servers.map((s) => stopServer(s.server)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The pool's stats a server of ours last wrote, or undefined (a peer, or no parking in this build).
 * @param {string} file
 * @returns {{ parks?: number, resumes?: number, workers?: number } | undefined}
 */
function readStats(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * @param {Map<string, import("../harness.mjs").Result[]>} results
 * @param {Map<string, Map<string, Run[]>>} runs
 */
function report(results, runs) {
  for (const [mode, modeResults] of results) {
    const base = modeResults.find((r) => r.competitor === CLUSTER);
    const modeRuns = /** @type {Map<string, Run[]>} */ (runs.get(mode));
    const p99Of = (/** @type {string} */ name) =>
      median((modeRuns.get(name) ?? []).map((r) => r.wrk.latency?.p99 ?? Number.NaN));
    const settleP99Of = (/** @type {string} */ name) =>
      median((modeRuns.get(name) ?? []).map((r) => r.settle?.latency?.p99 ?? Number.NaN));
    const baseP99 = p99Of(CLUSTER);
    const baseSettleP99 = settleP99Of(CLUSTER);
    console.log(`\n### ${mode}: requests per second, ${CONNECTIONS} connections\n`);
    console.log(
      "| server | median req/s | vs node:cluster ×2 | p99 latency | p99 vs node:cluster ×2 | connections served (fewest in a round) | wrk errors c/r/w/t | non-2xx | valid | p99 after a pause (settle run) | vs node:cluster ×2 |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
    for (const result of modeResults) {
      const list = modeRuns.get(result.competitor) ?? [];
      const e = { connect: 0, read: 0, write: 0, timeout: 0, non2xx: 0 };
      // The settle runs' failures count too: unmeasured is not unchecked.
      for (const w of list.flatMap((r) => (r.settle === undefined ? [r.wrk] : [r.settle, r.wrk]))) {
        e.connect += w.errors.connect;
        e.read += w.errors.read;
        e.write += w.errors.write;
        e.timeout += w.errors.timeout;
        e.non2xx += w.non2xx;
      }
      const servedList = list.map((r) => r.served).filter((n) => n !== undefined);
      const fewest = servedList.length === 0 ? undefined : Math.min(...servedList);
      const valid =
        e.connect + e.read + e.write + e.timeout + e.non2xx === 0 &&
        (fewest === undefined || fewest === CONNECTIONS);
      const p99 = p99Of(result.competitor);
      const settleP99 = settleP99Of(result.competitor);
      const ratio = base === undefined ? "–" : `${(result.median / base.median).toFixed(2)}×`;
      const settle =
        SETTLE_MS > 0
          ? `${settleP99.toFixed(2)} ms | ${(settleP99 / baseSettleP99).toFixed(2)}×`
          : "– | –";
      console.log(
        `| ${result.competitor} | ${formatRate(result.median)} | ${ratio} | ${p99.toFixed(2)} ms | ${(p99 / baseP99).toFixed(2)}× | ${fewest === undefined ? "–" : `${fewest}/${CONNECTIONS}`} | ${e.connect}/${e.read}/${e.write}/${e.timeout} | ${e.non2xx} | ${valid ? "yes" : "**no**"} | ${settle} |`,
      );
    }
    const on = modeResults.find((r) => r.competitor === OURS_ON);
    for (const { other, what } of [
      { other: OURS_OFF, what: "Parking on / off" },
      { other: OURS_SHRINK, what: "keepYoungGeneration true (the default) / false" },
      { other: OURS_BEFORE, what: "This build / BENCH_BEFORE's build" },
    ]) {
      const row = modeResults.find((r) => r.competitor === other);
      if (on !== undefined && row !== undefined)
        console.log(
          `\n${what} (ours, same run): ${(on.median / row.median).toFixed(2)}× median req/s, ` +
            `${(p99Of(OURS_ON) / p99Of(other)).toFixed(2)}× p99 latency.`,
        );
    }
    console.log("\nPer round: req/s; p99 ms; p99 ms of the settle run before it:");
    for (const r of modeResults) {
      const list = modeRuns.get(r.competitor) ?? [];
      const ms = (/** @type {number | undefined} */ p) => (p === undefined ? "–" : p.toFixed(1));
      console.log(
        `- ${r.competitor}: ${r.samples.map((s) => formatRate(s)).join(", ")}; ` +
          `${list.map((run) => ms(run.wrk.latency?.p99)).join(", ")}; ` +
          `${list.map((run) => ms(run.settle?.latency?.p99)).join(", ")}`,
      );
    }
  }
  if (!PARKING)
    console.log(`\n${OURS_OFF} left out: this build of moonbridge rejects the \`parking\` option.`);
  console.log(
    `\nNode ${process.version}; wrk -t1 -c${CONNECTIONS} --latency --timeout 10s (and -H 'Connection: close'); median of ${rounds} interleaved rounds of ` +
      `${timeMs / 1000} s per server after the warm-up below, each right after a settle run of ${SETTLE_MS / 1000} s (the same load, its p99 in the last column, its errors counted); ` +
      "p99 is the median of the rounds' p99; all servers on 127.0.0.1.",
  );
}

/** --profile: our server alone under node --cpu-prof for one keep-alive wrk run. */
export async function profileMinFork33() {
  checkWrk();
  const dir = process.env.BENCH_PROF_DIR ?? "/tmp/httpprof";
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".cpuprofile")) rmSync(join(dir, f));
  const entry = /** @type {Entry} */ (ENTRIES[0]);
  const server = await startServer(entry.name, entry.script, entry.env, [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
  ]);
  let result;
  try {
    await warmUp(entry.name, server.port, entry.minWarmupMs);
    result = await wrk(server.port, 5000, MODES["keep-alive"]);
  } finally {
    await stopServer(server);
  }
  console.log(
    `\n### CPU profile: ${entry.name}, keep-alive: ${formatRate(result.rate)} req/s; profiles in ${dir}`,
  );
  const workers = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile") && Number(f.split(".")[3]) !== server.child.pid)
    .map((f) => {
      const p = JSON.parse(readFileSync(join(dir, f), "utf8"));
      const t = selfTimes(p);
      return { f, p, busy: t.totalMs - t.idleMs };
    })
    .sort((a, b) => b.busy - a.busy);
  const worker = workers[0];
  if (worker === undefined) console.log("\nNo profile from a worker.");
  else
    console.log(
      `\n#### Busiest of ${workers.length} workers (${worker.f})\n\n${formatTop(worker.p, 15)}`,
    );
}
