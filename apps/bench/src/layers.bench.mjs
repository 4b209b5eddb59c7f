// Where a pool of one-connection workers spends its keep-alive time, layer by
// layer: the same 33-process pool (src/layers/server.mjs: a parent passes
// each connection to an idle worker, one connection per worker at a time)
// runs plain net.Socket, @moonbridge/socket, @moonbridge/socket with
// @moonbridge/http-parser reading each head, or @moonbridge/http, all
// answering the same hello-world request, under `wrk -t1 -c32 --latency`.
// All four run for the whole bench, one at a time under load, interleaved
// round by round; each figure is the median of the rounds. CPU per request is
// the user + system time of the server's processes (threads included: V8
// compiles in the background) over a round, divided by its requests.
//
//   node src/layers.bench.mjs           60 s of warm-up each (slices of 5 s), then 5 rounds of 5 s
//   node src/layers.bench.mjs --quick   10 s of warm-up each, 2 rounds of 3 s (or BENCH_QUICK=1)
// BENCH_WARMUP_MS overrides the warm-up; BENCH_WORKERS the pool size (33);
// BENCH_CONNECTIONS wrk's connections (32; at most one per worker, or some wait).
// BENCH_BEFORE (the path of an earlier build's moonbridge index.js, e.g. a git
// worktree's packages/moonbridge/dist/index.js) adds that build's socket and
// http layers as rows, to compare before and after in one run.
import { fileURLToPath } from "node:url";
import { envCount, formatRate, median } from "./harness.mjs";
import { treeCpuDuring } from "./load/process-tree.mjs";
import { startServer, stopServer } from "./load/servers.mjs";
import { checkWrk, wrk } from "./load/wrk.mjs";

const SERVER = fileURLToPath(new URL("./layers/server.mjs", import.meta.url));
/** Each warm-up slice is one wrk run: new connections, so every worker serves several in all. */
const WARMUP_SLICE_MS = 5000;
const WRK = ["-t1", `-c${envCount("BENCH_CONNECTIONS", 32)}`, "--latency"];
const BEFORE = process.env.BENCH_BEFORE;
/** @type {{ name: string, layer: string, env?: Record<string, string> }[]} */
const LAYERS = [
  { name: "net.Socket (bare loop)", layer: "net" },
  { name: "@moonbridge/socket (bare loop)", layer: "moonsocket" },
  { name: "@moonbridge/socket + http-parser (heads parsed)", layer: "parser" },
  { name: "@moonbridge/http (hello world)", layer: "http" },
  ...(BEFORE
    ? [
        { name: "before: @moonbridge/socket (bare loop)", layer: "moonsocket" },
        { name: "before: @moonbridge/http (hello world)", layer: "http" },
      ].map((row) => ({ ...row, env: { BENCH_MOONBRIDGE: BEFORE } }))
    : []),
];

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const rounds = quick ? 2 : 5;
const roundMs = quick ? 3000 : 5000;
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? (quick ? 10_000 : 60_000));
const workers = String(envCount("BENCH_WORKERS", 33));

checkWrk();
const servers = [];
try {
  for (const { name, layer, env } of LAYERS)
    servers.push(
      await startServer(name, SERVER, { BENCH_LAYER: layer, BENCH_WORKERS: workers, ...env }),
    );
  for (const server of servers) {
    // In slices, each with new connections: a worker re-optimizes its code after
    // its first connection ends (round 1 after one long warm-up ran at 12k
    // req/s, round 3 at 20k), and every measured round starts new connections.
    const rates = [];
    for (let done = 0; done < warmupMs; done += WARMUP_SLICE_MS)
      rates.push(formatRate((await wrk(server.port, WARMUP_SLICE_MS, WRK)).rate));
    console.log(`${server.name}: warmed up for ${warmupMs / 1000} s (${rates.join(", ")} req/s)`);
  }
  /** @type {Map<string, { rate: number, p99: number, cpuUs: number }[]>} */
  const results = new Map(servers.map((server) => [server.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const server of servers) {
      const { value: result, seconds } = await treeCpuDuring(
        /** @type {number} */ (server.child.pid),
        () => wrk(server.port, roundMs, WRK),
      );
      const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
      if (errors > 0 || result.non2xx > 0)
        throw new Error(
          `${server.name}: ${errors} socket errors, ${result.non2xx} non-2xx answers`,
        );
      results.get(server.name)?.push({
        rate: result.rate,
        p99: result.latency?.p99 ?? Number.NaN,
        cpuUs: (seconds * 1e6) / result.requests,
      });
    }
  }
  const base = median((results.get(LAYERS[0]?.name ?? "") ?? []).map((r) => r.rate));
  console.log(
    `\n### keep-alive through ${workers} one-connection workers: each layer's cost\n\n` +
      "| layer | median req/s | vs net.Socket | p99 latency | server CPU per request |\n" +
      "| --- | ---: | ---: | ---: | ---: |",
  );
  for (const [name, rows] of results) {
    const rate = median(rows.map((r) => r.rate));
    console.log(
      `| ${name} | ${formatRate(rate)} | ${(rate / base).toFixed(2)}× | ${median(rows.map((r) => r.p99)).toFixed(2)} ms | ${median(rows.map((r) => r.cpuUs)).toFixed(0)} µs |`,
    );
  }
  console.log(
    `\nNode ${process.version}; ${WRK.join(" ")}; ${warmupMs / 1000} s of warm-up each, then the median of ${rounds} interleaved rounds of ${roundMs / 1000} s; 127.0.0.1.`,
  );
} finally {
  for (const server of servers) await stopServer(server);
}
