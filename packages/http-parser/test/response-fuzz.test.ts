// Fuzz test of ResponseParser, on fuzz.test.ts's terms: generated and mutated
// responses, each fed whole and split at a random offset. It may reject
// anything, but only with an HttpParserError of status 502; every call ends
// and consumes no more than it was given; whole and split give the same
// result; memory stays bounded on endless input. FUZZ_ITERATIONS sets the
// count (a quarter of it runs here), FUZZ_SEED replays a run.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HttpParserError, ResponseParser, type ResponseParserOptions } from "../src/index";
import { bytesOf, type ParseResult } from "./helpers/collect";
import { collectingResponses, parseResponse, type ResponseEvent } from "./helpers/collect-response";
import { showBytes } from "./helpers/generate";
import { anyResponses, type GeneratedResponses } from "./helpers/generate-response";
import { heapUsed } from "./helpers/heap";

const ITERATIONS = Math.ceil(Number(process.env.FUZZ_ITERATIONS ?? 100_000) / 4);
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261207 : Date.now() % 2 ** 31));
const MAX_MS_PER_INPUT = 1000;
const BATCH = 10_000;

/** parseResponse cut at `cut`, checking each call: counts in range, errors 502 and sticky. */
function checkedParse(
  input: GeneratedResponses,
  cut: number,
  options: ResponseParserOptions,
): ParseResult<ResponseEvent> {
  const { bytes } = input;
  const events: ResponseEvent[] = [];
  const parser = new ResponseParser(collectingResponses(events), options);
  for (const method of input.methods) parser.responseTo(method);
  let consumed = 0;
  let from = 0;
  try {
    for (const to of [cut, bytes.length]) {
      if (to <= from) continue;
      const piece = bytes.subarray(from, to);
      const n = parser.execute(piece);
      if (!Number.isInteger(n) || n < 0 || n > piece.length)
        throw new Error(`execute returned ${n} for ${piece.length} bytes`);
      consumed += n;
      from = to;
    }
    parser.finish();
  } catch (error) {
    if (!(error instanceof HttpParserError)) throw error;
    if (error.status !== 502) throw new Error(`${error.code} with status ${error.status}`);
    expect(() => parser.execute(bytes.subarray(0, 1))).toThrow(error);
    expect(() => parser.finish()).toThrow(error);
    return { events, error: { code: error.code, status: error.status } };
  }
  return { events, consumed };
}

const LENIENT: ResponseParserOptions = {
  allowObsFold: true,
  allowBareLf: true,
  allowMissingCrlfAfterChunk: true,
};

function fuzzOne(input: GeneratedResponses, cutSeed: number, options: ResponseParserOptions): void {
  const { bytes } = input;
  const started = performance.now();
  const failure = (what: string, detail = "") =>
    new Error(
      `${what}\n  input: ${showBytes(bytes)}\n  methods: ${input.methods.join(", ")}\n  generated: ${input.description}${detail}`,
    );
  const cut = bytes.length === 0 ? 0 : cutSeed % (bytes.length + 1);
  let whole: ParseResult<ResponseEvent>;
  let split: ParseResult<ResponseEvent>;
  try {
    whole = parseResponse(bytes, { ...options, methods: input.methods });
    split = checkedParse(input, cut, options);
  } catch (error) {
    throw failure(`threw something other than a 502 HttpParserError: ${error}`);
  }
  const elapsed = performance.now() - started;
  if (elapsed > MAX_MS_PER_INPUT) throw failure(`took ${elapsed.toFixed(0)} ms`);
  if ((whole.consumed ?? 0) > bytes.length) throw failure(`consumed ${whole.consumed} bytes`);
  const a = JSON.stringify(whole);
  const b = JSON.stringify(split);
  if (a !== b) throw failure(`whole and cut at ${cut} differ`, `\n  whole: ${a}\n  split: ${b}`);
}

describe("response fuzz", () => {
  it.each([
    ["strict", {}, ITERATIONS],
    ["with every leniency on", LENIENT, Math.ceil(ITERATIONS / 4)],
  ] as const)(
    "%s: rejects only with HttpParserError 502, the same whole or split, within bounds",
    async (_name, options, iterations) => {
      console.log(`response fuzz: seed ${SEED}, ${iterations} inputs (FUZZ_SEED, FUZZ_ITERATIONS)`);
      const before = heapUsed();
      for (let done = 0, batch = 0; done < iterations; done += BATCH, batch++) {
        fc.assert(
          fc.property(anyResponses, fc.nat(), (input, cut) => fuzzOne(input, cut, options)),
          { seed: SEED + batch, numRuns: Math.min(BATCH, iterations - done) },
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(heapUsed() - before).toBeLessThan(32 * 2 ** 20);
    },
    Math.max(60_000, ITERATIONS * 4),
  );
});

describe("memory stays bounded on 10 MB response streams", () => {
  const STREAM = 10 * 2 ** 20;
  const PIECE = 64 * 1024;
  const repeatTo = (unit: string) =>
    bytesOf(unit.repeat(Math.ceil(PIECE / unit.length)).slice(0, PIECE));

  it.each([
    {
      what: "header lines",
      head: "HTTP/1.1 200 OK\r\n",
      unit: `X: ${"a".repeat(2000)}\r\n`,
      code: "HPE_HEADER_OVERFLOW",
    },
    { what: "an endless reason", head: "HTTP/1.1 200 ", unit: "a", code: "HPE_HEADER_OVERFLOW" },
    { what: "a body until close", head: "HTTP/1.1 200 OK\r\n\r\n", unit: "x", code: undefined },
    { what: "pipelined 204s", head: "", unit: "HTTP/1.1 204 No Content\r\n\r\n", code: undefined },
  ])("$what", ({ head, unit, code }) => {
    const piece =
      code === undefined && unit.length > 1
        ? bytesOf(unit.repeat(Math.floor(PIECE / unit.length)))
        : repeatTo(unit);
    const parser = new ResponseParser({ onResponseHead() {}, onBody() {} });
    const before = heapUsed();
    let fed = 0;
    let error: HttpParserError | undefined;
    try {
      parser.execute(bytesOf(head));
      for (fed = head.length; fed < STREAM; fed += piece.length) parser.execute(piece);
    } catch (e) {
      if (!(e instanceof HttpParserError)) throw e;
      error = e;
    }
    expect(heapUsed() - before).toBeLessThan(2 ** 20);
    expect(error?.code).toBe(code);
    if (code !== undefined) expect(fed).toBeLessThan(80 * 1024 + PIECE);
    expect(parser).toBeDefined();
  });
});
