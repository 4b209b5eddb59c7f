// Benchmark: HTTP/1.1 response parsing, @moonbridge/http-parser's
// ResponseParser against Node's llhttp in RESPONSE mode, side by side in one
// process. Checks first that both read the same responses from every corpus
// item, then times them interleaved and prints a markdown table of responses
// per second and ratios to llhttp. `node src/responses.bench.mjs`; the
// BENCH_* variables of README.md apply.

import { compare, formatTable, optionsFromEnv, pick, verify } from "./harness.mjs";
import {
  loadResponseCompetitors,
  RESPONSE_BASELINE,
  RESPONSE_NAMES,
} from "./parsers/response-competitors.mjs";
import { responseCorpus } from "./parsers/response-corpus.mjs";

const options = optionsFromEnv();
const items = pick(responseCorpus, options.items);
const names = pick(
  RESPONSE_NAMES.map((name) => ({ name })),
  options.only,
).map((c) => c.name);
if (items.length === 0 || names.length === 0) {
  throw new Error("BENCH_ITEMS or BENCH_ONLY left nothing to run");
}
const competitors = await loadResponseCompetitors(names);

const agreed = verify(items, competitors);
for (const item of items) {
  const summary = /** @type {{ perPass: { responses: number } }} */ (agreed.get(item.name));
  if (summary.perPass.responses !== item.input.responses) {
    throw new Error(
      `"${item.name}": parsers saw ${summary.perPass.responses} responses per pass, the corpus has ${item.input.responses}`,
    );
  }
}
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
log(`verified: ${competitors.map((c) => c.name).join(", ")} agree on ${items.length} corpus items`);
log(
  `${options.rounds} rounds of ${options.timeMs} ms per competitor, ${options.warmupMs} ms warm-up\n`,
);

const results = await compare(items, competitors, RESPONSE_BASELINE, { ...options, log });

process.stdout.write(
  `\n${formatTable(results, RESPONSE_BASELINE, { unit: "res", spread: options.spread })}\n\n` +
    `Node ${process.version} (llhttp ${process.versions.llhttp ?? "?"}); ` +
    `median of ${options.rounds} interleaved rounds of ${options.timeMs} ms.\n`,
);
