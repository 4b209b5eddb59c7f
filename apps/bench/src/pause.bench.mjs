// What a pause costs on this machine, whatever the server: the time to read
// one byte of every 4 KiB page of a 256 MiB buffer that this process filled,
// read again right away and after pauses of 1 to 30 s. On some virtual
// machines the host reclaims or re-protects guest memory that went untouched
// for a while (the guest sees no page fault), and the first touch after it
// costs microseconds per page; a pool of 33 worker processes pays that in
// each worker when the load resumes, a server of 2 processes twice. The
// `p99 after a pause` column of `bench:http` is where it shows.
//
//   node src/pause.bench.mjs           pauses 0, 1, 5, 10, 20, 30 s, 3 times each (about 4 minutes)
//   node src/pause.bench.mjs --quick   pauses 0 and 20 s, once (or BENCH_QUICK=1)
import { performance } from "node:perf_hooks";
import { median } from "./harness.mjs";

const PAGE = 4096;
const BYTES = 256 * 1024 * 1024;
const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const PAUSES_S = quick ? [0, 20] : [0, 1, 5, 10, 20, 30];
const REPEATS = quick ? 1 : 3;

const pages = new Uint8Array(BYTES);
pages.fill(1); // every page backed by memory of this process

/** Reads a byte of every page; returns the milliseconds it took. */
function touchAll() {
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < BYTES; i += PAGE) sum += /** @type {number} */ (pages[i]);
  const ms = performance.now() - start;
  if (sum !== BYTES / PAGE) throw new Error(`read ${sum}, expected ${BYTES / PAGE}`);
  return ms;
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @type {Map<number, number[]>} */
const samples = new Map(PAUSES_S.map((s) => [s, []]));
for (let r = 0; r < REPEATS; r++) {
  for (const pause of PAUSES_S) {
    for (let i = 0; i < 3; i++) touchAll(); // warm: the pages are mapped and recently used
    await sleep(pause * 1000);
    const ms = touchAll();
    samples.get(pause)?.push(ms);
    console.error(`pause ${pause} s: ${ms.toFixed(2)} ms`);
  }
}

const count = BYTES / PAGE;
const base = median(samples.get(0) ?? []);
console.log(
  `\n### Reading one byte of each of ${count.toLocaleString("en-US")} pages (256 MiB) after a pause\n`,
);
console.log("| pause | median ms | µs per page | vs no pause | samples (ms) |");
console.log("| ---: | ---: | ---: | ---: | --- |");
for (const [pause, list] of samples) {
  const m = median(list);
  console.log(
    `| ${pause} s | ${m.toFixed(2)} | ${((m * 1000) / count).toFixed(3)} | ${(m / base).toFixed(1)}× | ${list.map((x) => x.toFixed(2)).join(", ")} |`,
  );
}
console.log(
  `\nNode ${process.version}; median of ${REPEATS} per pause; before each pause the pages were read three times.`,
);
