// Benchmark: HTTP/1.1 request parsing, @moonbridge/http-parser against Node's
// llhttp binding and http-parser-js, side by side in one process. Checks
// first that all of them read the same requests from every corpus item, then
// times them interleaved and prints a markdown table of requests per second
// and ratios to llhttp. `node src/parsers.bench.mjs`; see README.md for the
// BENCH_* variables.

import { compare, formatTable, optionsFromEnv, pick, verify } from "./harness.mjs";
import { BASELINE, loadCompetitors, NAMES, versions } from "./parsers/competitors.mjs";
import { corpus } from "./parsers/corpus.mjs";

const options = optionsFromEnv();
const items = pick(corpus, options.items);
const names = pick(
  NAMES.map((name) => ({ name })),
  options.only,
).map((c) => c.name);
if (items.length === 0 || names.length === 0) {
  throw new Error("BENCH_ITEMS or BENCH_ONLY left nothing to run");
}
// BENCH_NEW_CONNECTION=1: every unit of work is a new connection's first request.
const newConnection = process.env.BENCH_NEW_CONNECTION === "1";
const competitors = await loadCompetitors(names, { newConnection });

const agreed = verify(items, competitors);
for (const item of items) {
  const summary = /** @type {{ perPass: { requests: number } }} */ (agreed.get(item.name));
  if (summary.perPass.requests !== item.input.requests) {
    throw new Error(
      `"${item.name}": parsers saw ${summary.perPass.requests} requests per pass, the corpus has ${item.input.requests}`,
    );
  }
}
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
log(`verified: ${competitors.map((c) => c.name).join(", ")} agree on ${items.length} corpus items`);
log(
  `${options.rounds} rounds of ${options.timeMs} ms per competitor, ${options.warmupMs} ms warm-up` +
    `${newConnection ? "; a new connection (parser) for each parse" : ""}\n`,
);

const results = await compare(items, competitors, BASELINE, { ...options, log });

const v = versions();
process.stdout.write(
  `\n${formatTable(results, BASELINE, { unit: "req", spread: options.spread })}\n\n` +
    `Node ${v.node} (llhttp ${v.llhttp}), http-parser-js ${v["http-parser-js"]}, @moonbridge/http-parser ${v.moonbridge}; ` +
    `median of ${options.rounds} interleaved rounds of ${options.timeMs} ms` +
    `${newConnection ? "; a new connection for each parse (BENCH_NEW_CONNECTION=1)" : ""}.\n`,
);
