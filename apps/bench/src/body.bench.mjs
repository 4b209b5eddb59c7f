// Benchmark: form bodies. multipart/form-data with @moonbridge/body-parser
// against busboy, @fastify/busboy and @mjackson/multipart-parser;
// application/x-www-form-urlencoded against URLSearchParams and
// node:querystring; side by side in one process.
// Checks first that all competitors read the same parts and fields from every
// corpus item, then times them interleaved and prints a markdown table per
// kind, in bodies per second and ratios to the baseline.
// `node src/body.bench.mjs`; see README.md for the BENCH_* variables.

import { multipartCorpus, urlencodedCorpus } from "./body/corpus.mjs";
import * as multipart from "./body/multipart.mjs";
import * as urlencoded from "./body/urlencoded.mjs";
import { compare, formatRate, formatTable, optionsFromEnv, pick, verify } from "./harness.mjs";

const options = optionsFromEnv();
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
/** @param {readonly string[]} names */
const only = (names) =>
  pick(
    names.map((name) => ({ name })),
    options.only,
  ).map((c) => c.name);

/** @type {string[]} */
const out = [];

// ---- multipart ---------------------------------------------------------------

const multipartItems = pick(multipartCorpus(), options.items);
const multipartNames = only(multipart.NAMES);
if (multipartItems.length > 0 && multipartNames.length > 0) {
  const competitors = await multipart.loadCompetitors(multipartItems, {
    names: multipartNames,
    warmupMs: options.warmupMs,
  });
  const agreed = verify(multipartItems, competitors);
  for (const item of multipartItems) {
    const parts = /** @type {{ bytes: number }[]} */ (agreed.get(item.name));
    if (parts.length !== item.input.parts) {
      throw new Error(
        `"${item.name}": parsers saw ${parts.length} parts, the corpus has ${item.input.parts}`,
      );
    }
  }
  log(
    `verified: ${competitors.map((c) => c.name).join(", ")} agree on ${multipartItems.length} multipart bodies`,
  );
  const results = await compare(multipartItems, competitors, multipart.BASELINE, {
    ...options,
    log,
  });
  // The file's target is set against the fastest peer, whichever it is: name it per item.
  const versusFastest = multipartItems
    .map((item) => {
      const rows = results.filter((r) => r.item === item.name);
      const ours = rows.find((r) => r.competitor === "moonbridge")?.median;
      const peers = rows.filter((r) => r.competitor !== "moonbridge");
      if (ours === undefined || peers.length === 0) return undefined;
      const fastest = peers.reduce((a, b) => (b.median > a.median ? b : a));
      return `${(ours / fastest.median).toFixed(2)}× ${fastest.competitor} on "${item.name}"`;
    })
    .filter(Boolean)
    .join(", ");
  const v = multipart.versions();
  const throughput = results
    .map((r) => {
      const item = multipartItems.find((i) => i.name === r.item);
      const mib = ((item?.input.bytes ?? 0) * r.median) / 2 ** 20;
      return `${r.competitor} ${formatRate(mib)} MiB/s on "${r.item}"`;
    })
    .join("; ");
  out.push(
    "### multipart/form-data\n\n" +
      `${formatTable(results, multipart.BASELINE, { unit: "body", spread: options.spread })}\n\n` +
      (versusFastest ? `moonbridge against the fastest peer: ${versusFastest}.\n\n` : "") +
      `Throughput: ${throughput}.\n\n` +
      `Node ${v.node}, busboy ${v.busboy}, @fastify/busboy ${v["@fastify/busboy"]}, ` +
      `@mjackson/multipart-parser ${v["@mjackson/multipart-parser"]}, @moonbridge/body-parser ${v.moonbridge}; ` +
      `median of ${options.rounds} interleaved rounds of ${options.timeMs} ms.\n`,
  );
}

// ---- urlencoded --------------------------------------------------------------

const urlencodedItems = pick(urlencodedCorpus(), options.items);
const urlencodedNames = only(urlencoded.NAMES);
if (urlencodedItems.length > 0 && urlencodedNames.length > 0) {
  const competitors = await urlencoded.loadCompetitors(urlencodedNames);
  const agreed = verify(urlencodedItems, competitors);
  for (const item of urlencodedItems) {
    const entries = /** @type {[string, string[]][]} */ (agreed.get(item.name));
    if (entries.length !== item.input.fields) {
      throw new Error(
        `"${item.name}": parsers saw ${entries.length} fields, the corpus has ${item.input.fields}`,
      );
    }
  }
  log(
    `verified: ${competitors.map((c) => c.name).join(", ")} agree on ${urlencodedItems.length} urlencoded bodies`,
  );
  const results = await compare(urlencodedItems, competitors, urlencoded.BASELINE, {
    ...options,
    log,
  });
  // The target is the faster of the two peers: say how we fare against it.
  const versusFaster = urlencodedItems
    .map((item) => {
      const of = (/** @type {string} */ name) =>
        results.find((r) => r.item === item.name && r.competitor === name)?.median;
      const ours = of("moonbridge");
      const peers = ["URLSearchParams", "querystring"].map(of).filter((m) => m !== undefined);
      if (ours === undefined || peers.length === 0) return undefined;
      return `${(ours / Math.max(...peers)).toFixed(2)}× on "${item.name}"`;
    })
    .filter(Boolean)
    .join(", ");
  const v = urlencoded.versions();
  out.push(
    "### application/x-www-form-urlencoded\n\n" +
      `${formatTable(results, urlencoded.BASELINE, { unit: "body", spread: options.spread })}\n\n` +
      (versusFaster
        ? `moonbridge against the faster of URLSearchParams and querystring: ${versusFaster}.\n\n`
        : "") +
      `Node ${v.node}, @moonbridge/body-parser ${v.moonbridge}; median of ${options.rounds} interleaved rounds of ${options.timeMs} ms.\n`,
  );
}

if (out.length === 0) throw new Error("BENCH_ITEMS or BENCH_ONLY left nothing to run");
process.stdout.write(`\n${out.join("\n")}`);
