// The cost of arming and disarming @moonbridge/timeout's timer once per
// request: nanoseconds per timeout(seconds) + timeout(0) pair, median of rounds.
import { resetTimeouts, timeout } from "@moonbridge/timeout";

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const pairs = Number(process.env.BENCH_QUICK ? 100_000 : 1_000_000);
const results = [];
for (let r = 0; r < rounds + 2; r++) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < pairs; i++) {
    timeout(30);
    timeout(0);
  }
  const ns = Number(process.hrtime.bigint() - started) / pairs;
  if (r >= 2) results.push(ns); // the first rounds warm up
}
resetTimeouts();
results.sort((a, b) => a - b);
const median = results[Math.floor(results.length / 2)] ?? Number.NaN;
console.log("\n### @moonbridge/timeout\n");
console.log("| operation | median ns | target |");
console.log("| --- | ---: | ---: |");
console.log(`| timeout(30) + timeout(0) | ${median.toFixed(0)} | < 2000 |`);
console.log(`\nNode ${process.version}; median of ${rounds} rounds of ${pairs} pairs.`);
