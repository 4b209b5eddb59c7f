// Bytes allocated on the JavaScript heap per keep-alive request of the
// hello world (200, text/plain, "Hello World!\n"): @moonbridge/http against
// node:http, each in one process (src/alloc/server.mjs) under
// `wrk -t1 -c1`. Every byte allocated is a byte the garbage collector sweeps
// and, in a pool of one-connection workers, a cache line each wake-up finds
// cold. Measured by V8's sampling heap profiler with the objects collected
// meanwhile counted (one sample per 128 bytes on average), over interleaved
// rounds; each figure is the median of the rounds. Under the profiler the
// servers run slower: the rate is not reported, only bytes per request.
//
//   node src/alloc.bench.mjs           10 s of warm-up each, then 5 rounds of 3 s
//   node src/alloc.bench.mjs --quick   3 s of warm-up each, 2 rounds of 2 s (or BENCH_QUICK=1)
// BENCH_BEFORE (an earlier build's moonbridge index.js, e.g. a git worktree's
// packages/moonbridge/dist/index.js) adds that build's @moonbridge/http as a row.
import { fileURLToPath } from "node:url";
import { allocatedDuring } from "./alloc/control.mjs";
import { median } from "./harness.mjs";
import { startServer, stopServer } from "./load/servers.mjs";
import { checkWrk, wrk } from "./load/wrk.mjs";

const SERVER = fileURLToPath(new URL("./alloc/server.mjs", import.meta.url));
const WRK = ["-t1", "-c1"];
const BEFORE = process.env.BENCH_BEFORE;
const PEER = "node:http";
/** @type {{ name: string, env: Record<string, string> }[]} */
const ROWS = [
  { name: "@moonbridge/http", env: { BENCH_ALLOC_SERVER: "http" } },
  ...(BEFORE
    ? [
        {
          name: "before: @moonbridge/http",
          env: { BENCH_ALLOC_SERVER: "http", BENCH_MOONBRIDGE: BEFORE },
        },
      ]
    : []),
  { name: PEER, env: { BENCH_ALLOC_SERVER: "node" } },
];

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const rounds = quick ? 2 : 5;
const roundMs = quick ? 2000 : 3000;
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? (quick ? 3000 : 10_000));

/**
 * @typedef {import("./alloc/control.mjs").Sample} Sample
 * @typedef {{ name: string, server: import("./load/servers.mjs").Server, samples: Sample[] }} Row
 */

/** One measured wrk run: bytes sampled and requests answered while it ran. */
async function measure(
  /** @type {import("./load/servers.mjs").Server} */ server,
  /** @type {number} */ ms,
) {
  const sample = await allocatedDuring(server, () => wrk(server.port, ms, WRK));
  if (sample.requests === 0) throw new Error(`${server.name}: no request answered in a round`);
  return sample;
}

checkWrk();
/** @type {Row[]} */
const rows = [];
try {
  for (const { name, env } of ROWS)
    rows.push({ name, server: await startServer(name, SERVER, env), samples: [] });
  for (const row of rows) {
    await wrk(row.server.port, warmupMs, WRK);
    console.error(`${row.name}: warmed up for ${warmupMs / 1000} s`);
  }
  for (let round = 0; round < rounds; round++) {
    for (const row of rows) row.samples.push(await measure(row.server, roundMs));
    console.error(`round ${round + 1} of ${rounds} done`);
  }
} finally {
  for (const row of rows) await stopServer(row.server);
}

const perRequest = (/** @type {Row} */ row) =>
  median(row.samples.map((sample) => sample.bytes / sample.requests));
const peer = perRequest(/** @type {Row} */ (rows.find((row) => row.name === PEER)));
const bytes = (/** @type {number} */ n) => `${Math.round(n).toLocaleString("en-US")} B`;
console.log("\n### JavaScript heap allocated per keep-alive request (hello world)\n");
console.log(`| server | bytes per request | vs ${PEER} |`);
console.log("| --- | ---: | ---: |");
for (const row of rows) {
  const value = perRequest(row);
  console.log(`| ${row.name} | ${bytes(value)} | ${(value / peer).toFixed(2)}× |`);
}
for (const row of rows.filter((row) => row.name !== PEER)) {
  // The functions of the round whose total is the median: what one typical round saw.
  const sorted = [...row.samples].sort((a, b) => a.bytes / a.requests - b.bytes / b.requests);
  const typical = /** @type {Sample} */ (sorted[Math.floor(sorted.length / 2)]);
  console.log(`\n#### Where ${row.name} allocates (one round, bytes per request)\n`);
  console.log("| function (where) | bytes per request |");
  console.log("| --- | ---: |");
  for (const [where, total] of typical.top)
    console.log(`| ${where.replaceAll("|", "\\|")} | ${bytes(total / typical.requests)} |`);
}
console.log(
  `\nNode ${process.version}; ${WRK.join(" ")}; one process each; ${warmupMs / 1000} s of warm-up each, then the median of ${rounds} interleaved rounds of ${roundMs / 1000} s; V8's sampling heap profiler (1 sample per 128 B, collected objects included); 127.0.0.1.`,
);
