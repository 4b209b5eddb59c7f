// A small side-by-side benchmark harness. Every competitor runs on the same
// corpus item in the same process, interleaved round-robin (A, B, C, A, B, C,
// ...), so that CPU frequency, thermal state and background noise fall on all
// of them alike; each one's figure is the median over rounds, and it is
// reported as a ratio to a named baseline. The project asks for exactly that
// (docs/architecture.md, "Measuring speed"): figures side by side with the
// peer in one run, as ratios.
//
// The harness knows nothing about HTTP. A competitor is `{ name, setup }`:
// `setup(item)` returns either a function doing one unit of work (timed here
// in a tight loop), or a `Runner` that measures itself for a time slice (for
// work that is not a synchronous call, e.g. a server driven by wrk).

/**
 * One input that every competitor works on.
 * @template [T=unknown]
 * @typedef {object} CorpusItem
 * @property {string} name Shown in the first column of the table.
 * @property {T} input Prepared once, before anything is timed.
 * @property {number} [unitsPerCall] Units (e.g. requests) one call of the work function does; default 1.
 */

/**
 * Measures itself for one time slice and returns units per second. Its warm-up
 * is its own business (`warmupMs` applies to work functions only).
 * @typedef {object} Runner
 * @property {(timeMs: number) => number | Promise<number>} run Work for about `timeMs` milliseconds; resolve to units per second.
 * @property {() => unknown} [close] Called once after the last round.
 */

/**
 * @template [T=unknown]
 * @typedef {object} Competitor
 * @property {string} name Shown in the table; also what `only` filters match.
 * @property {(item: CorpusItem<T>) => (() => unknown) | Runner | Promise<(() => unknown) | Runner>} setup
 *   Prepares the competitor for `item`; returns the unit of work, or a Runner.
 * @property {(item: CorpusItem<T>) => unknown} [summarize]
 *   What the competitor made of `item`, as JSON-serialisable data; `verify`
 *   requires it to be equal for every competitor.
 */

/**
 * @typedef {object} CompareOptions
 * @property {number} [rounds] Rounds; each runs every competitor once; default 15.
 * @property {number} [timeMs] Length of one competitor's slice in a round, in milliseconds; default 200.
 * @property {number} [warmupMs] Untimed work per competitor before the first round, in milliseconds; default 500.
 * @property {number} [prewarmMs] Untimed work per competitor and item before any item is timed, in
 *   milliseconds; default 200. With it, a JIT-compiled competitor has seen the whole corpus before the
 *   first item is timed (as a server sees mixed traffic), instead of being specialised to the item at hand.
 * @property {(line: string) => void} [log] Receives a progress line per item; default none.
 */

/**
 * @typedef {object} Result
 * @property {string} item Corpus item name.
 * @property {string} competitor Competitor name.
 * @property {number} median Median units per second over the rounds.
 * @property {number[]} samples Units per second of each round, in order.
 * @property {number | undefined} ratio `median` divided by the baseline's median (undefined when the baseline did not run).
 */

/** @type {Required<Omit<CompareOptions, "log">>} */
export const DEFAULTS = { rounds: 15, timeMs: 200, warmupMs: 500, prewarmMs: 200 };

/** @type {Required<Omit<CompareOptions, "log">>} */
export const QUICK = { rounds: 5, timeMs: 40, warmupMs: 100, prewarmMs: 50 };

/** Wall clock in milliseconds, monotonic. */
const now = () => performance.now();

/**
 * Loads one of our packages from its build, explaining what to do when it is
 * not built. `load` is the import itself, so that its type is kept.
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} load
 * @returns {Promise<T>}
 */
export async function loadBuilt(name, load) {
  try {
    return await load();
  } catch (error) {
    throw new Error(
      `cannot load ${name}: build it first (pnpm --filter ${name} build, or run the benches through turbo: pnpm bench)`,
      { cause: error },
    );
  }
}

/**
 * The median of `values` (the mean of the middle two for an even count).
 * @param {readonly number[]} values
 * @returns {number}
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  const lower = sorted[mid - 1] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : (lower + upper) / 2;
}

/**
 * A fresh copy of the timing loop for each competitor. Compiled separately, each
 * copy has its own type feedback, so its `work()` call site sees one function
 * only and the competitors do not slow each other down through a shared,
 * megamorphic loop.
 * @returns {(work: () => unknown, batch: number, timeMs: number, clock: () => number) => number}
 *   The loop: calls `work` in batches of `batch` until `timeMs` passed; returns calls per second.
 */
function compileLoop() {
  return /** @type {any} */ (
    new Function(
      "work",
      "batch",
      "timeMs",
      "clock",
      `"use strict";
      const start = clock();
      const deadline = start + timeMs;
      let calls = 0;
      let t = start;
      do {
        for (let i = 0; i < batch; i++) work();
        calls += batch;
        t = clock();
      } while (t < deadline);
      return (calls * 1000) / (t - start);`,
    )
  );
}

/**
 * A Runner around a synchronous unit of work: warms it up and sizes its batch
 * so that one batch takes about a millisecond (the clock is read once a batch).
 * @param {() => unknown} work
 * @param {number} unitsPerCall
 * @param {number} warmupMs
 * @returns {Runner}
 */
function loopRunner(work, unitsPerCall, warmupMs) {
  const loop = compileLoop();
  let batch = 1;
  let calibrated = false;
  const warmupEnd = now() + warmupMs;
  while (!calibrated || now() < warmupEnd) {
    const start = now();
    for (let i = 0; i < batch; i++) work();
    if (now() - start >= 1 || batch >= 1 << 24) calibrated = true;
    else batch *= 2;
  }
  return { run: (timeMs) => loop(work, batch, timeMs, now) * unitsPerCall };
}

/**
 * Runs `competitors` on each of `items`: per item, a warm-up of each, then
 * `rounds` rounds, each giving every competitor one slice of `timeMs`, in the
 * order given. Returns one Result per item and competitor, in that order.
 * @template T
 * @param {readonly CorpusItem<T>[]} items
 * @param {readonly Competitor<T>[]} competitors
 * @param {string} baseline Name of the competitor the ratios are relative to.
 * @param {CompareOptions} [options]
 * @returns {Promise<Result[]>}
 * @example
 * const results = await compare(items, [ours, llhttp], "llhttp", { rounds: 5 });
 * console.log(formatTable(results, "llhttp"));
 */
export async function compare(items, competitors, baseline, options = {}) {
  const rounds = positiveInteger("rounds", options.rounds ?? DEFAULTS.rounds);
  const timeMs = positiveNumber("timeMs", options.timeMs ?? DEFAULTS.timeMs);
  const warmupMs = nonNegativeNumber("warmupMs", options.warmupMs ?? DEFAULTS.warmupMs);
  const prewarmMs = nonNegativeNumber("prewarmMs", options.prewarmMs ?? DEFAULTS.prewarmMs);
  const log = options.log ?? (() => {});
  if (prewarmMs > 0) {
    for (const item of items) {
      for (const competitor of competitors) {
        const prepared = await competitor.setup(item);
        if (typeof prepared === "function") {
          const end = now() + prewarmMs;
          while (now() < end) for (let i = 0; i < 64; i++) prepared();
        } else {
          await prepared.run(prewarmMs);
          await prepared.close?.();
        }
      }
    }
  }
  /** @type {Result[]} */
  const results = [];
  for (const item of items) {
    const unitsPerCall = item.unitsPerCall ?? 1;
    /** @type {Runner[]} */
    const runners = [];
    for (const competitor of competitors) {
      const prepared = await competitor.setup(item);
      runners.push(
        typeof prepared === "function" ? loopRunner(prepared, unitsPerCall, warmupMs) : prepared,
      );
    }
    /** @type {number[][]} */
    const samples = competitors.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < runners.length; i++) {
        const runner = /** @type {Runner} */ (runners[i]);
        /** @type {number[]} */ (samples[i]).push(await runner.run(timeMs));
      }
    }
    for (const runner of runners) await runner.close?.();
    const medians = samples.map(median);
    const base = competitors.findIndex((c) => c.name === baseline);
    const baseMedian = base === -1 ? undefined : medians[base];
    competitors.forEach((competitor, i) => {
      const m = /** @type {number} */ (medians[i]);
      results.push({
        item: item.name,
        competitor: competitor.name,
        median: m,
        samples: /** @type {number[]} */ (samples[i]),
        ratio: baseMedian === undefined ? undefined : m / baseMedian,
      });
    });
    log(
      `${item.name}: ${competitors.map((c, i) => `${c.name} ${formatRate(medians[i] ?? 0)}/s`).join(", ")}`,
    );
  }
  return results;
}

/**
 * Checks before timing that every competitor made the same of each item:
 * calls each one's `summarize(item)` and throws, listing all summaries, unless
 * they are equal as JSON. Competitors without `summarize` are an error too.
 * @template T
 * @param {readonly CorpusItem<T>[]} items
 * @param {readonly Competitor<T>[]} competitors
 * @returns {Map<string, unknown>} Per item name, the summary they agree on.
 */
export function verify(items, competitors) {
  /** @type {Map<string, unknown>} */
  const agreed = new Map();
  for (const item of items) {
    /** @type {{ name: string, json: string, value: unknown }[]} */
    const seen = [];
    for (const competitor of competitors) {
      if (!competitor.summarize)
        throw new Error(`competitor "${competitor.name}" has no summarize()`);
      const value = competitor.summarize(item);
      seen.push({ name: competitor.name, json: JSON.stringify(value), value });
    }
    const first = seen[0];
    if (first === undefined) continue;
    if (seen.some((s) => s.json !== first.json)) {
      const lines = seen.map((s) => `  ${s.name}: ${s.json}`).join("\n");
      throw new Error(`competitors disagree on "${item.name}":\n${lines}`);
    }
    agreed.set(item.name, first.value);
  }
  return agreed;
}

/**
 * 1234567.8 -> "1,234,568"; fewer than 100 keeps one decimal.
 * @param {number} rate
 * @returns {string}
 */
export function formatRate(rate) {
  return rate.toLocaleString("en-US", { maximumFractionDigits: rate < 100 ? 1 : 0 });
}

/**
 * The results as a markdown table: corpus item | competitor | median <unit>/s |
 * ratio vs baseline. With `spread`, a fifth column gives the interquartile
 * range of the rounds as a percentage of the median.
 * @param {readonly Result[]} results
 * @param {string} baseline
 * @param {{ unit?: string, spread?: boolean }} [options] `unit` defaults to "req"
 * @returns {string}
 */
export function formatTable(results, baseline, options = {}) {
  const unit = options.unit ?? "req";
  const header = ["corpus item", "competitor", `median ${unit}/s`, `ratio vs ${baseline}`];
  if (options.spread) header.push("spread (IQR)");
  const rows = results.map((r) => {
    const row = [
      r.item,
      r.competitor,
      formatRate(r.median),
      r.ratio === undefined ? "–" : `${r.ratio.toFixed(2)}×`,
    ];
    if (options.spread) row.push(`±${((iqr(r.samples) / 2 / r.median) * 100).toFixed(1)}%`);
    return row;
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const numeric = header.map((_, i) => i >= 2);
  /** @param {string[]} cells */
  const line = (cells) =>
    `| ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/**
 * Interquartile range (nearest-rank quartiles).
 * @param {readonly number[]} values
 * @returns {number}
 */
function iqr(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ q) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return at(0.75) - at(0.25);
}

/**
 * Options from the environment: BENCH_QUICK=1 (a short run), BENCH_ROUNDS,
 * BENCH_TIME_MS, BENCH_WARMUP_MS, BENCH_PREWARM_MS (each overrides the quick or default value),
 * BENCH_ONLY (comma-separated substrings of competitor names) and BENCH_ITEMS
 * (comma-separated substrings of corpus item names), BENCH_SPREAD=1.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function optionsFromEnv(env = process.env) {
  const base = env.BENCH_QUICK === "1" ? QUICK : DEFAULTS;
  /** @param {string} name @param {number} fallback */
  const num = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    return value;
  };
  /** @param {string | undefined} raw */
  const list = (raw) =>
    raw
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  return {
    rounds: num("BENCH_ROUNDS", base.rounds),
    timeMs: num("BENCH_TIME_MS", base.timeMs),
    warmupMs: num("BENCH_WARMUP_MS", base.warmupMs),
    prewarmMs: num("BENCH_PREWARM_MS", base.prewarmMs),
    only: list(env.BENCH_ONLY),
    items: list(env.BENCH_ITEMS),
    spread: env.BENCH_SPREAD === "1",
  };
}

/**
 * A positive integer from the environment variable `name`, or `fallback` when it is unset or empty.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envCount(name, fallback) {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * Keeps the entries whose name contains one of `filters` (all when `filters` is empty).
 * @template {{ name: string }} E
 * @param {readonly E[]} entries
 * @param {readonly string[]} filters
 * @returns {E[]}
 */
export function pick(entries, filters) {
  if (filters.length === 0) return [...entries];
  return entries.filter((e) => filters.some((f) => e.name.includes(f)));
}

/** @param {string} name @param {number} value */
function positiveInteger(name, value) {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** @param {string} name @param {number} value */
function positiveNumber(name, value) {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** @param {string} name @param {number} value */
function nonNegativeNumber(name, value) {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
