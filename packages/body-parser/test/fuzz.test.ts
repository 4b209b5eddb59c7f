// Fuzz test: generated and mutated multipart bodies (helpers/generate.ts),
// each parsed whole and cut at random offsets (small ones also one byte at a
// time), with default limits or small random ones. The parser may reject
// anything, but only with a BodyParserError; it must give the same parts
// (metadata and data, joined per part) and the same error however the body
// is cut, return from every write, keep the handler contract, and keep its
// memory bounded. FUZZ_ITERATIONS sets the count (`pnpm fuzz`: 2 000 000),
// FUZZ_SEED replays a run.
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { MultipartLimits } from "../src/index";
import { latin1, showBytes } from "./helpers/bytes";
import type { HostileBody } from "./helpers/generate";
import { anyBodies } from "./helpers/mutate";
import { type OursResult, parseWithOurs, pieces } from "./helpers/ours";

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 100_000);
// CI runs a fixed seed (a landing must not fail on luck); elsewhere every run explores anew.
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261124 : Date.now() % 2 ** 31));
/** Bodies per fast-check run (each run has its own seed, derived from SEED). */
const BATCH = 20_000;
/** Wall time one input may take; the parser is linear and needs microseconds. */
const MAX_MS_PER_INPUT = 1000;

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Small limits, so that every limit is reached now and then. */
const smallLimits: fc.Arbitrary<MultipartLimits> = fc.record(
  {
    maxParts: fc.integer({ min: 0, max: 4 }),
    maxPartHeaderSize: fc.integer({ min: 0, max: 400 }),
    maxFieldSize: fc.integer({ min: 0, max: 300 }),
    maxFileSize: fc.integer({ min: 0, max: 300 }),
    maxTotalSize: fc.integer({ min: 0, max: 3000 }),
  },
  { requiredKeys: [] },
);
const limits = fc.oneof(
  { weight: 3, arbitrary: fc.constant<MultipartLimits>({}) },
  { weight: 1, arbitrary: smallLimits },
);

/** What must not depend on how the body is cut: parts as plain data, and the error. */
function outcome(result: OursResult): string {
  return JSON.stringify({
    error: result.error,
    parts: result.parts.map((p) => ({ ...p, data: latin1(p.data) })),
  });
}

let slowest = 0;
let rejected = 0;
const codes = new Map<string, number>();

function fuzzOne(
  input: HostileBody,
  limits: MultipartLimits,
  cutSeeds: number[],
  bytewise: boolean,
): void {
  const { body, boundary } = input;
  const started = performance.now();
  const cuts = cutSeeds.map((s) => s % (body.length + 1));
  const failure = (what: string, detail = "") =>
    new Error(
      `${what}\n  boundary: ${JSON.stringify(boundary)}\n  body: ${showBytes(body)}\n  limits: ${JSON.stringify(limits)}\n  cuts: ${cuts.join(",")}\n  generated: ${input.description}${detail}`,
    );
  let whole: OursResult;
  let split: OursResult;
  let bytes: OursResult | undefined;
  try {
    whole = parseWithOurs([body], boundary, limits);
    split = parseWithOurs(pieces(body, cuts), boundary, limits);
    if (bytewise) {
      const one = Array.from(body, (_, i) => body.subarray(i, i + 1));
      bytes = parseWithOurs(one, boundary, limits);
    }
  } catch (error) {
    throw failure(
      `threw something other than a BodyParserError, or broke the handler contract: ${error}`,
    );
  }
  const elapsed = performance.now() - started;
  slowest = Math.max(slowest, elapsed);
  if (elapsed > MAX_MS_PER_INPUT) throw failure(`took ${elapsed.toFixed(0)} ms`);
  const a = outcome(whole);
  const b = outcome(split);
  if (a !== b) throw failure("whole and cut differ", `\n  whole: ${a}\n  cut:   ${b}`);
  if (bytes !== undefined) {
    const c = outcome(bytes);
    if (a !== c)
      throw failure("whole and one byte at a time differ", `\n  whole: ${a}\n  bytes: ${c}`);
  }
  if (whole.error !== undefined) {
    rejected++;
    codes.set(whole.error.code, (codes.get(whole.error.code) ?? 0) + 1);
  }
}

describe("fuzz", () => {
  let started = 0;
  afterAll(() => {
    const seconds = (performance.now() - started) / 1000;
    const byCode = [...codes.entries()]
      .sort((x, y) => y[1] - x[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(", ");
    console.log(
      `fuzz: ${ITERATIONS} bodies in ${seconds.toFixed(1)} s (${Math.round(ITERATIONS / seconds)}/s), ` +
        `seed ${SEED} (FUZZ_SEED to replay), slowest body ${slowest.toFixed(1)} ms; ` +
        `${ITERATIONS - rejected} accepted, ${rejected} rejected: ${byCode}`,
    );
  });

  it(
    "rejects only with BodyParserError, the same whole or cut, within bounds",
    async () => {
      started = performance.now();
      console.log(`fuzz: seed ${SEED}, ${ITERATIONS} bodies (FUZZ_SEED, FUZZ_ITERATIONS)`);
      const before = heapUsed();
      // In batches, yielding to the event loop between them: a worker that
      // does not answer vitest for a minute is reported as an error.
      for (let done = 0, batch = 0; done < ITERATIONS; done += BATCH, batch++) {
        const seed = (SEED ^ Math.imul(batch, 0x9e3779b1)) | 0;
        fc.assert(
          fc.property(
            anyBodies(),
            limits,
            fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
            fc.nat(15),
            (input, l, cuts, pick) =>
              fuzzOne(input, l, cuts, pick === 0 && input.body.length <= 2048),
          ),
          { seed, numRuns: Math.min(BATCH, ITERATIONS - done) },
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Nothing the parser keeps between bodies grows with them.
      expect(heapUsed() - before).toBeLessThan(32 * 2 ** 20);
    },
    Math.max(120_000, ITERATIONS * 2),
  );
});
