// bench:http: the hello-world app (status 200, text/plain, "Hello World!\n")
// under wrk on 127.0.0.1, ours (the moonbridge package's listen() with
// http.generateHandler) against node:http, in one run, as ratios.
//
//   node src/http.bench.mjs             "serve requests, not connections" (src/http/requests.mjs):
//                                       ours with default options against node:cluster ×2;
//                                       keep-alive 32 and 256, Connection: close 32: req/s,
//                                       p99, answered connections, CPU per request; then
//                                       a cold start under keep-alive 256. 3 rounds of 5 s
//   node src/http.bench.mjs --requests  the same
//   node src/http.bench.mjs --quick     2 rounds of 3 s, warm-up 2 s (or BENCH_QUICK=1); about 2 minutes
//   node src/http.bench.mjs --minfork33 the earlier run (src/http/minfork33.mjs): ours with
//                                       minFork 33 (a worker per connection), parking off and
//                                       keepYoungGeneration false too, node:http ×1 and
//                                       node:cluster ×2; 32 connections, warm-up until the
//                                       rate stops rising, 5 rounds of 5 s with settle runs
//   node src/http.bench.mjs --profile   ours (minFork 33) alone, keep-alive, under --cpu-prof
//                                       (BENCH_PROF_DIR, default /tmp/httpprof): top self
//                                       times of the busiest worker
//
// Both runs: BENCH_ONLY (comma-separated substrings of server names) picks
// servers; BENCH_BEFORE (the path of an earlier build's moonbridge index.js,
// e.g. a git worktree's packages/moonbridge/dist/index.js) adds that build,
// configured as ours, as a row of its own, for before and after in one run.
// The default run: BENCH_ROUNDS (default 3, quick 2), BENCH_TIME_MS (length
// of a measured run, default 5000, quick 3000), BENCH_WARMUP_MS (an
// unmeasured run of each load on each server first, default 5000, quick
// 2000; 0: none), BENCH_COLD_MS (the cold-start run, default 5000). It
// refuses BENCH_MIN_FORK, BENCH_PARKING, BENCH_PARK_AFTER and
// BENCH_KEEP_YOUNG, which would configure our server away from its defaults.
// --minfork33: BENCH_WARMUP_MAX_MS caps each server's warm-up (default
// 180000, quick 30000); BENCH_WARMUP_MIN_MS is the least warm-up of our pools
// (default 60000, quick 0); BENCH_SETTLE_MS the settle run before each
// measured one (default 5000, quick 1000; 0: none).
const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const known = ["--quick", "--requests", "--minfork33", "--profile"];
const unknown = args.filter((a) => !known.includes(a));
if (unknown.length > 0)
  throw new Error(`unknown option ${unknown.join(", ")}: ${known.join(", ")}`);

// Loaded on demand: --minfork33 loads the moonbridge package in this process too (to ask its build about parking).
if (args.includes("--profile")) await (await import("./http/minfork33.mjs")).profileMinFork33();
else if (args.includes("--minfork33")) await (await import("./http/minfork33.mjs")).runMinFork33();
else await (await import("./http/requests.mjs")).runRequests({ quick });
