// Round trip: a body built from random parts (helpers/generate.ts) parses back
// to exactly those parts, metadata, header fields and data bytes, whether it
// is fed whole, cut at random offsets, or one byte at a time (README,
// "Behaviour": the events are the same however the body is split).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, concat, expand, latin1, prng, showBytes, utf8 } from "./helpers/bytes";
import { type ExpectedPart, type GeneratedBody, multipartBodies } from "./helpers/generate";
import { type OursResult, type ParsedPart, parseWithOurs, pieces } from "./helpers/ours";

// CI runs a fixed seed (a landing must not fail on luck); elsewhere every run explores anew.
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261124 : Date.now() % 2 ** 31));

/** Parts as plain data (bytes as latin1 text), for readable diffs. */
const plain = (parts: readonly (ExpectedPart | ParsedPart)[]) =>
  parts.map((p) => ({
    fieldName: p.fieldName,
    fileName: p.fileName,
    contentType: p.contentType,
    headers: p.headers,
    data: latin1(p.data),
  }));

function expectParts(result: OursResult, input: GeneratedBody, how: string): void {
  const context = `${how}\n  body: ${showBytes(input.body)}\n  generated: ${input.description}`;
  expect(result.error, context).toBeUndefined();
  expect(
    result.parts.every((p) => p.ended),
    context,
  ).toBe(true);
  expect(plain(result.parts), context).toEqual(plain(input.parts));
}

describe("round trip", () => {
  it("parses a generated body back to its parts, whole and at random cuts", () => {
    console.log(`roundtrip: seed ${SEED} (FUZZ_SEED to replay)`);
    fc.assert(
      fc.property(multipartBodies(), fc.array(fc.nat(), { maxLength: 12 }), (input, seeds) => {
        expectParts(parseWithOurs([input.body], input.boundary), input, "whole");
        const cuts = seeds.map((s) => s % (input.body.length + 1));
        expectParts(
          parseWithOurs(pieces(input.body, cuts), input.boundary),
          input,
          `cut at ${[...cuts].sort((a, b) => a - b).join(",")}`,
        );
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("parses a small body fed one byte at a time", () => {
    const small = multipartBodies().filter((b) => b.body.length <= 4096);
    fc.assert(
      fc.property(small, (input) => {
        const bytes = Array.from(input.body, (_, i) => input.body.subarray(i, i + 1));
        expectParts(parseWithOurs(bytes, input.boundary), input, "one byte at a time");
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("parses a small body cut in two at every offset", () => {
    const small = multipartBodies({ maxParts: 3 }).filter((b) => b.body.length <= 600);
    fc.assert(
      fc.property(small, (input) => {
        for (let cut = 0; cut <= input.body.length; cut++) {
          expectParts(
            parseWithOurs(pieces(input.body, [cut]), input.boundary),
            input,
            `cut at ${cut}`,
          );
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("parses large file parts fed in random chunk sizes", () => {
    // Up to 512 KiB per part, with delimiter near-misses at random places in
    // the data, so that they straddle chunk ends.
    const boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    const miss = utf8(`\r\n--${boundary.slice(0, 20)}`);
    const bigPart = fc.tuple(fc.integer({ min: 0, max: 1 << 19 }), fc.integer(), fc.nat(40));
    fc.assert(
      fc.property(
        fc.array(bigPart, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 16, max: 100_000 }),
        fc.integer(),
        (specs, maxChunk, seed) => {
          const random = prng(seed);
          const parts: ExpectedPart[] = specs.map(([length, dataSeed, misses], k) => {
            const data = expand(length, dataSeed);
            for (let m = 0; m < misses && data.length > miss.length; m++) {
              data.set(miss, random() % (data.length - miss.length));
            }
            const disposition = `form-data; name="file${k}"; filename="f${k}.bin"`;
            const type = "application/octet-stream";
            return {
              fieldName: `file${k}`,
              fileName: `f${k}.bin`,
              contentType: type,
              headers: ["Content-Disposition", disposition, "Content-Type", type],
              data,
            };
          });
          const body = concat([
            ...parts.flatMap((p) => [
              utf8(
                `--${boundary}\r\nContent-Disposition: ${p.headers[1]}\r\nContent-Type: ${p.contentType}\r\n\r\n`,
              ),
              p.data,
              utf8("\r\n"),
            ]),
            utf8(`--${boundary}--\r\n`),
          ]);
          const chunks: Uint8Array[] = [];
          for (let at = 0; at < body.length; ) {
            const size = 1 + (random() % maxChunk);
            chunks.push(body.subarray(at, at + size));
            at += size;
          }
          const input: GeneratedBody = {
            body,
            boundary,
            parts,
            description: `${parts.length} file parts of ${specs.map((s) => s[0]).join(", ")} bytes, chunks of 1-${maxChunk}`,
          };
          const result = parseWithOurs(chunks, boundary);
          expect(result.error, input.description).toBeUndefined();
          expect(result.parts.length, input.description).toBe(parts.length);
          result.parts.forEach((p, k) => {
            const want = parts[k] as ExpectedPart;
            expect(p.fileName).toBe(want.fileName);
            expect(p.ended).toBe(true);
            expect(Buffer.compare(p.data, want.data), `${input.description}: part ${k} data`).toBe(
              0,
            );
          });
        },
      ),
      { seed: SEED, numRuns: 12 },
    );
  }, 60_000);

  it("finds every delimiter after a large part, wherever it lies", () => {
    // After 16 KiB of data the delimiter search probes every (n-1)-th pair of
    // bytes (n the delimiter's length): parts of every length up to 2n after a
    // large one put the next delimiter at every offset from those probes. Each
    // part's data ends in a near miss: the delimiter less its last byte.
    for (const boundary of ["b", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "x".repeat(70)]) {
      const n = boundary.length + 4;
      const miss = utf8(`\r\n--${boundary.slice(0, -1)}`);
      const parts = [20_000, ...Array.from({ length: 2 * n + 1 }, (_, length) => length)].map(
        (length, k): ExpectedPart => {
          const data = expand(length, k);
          const tail = miss.subarray(Math.max(0, miss.length - length));
          data.set(tail, length - tail.length);
          const disposition = `form-data; name="f${k}"; filename="f.bin"`;
          return {
            fieldName: `f${k}`,
            fileName: "f.bin",
            contentType: undefined,
            headers: ["Content-Disposition", disposition],
            data,
          };
        },
      );
      const body = concat([
        ...parts.flatMap((p) => [
          utf8(`--${boundary}\r\nContent-Disposition: ${p.headers[1]}\r\n\r\n`),
          p.data,
          utf8("\r\n"),
        ]),
        utf8(`--${boundary}--`),
      ]);
      const input: GeneratedBody = {
        body,
        boundary,
        parts,
        description: `a boundary of ${boundary.length}`,
      };
      expectParts(parseWithOurs([body], boundary), input, "whole");
      for (const size of [7, 1000, 4096, 64 * 1024]) {
        const cuts = Array.from({ length: Math.ceil(body.length / size) }, (_, i) => i * size);
        expectParts(parseWithOurs(pieces(body, cuts), boundary), input, `chunks of ${size}`);
      }
    }
  });
});

// Bodies the properties above found misread, each named after what broke,
// every one also cut at every offset.
describe("regressions found by the round trip", () => {
  const B = "b";
  const cases: {
    what: string;
    body: string;
    expected: {
      error?: OursResult["error"];
      parts: Partial<Omit<ParsedPart, "data"> & { data: string }>[];
    };
  }[] = [
    {
      // RFC 8187 percent-decoding keeps every character; TextDecoder drops a leading BOM unless told not to.
      what: "a filename* that begins with U+FEFF keeps it",
      body: `--b\r\nContent-Disposition: form-data; name="f"; filename*=UTF-8''%EF%BB%BFa.txt\r\n\r\nx\r\n--b--`,
      expected: { parts: [{ fieldName: "f", fileName: "\ufeffa.txt", data: "x" }] },
    },
    {
      what: "a header value that begins with U+FEFF keeps it",
      body: `--b\r\nContent-Disposition: form-data; name="f"\r\nX-Note: \xef\xbb\xbfnote\r\n\r\nx\r\n--b--`,
      expected: {
        parts: [
          {
            fieldName: "f",
            headers: ["Content-Disposition", 'form-data; name="f"', "X-Note", "\ufeffnote"],
          },
        ],
      },
    },
    {
      // A header name is a token (README: `name: value` lines); decoding the section as UTF-8
      // must not drop a BOM in front of the first one.
      what: "a BOM before the first header name is not part of a name",
      body: `--b\r\n\xef\xbb\xbfContent-Disposition: form-data; name="f"\r\n\r\nx\r\n--b--`,
      expected: { error: { code: "MULTIPART_INVALID_PART_HEADER", status: 400 }, parts: [] },
    },
    {
      // body-part := MIME-part-headers [CRLF *OCTET] (RFC 2046 section 5.1.1): without data, the
      // empty line's CRLF is the delimiter's; README: a delimiter is --boundary after CRLF.
      what: "a part without data whose header section is followed at once by the close delimiter",
      body: `--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n--b--`,
      expected: { parts: [{ fieldName: "a", data: "", ended: true }] },
    },
    {
      what: "a part without data whose header section is followed at once by the next delimiter",
      body: `--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n--b\r\nContent-Disposition: form-data; name="c"\r\n\r\nv\r\n--b--`,
      expected: {
        parts: [
          { fieldName: "a", data: "", ended: true },
          { fieldName: "c", data: "v", ended: true },
        ],
      },
    },
    {
      // README: a delimiter is --boundary after CRLF, and anything but LWSP CRLF or -- after it
      // is MULTIPART_MALFORMED; a header section is no exception (RFC 2046: the boundary must
      // not occur inside a part).
      what: "a header line that starts with the boundary is a malformed delimiter",
      body: `--b\r\nX: y\r\n--b: z\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--b--`,
      expected: { error: { code: "MULTIPART_MALFORMED", status: 400 }, parts: [] },
    },
  ];

  it.each(cases)("$what", ({ body, expected }) => {
    const bytes = bytesOf(body);
    const whole = parseWithOurs([bytes], B);
    const shown = {
      error: whole.error,
      parts: whole.parts.map((p) => ({ ...p, data: latin1(p.data) })),
    };
    expect(shown.error).toEqual(expected.error);
    expect(shown.parts).toHaveLength(expected.parts.length);
    shown.parts.forEach((p, k) => {
      expect(p).toMatchObject(expected.parts[k] ?? {});
    });
    for (let cut = 0; cut <= bytes.length; cut++) {
      const split = parseWithOurs(pieces(bytes, [cut]), B);
      expect(split.error, `cut at ${cut}`).toEqual(whole.error);
      expect(split.parts, `cut at ${cut}`).toEqual(whole.parts);
    }
  });
});
