// Nothing lost or reordered, whatever the chunking: random byte streams cut
// into random pieces, read with random mixes of xread/xreadNb/read, checked
// against the bytes sent and against each method's contract. The queue alone
// runs many cases; real sockets run fewer, with pieces that really arrive apart.
// Fixed seed under CI; FUZZ_SEED replays a run.

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { MoonSocket } from "../src/index";
import { ChunkQueue } from "../src/internal/chunk-queue";
import { cleanup, connect, send, TRANSPORTS, until } from "./helpers/connect";

afterEach(cleanup);

const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261124 : Date.now() % 2 ** 31));

// Few distinct byte values, so terminators are common.
const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max, min: 0, max: 3 });

describe("ChunkQueue", () => {
  it("take and indexOf agree with one flat buffer, for any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(bytes(20), { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(30), fc.nat(3), fc.nat(30)), { maxLength: 20 }),
        (chunks, ops) => {
          const queue = new ChunkQueue();
          for (const chunk of chunks) queue.push(Buffer.from(chunk));
          let flat = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)));
          for (const [from, byte, span] of ops) {
            const to = Math.min(flat.length, from + span);
            const expected = from >= to ? -1 : flat.subarray(from, to).indexOf(byte);
            expect(queue.indexOf(byte, from, to)).toBe(expected === -1 ? -1 : from + expected);
            const n = Math.min(span, flat.length);
            expect([...queue.take(n)]).toEqual([...flat.subarray(0, n)]);
            flat = flat.subarray(n);
            expect(queue.length).toBe(flat.length);
          }
          expect([...queue.takeAll()]).toEqual([...flat]);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

type Op = { kind: "xread" | "xreadNb"; maxlen: number | undefined; terminator: number | undefined };

const opArbitrary: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("xread", "xread", "xreadNb"),
  maxlen: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  terminator: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

/** Checks one result against the contract; returns the bytes it consumed. */
function checkResult(op: Op, result: Buffer | null, atEnd: boolean): number {
  if (result === null) {
    expect(atEnd).toBe(true);
    return 0;
  }
  const maxlen = op.maxlen ?? Number.POSITIVE_INFINITY;
  expect(result.length).toBeLessThanOrEqual(maxlen);
  if (op.terminator !== undefined) {
    const at = result.indexOf(op.terminator);
    // The terminator, if present, is the last byte: a read never runs past one.
    if (at !== -1) expect(at).toBe(result.length - 1);
  }
  if (op.kind === "xread" && !atEnd && op.maxlen !== undefined) {
    // Short only because the terminator came (or maxlen 0, which only waits).
    const ended = op.terminator !== undefined && result[result.length - 1] === op.terminator;
    if (!ended) expect(result.length).toBe(op.maxlen);
  }
  return result.length;
}

interface Progress {
  consumed: number;
  sentAll: boolean;
}

async function runOps(
  moon: MoonSocket,
  ops: Op[],
  expected: Buffer,
  progress: Progress,
): Promise<Buffer> {
  const got: Buffer[] = [];
  for (let i = 0; progress.consumed < expected.length || !moon.input.ended; i++) {
    const op = ops[i % ops.length] as Op;
    // An unbounded xread without terminator would wait for the end: fine once all was sent.
    if (
      op.kind === "xread" &&
      op.maxlen === undefined &&
      op.terminator === undefined &&
      !progress.sentAll
    )
      continue;
    const result =
      op.kind === "xread"
        ? await moon.xread(op.maxlen, op.terminator)
        : moon.xreadNb(op.maxlen, op.terminator);
    const atEnd = moon.input.ended && moon.input.buffered === 0;
    if (result !== null) {
      // Each result is the next slice of what was sent: a loss or a swap fails here, at once.
      expect([...result]).toEqual([
        ...expected.subarray(progress.consumed, progress.consumed + result.length),
      ]);
    }
    progress.consumed += checkResult(op, result, atEnd);
    if (i > 100_000) throw new Error("reads make no progress");
    if (result !== null) got.push(Buffer.from(result));
    if (result === null) break;
    if (op.kind === "xreadNb" && result.length === 0)
      await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return Buffer.concat(got);
}

describe.each(TRANSPORTS)("random chunking over %s", (transport) => {
  it("every byte arrives once, in order, whatever the pieces and the reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(bytes(64), { minLength: 1, maxLength: 12 }),
        fc.array(opArbitrary, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (pieces, ops, waitBetweenPieces) => {
          const { moon, client } = await connect(transport);
          const expected = Buffer.concat(pieces.map((piece) => Buffer.from(piece)));
          const progress: Progress = { consumed: 0, sentAll: false };
          const sender = (async () => {
            let sent = 0;
            for (const piece of pieces) {
              await send(client, piece);
              sent += piece.length;
              // Waiting until the piece has arrived makes it a chunk of its own.
              if (waitBetweenPieces) {
                const target = sent;
                await until(() => moon.input.buffered + progress.consumed >= target, "a piece", 2);
              }
            }
            client.end();
            progress.sentAll = true;
          })();
          // The last op always consumes, so a list of ops that cannot (xreadNb(0)) still ends.
          const got = await runOps(
            moon,
            [...ops, { kind: "xread", maxlen: 5, terminator: undefined }],
            expected,
            progress,
          );
          await sender;
          expect(got.equals(expected)).toBe(true);
          await moon.close();
          await cleanup();
        },
      ),
      // No shrinking: each case costs a connection, and a hang would repeat in every shrink step.
      { seed: SEED, numRuns: 150, endOnFailure: true },
    );
  });
});
