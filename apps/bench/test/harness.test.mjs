// The harness's bookkeeping: which competitor ran how often, medians, ratios,
// the table, the environment options and the agreement check. Runs with
// millisecond slices; never asserts how fast anything was.
import { describe, expect, it } from "vitest";
import {
  compare,
  formatTable,
  median,
  optionsFromEnv,
  pick,
  QUICK,
  verify,
} from "../src/harness.mjs";

describe("median", () => {
  it.each([
    { what: "odd count", input: [3, 1, 2], expected: 2 },
    { what: "even count", input: [4, 1, 3, 2], expected: 2.5 },
    { what: "one value", input: [7], expected: 7 },
  ])("$what", ({ input, expected }) => {
    expect(median(input)).toBe(expected);
  });

  it("is NaN for no values", () => {
    expect(median([])).toBeNaN();
  });
});

describe("compare", () => {
  it("runs every competitor in every round, interleaved, and relates medians to the baseline", async () => {
    /** @type {string[]} */
    const order = [];
    /** @param {string} name @param {number} rate */
    const runner = (name, rate) => ({
      name,
      setup: () => ({
        run: () => {
          order.push(name);
          return rate;
        },
      }),
    });
    const results = await compare(
      [{ name: "item", input: null }],
      [runner("a", 300), runner("b", 100)],
      "b",
      { rounds: 3, timeMs: 1, warmupMs: 0, prewarmMs: 0 },
    );
    expect(order).toEqual(["a", "b", "a", "b", "a", "b"]);
    expect(results.map((r) => [r.competitor, r.median, r.ratio, r.samples.length])).toEqual([
      ["a", 300, 3, 3],
      ["b", 100, 1, 3],
    ]);
  });

  it("prewarms every competitor on every item before the first round", async () => {
    /** @type {string[]} */
    const order = [];
    /** @param {string} name */
    const runner = (name) => ({
      name,
      /** @param {{ name: string }} item */
      setup: (item) => ({
        run: () => {
          order.push(`${name}:${item.name}`);
          return 1;
        },
      }),
    });
    await compare(
      [
        { name: "x", input: 0 },
        { name: "y", input: 0 },
      ],
      [runner("a"), runner("b")],
      "a",
      {
        rounds: 1,
        timeMs: 1,
        warmupMs: 0,
        prewarmMs: 1,
      },
    );
    expect(order).toEqual(["a:x", "b:x", "a:y", "b:y", "a:x", "b:x", "a:y", "b:y"]);
  });

  it("times a plain work function and scales by unitsPerCall", async () => {
    let calls = 0;
    const results = await compare(
      [{ name: "item", input: 1, unitsPerCall: 16 }],
      [{ name: "f", setup: () => () => calls++ }],
      "f",
      { rounds: 2, timeMs: 2, warmupMs: 0, prewarmMs: 0 },
    );
    expect(calls).toBeGreaterThan(0);
    const [result] = results;
    expect(result?.samples).toHaveLength(2);
    expect(result?.median).toBeGreaterThan(0);
    expect(result?.ratio).toBe(1);
  });

  it("leaves ratios undefined without the baseline", async () => {
    const results = await compare(
      [{ name: "item", input: 0 }],
      [{ name: "f", setup: () => () => 0 }],
      "none",
      {
        rounds: 1,
        timeMs: 1,
        warmupMs: 0,
      },
    );
    expect(results[0]?.ratio).toBeUndefined();
  });

  it.each([
    { what: "zero rounds", options: { rounds: 0 } },
    { what: "fractional rounds", options: { rounds: 1.5 } },
    { what: "NaN slice", options: { timeMs: Number.NaN } },
    { what: "negative warm-up", options: { warmupMs: -1 } },
  ])("rejects $what", async ({ options }) => {
    await expect(compare([], [], "x", options)).rejects.toThrow(RangeError);
  });
});

describe("formatTable", () => {
  it("prints a markdown table with right-aligned numbers", () => {
    const table = formatTable(
      [
        {
          item: "tiny GET",
          competitor: "ours",
          median: 2_500_000,
          samples: [2_500_000],
          ratio: 2.5,
        },
        {
          item: "tiny GET",
          competitor: "llhttp",
          median: 1_000_000,
          samples: [1_000_000],
          ratio: 1,
        },
      ],
      "llhttp",
    );
    expect(table.split("\n")).toEqual([
      "| corpus item | competitor | median req/s | ratio vs llhttp |",
      "| ----------- | ---------- | -----------: | --------------: |",
      "| tiny GET    | ours       |    2,500,000 |           2.50× |",
      "| tiny GET    | llhttp     |    1,000,000 |           1.00× |",
    ]);
  });
});

describe("verify", () => {
  it("passes when all summaries are equal, and returns them", () => {
    const same = { name: "a", setup: () => () => 0, summarize: () => ({ n: 1 }) };
    expect(
      verify([{ name: "item", input: 0 }], [same, { ...same, name: "b" }]).get("item"),
    ).toEqual({ n: 1 });
  });

  it("throws naming the item and every summary when they differ", () => {
    const a = { name: "a", setup: () => () => 0, summarize: () => ({ n: 1 }) };
    const b = { name: "b", setup: () => () => 0, summarize: () => ({ n: 2 }) };
    expect(() => verify([{ name: "item", input: 0 }], [a, b])).toThrow(
      /"item"[\s\S]*a: \{"n":1\}[\s\S]*b: \{"n":2\}/,
    );
  });
});

describe("options", () => {
  it("reads BENCH_* variables over the quick preset", () => {
    expect(optionsFromEnv({ BENCH_QUICK: "1", BENCH_ROUNDS: "3", BENCH_ONLY: "a, b" })).toEqual({
      rounds: 3,
      timeMs: QUICK.timeMs,
      warmupMs: QUICK.warmupMs,
      prewarmMs: QUICK.prewarmMs,
      only: ["a", "b"],
      items: [],
      spread: false,
    });
  });

  it("rejects a value that is not a number", () => {
    expect(() => optionsFromEnv({ BENCH_TIME_MS: "fast" })).toThrow(/BENCH_TIME_MS/);
  });

  it("picks by substring, all when there is no filter", () => {
    const entries = [{ name: "tiny GET" }, { name: "browser GET" }, { name: "chunked POST" }];
    expect(pick(entries, ["GET"]).map((e) => e.name)).toEqual(["tiny GET", "browser GET"]);
    expect(pick(entries, [])).toHaveLength(3);
  });
});
