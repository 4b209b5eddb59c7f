// Multipart bodies of any subtype (multipart/mixed, related, ...): a parser
// made with `{ formData: false }` (README, "Any multipart subtype"). Parts
// without Content-Disposition or name, folded header lines joined, any
// Content-Transfer-Encoding passed on; form-data keeps its stricter rules;
// a nested multipart part parsed by a second parser fed the part's data.
// Each case runs whole, at every split offset and one byte at a time.
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  BodyParserError,
  getBoundary,
  type MimePartMeta,
  MultipartParser,
  type PartMeta,
} from "../src/index";
import { latin1 } from "./helpers/bytes";
import { err, ok, runCases } from "./helpers/cases";
import { body, bytesOf, part, standardSplits } from "./helpers/collect";
import { multipartBodies } from "./helpers/generate";
import { anyBodies } from "./helpers/mutate";
import { type OursResult, parseWithOurs, pieces } from "./helpers/ours";

// CI runs a fixed seed (a landing must not fail on luck); elsewhere every run explores anew.
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261124 : Date.now() % 2 ** 31));

const B = "outer-b";
const mixed = { formData: false } as const;

describe("any multipart subtype ({ formData: false })", () => {
  runCases([
    {
      what: "an email-like body: text, then an attachment, then a part with no headers",
      input: body(
        B,
        [
          part(["Content-Type: text/plain; charset=utf-8"], "Hello"),
          part(
            [
              'Content-Disposition: attachment; filename="report.pdf"',
              "Content-Type: application/pdf",
            ],
            "%PDF",
          ),
          part([], "defaults: text/plain; charset=us-ascii"),
        ],
        "This is a multi-part message in MIME format.",
      ),
      boundary: B,
      multipart: mixed,
      expected: ok(
        {
          fieldName: undefined,
          fileName: undefined,
          contentType: "text/plain; charset=utf-8",
          headers: ["Content-Type", "text/plain; charset=utf-8"],
          data: "Hello",
          ended: true,
        },
        { fieldName: undefined, fileName: "report.pdf", contentType: "application/pdf" },
        {
          fieldName: undefined,
          fileName: undefined,
          contentType: undefined,
          headers: [],
          data: "defaults: text/plain; charset=us-ascii",
        },
      ),
    },
    {
      what: "Content-Disposition of any type; a name when there is one",
      input: body(B, [
        part(["Content-Disposition: inline"], "1"),
        part(['Content-Disposition: form-data; name="field"'], "2"),
        part(["Content-Disposition: x-custom; name=n; size=3"], "3"),
      ]),
      boundary: B,
      multipart: mixed,
      expected: ok(
        { fieldName: undefined, fileName: undefined, data: "1" },
        { fieldName: "field", data: "2" },
        { fieldName: "n", data: "3" },
      ),
    },
    {
      what: "Content-Transfer-Encoding base64: the data as sent, the header kept",
      input: body(B, [
        part(
          [
            'Content-Disposition: attachment; filename="a.bin"',
            "Content-Transfer-Encoding: base64",
          ],
          "AAEC",
        ),
      ]),
      boundary: B,
      multipart: mixed,
      expected: ok({
        fileName: "a.bin",
        headers: [
          "Content-Disposition",
          'attachment; filename="a.bin"',
          "Content-Transfer-Encoding",
          "base64",
        ],
        data: "AAEC",
      }),
    },
    {
      what: "folded header lines (RFC 5322 obs-fold) are joined with one SP",
      input: body(B, [
        part(
          [
            "Content-Type: multipart/alternative;",
            '\tboundary="inner"',
            "Content-Disposition: attachment;",
            '  filename="long name.txt";',
            " \t size=12",
            "X-Note: a",
            " ",
            "  b  ",
            "X-Empty:",
            " later",
          ],
          "x",
        ),
      ]),
      boundary: B,
      multipart: mixed,
      expected: ok({
        contentType: 'multipart/alternative; boundary="inner"',
        fileName: "long name.txt",
        headers: [
          "Content-Type",
          'multipart/alternative; boundary="inner"',
          "Content-Disposition",
          'attachment; filename="long name.txt"; size=12',
          "X-Note",
          "a b",
          "X-Empty",
          "later",
        ],
        data: "x",
      }),
    },
    {
      what: "a header section that starts with a folded line is rejected",
      input: body(B, [part([" Content-Type: text/plain"], "x")]),
      boundary: B,
      multipart: mixed,
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "a Content-Disposition without a type is rejected",
      input: body(B, [part(["Content-Disposition: ; name=a"], "x")]),
      boundary: B,
      multipart: mixed,
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "Content-Type twice is rejected, as in form-data",
      input: body(B, [part(["Content-Type: text/plain", "Content-Type: text/html"], "x")]),
      boundary: B,
      multipart: mixed,
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "maxFieldSize applies to a part without a file name",
      input: body(B, [part(["Content-Type: text/plain"], "12345")]),
      boundary: B,
      multipart: mixed,
      limits: { maxFieldSize: 4 },
      expected: err("MULTIPART_FIELD_TOO_LARGE", 413, { data: "1234", ended: false }),
    },
  ]);
});

describe("multipart/form-data keeps its rules", () => {
  const folded = body(B, [part(["Content-Disposition: form-data;", ' name="a"'], "x")]);
  runCases([
    {
      what: "a folded header line is MULTIPART_INVALID_PART_HEADER (RFC 9112 section 5.2)",
      input: folded,
      boundary: B,
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "{ formData: true } is the default",
      input: folded,
      boundary: B,
      multipart: { formData: true },
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "the same body is read when any subtype is",
      input: folded,
      boundary: B,
      multipart: mixed,
      expected: ok({ fieldName: "a", data: "x" }),
    },
    {
      what: "a part without Content-Disposition is rejected",
      input: body(B, [part(["Content-Type: text/plain"], "x")]),
      boundary: B,
      expected: err("MULTIPART_INVALID_PART_HEADER", 400),
    },
    {
      what: "Content-Transfer-Encoding base64 is 415",
      input: body(B, [
        part(["Content-Disposition: form-data; name=a", "Content-Transfer-Encoding: base64"], "x"),
      ]),
      boundary: B,
      expected: err("MULTIPART_UNSUPPORTED_TRANSFER_ENCODING", 415),
    },
  ]);

  it("says why a folded line is rejected", () => {
    const parser = new MultipartParser(B, { onPart() {}, onData() {}, onPartEnd() {} });
    expect(() => parser.write(bytesOf(folded))).toThrow(/folded part header line \(obs-fold\)/);
  });
});

describe("options of MultipartParser", () => {
  const handler = { onPart() {}, onData() {}, onPartEnd() {} };
  it.each([
    [{ formData: "no" }, 'formData must be a boolean, got "no"'],
    [{ formData: 0 }, "formData must be a boolean, got 0"],
    [{ form_data: false }, 'unknown option "form_data"; did you mean formData?'],
    [{ mode: "mixed" }, 'unknown option "mode"; known options: formData'],
    [null, "options must be an object, got null"],
  ])("%j is an INVALID_OPTION: %s", (options, message) => {
    let thrown: unknown;
    try {
      new MultipartParser(B, handler, {}, options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BodyParserError);
    expect(thrown).toMatchObject({ code: "INVALID_OPTION", status: 500 });
    expect((thrown as Error).message).toBe(`@moonbridge/body-parser: MultipartParser: ${message}`);
  });

  it("types a part's meta by the mode", () => {
    new MultipartParser(B, {
      onPart: (meta) => expectTypeOf(meta).toEqualTypeOf<PartMeta>(),
      onData() {},
      onPartEnd() {},
    });
    new MultipartParser(
      B,
      {
        onPart: (meta) => expectTypeOf(meta.fieldName).toEqualTypeOf<string | undefined>(),
        onData() {},
        onPartEnd() {},
      },
      {},
      { formData: false },
    );
    expectTypeOf<PartMeta>().toMatchTypeOf<MimePartMeta>();
  });
});

describe("a nested multipart part, parsed by a second parser", () => {
  const inner = body("inner-b", [
    part(["Content-Type: text/plain"], "plain text"),
    part(["Content-Type: text/html"], "<p>html</p>"),
  ]);
  const outer = body(
    B,
    [
      part(["Content-Type: multipart/alternative;", ' boundary="inner-b"'], inner),
      part(['Content-Disposition: attachment; filename="a.txt"'], "file"),
    ],
    "preamble",
  );

  /** Every part, inner ones under their outer part's index, as `index:type:data`. */
  function parseNested(cuts: number[]): string[] {
    const seen: string[] = [];
    let data = "";
    let nested: MultipartParser | undefined;
    const outerParser = new MultipartParser(
      B,
      {
        onPart(meta) {
          data = "";
          if (meta.contentType?.toLowerCase().startsWith("multipart/")) {
            nested = new MultipartParser(
              getBoundary(meta.contentType, { anySubtype: true }),
              {
                onPart: (innerMeta) => seen.push(`inner:${innerMeta.contentType}`),
                onData: (chunk) => seen.push(`inner data:${String.fromCharCode(...chunk)}`),
                onPartEnd: () => seen.push("inner end"),
              },
              {},
              mixed,
            );
          } else seen.push(`outer:${meta.fileName}`);
        },
        onData(chunk) {
          if (nested !== undefined) nested.write(chunk);
          else data += String.fromCharCode(...chunk);
        },
        onPartEnd() {
          if (nested !== undefined) nested.end();
          else seen.push(`outer data:${data}`);
          nested = undefined;
        },
      },
      {},
      mixed,
    );
    const bytes = bytesOf(outer);
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      outerParser.write(bytes.subarray(from, cut));
      from = cut;
    }
    outerParser.end();
    // Data chunks depend on the cuts: join each part's.
    return seen.reduce<string[]>((out, event) => {
      const last = out.at(-1);
      if (event.startsWith("inner data:") && last?.startsWith("inner data:"))
        out[out.length - 1] = last + event.slice("inner data:".length);
      else out.push(event);
      return out;
    }, []);
  }

  it("reads the inner parts, whole and at every split of the outer body", () => {
    const whole = parseNested([]);
    expect(whole).toEqual([
      "inner:text/plain",
      "inner data:plain text",
      "inner end",
      "inner:text/html",
      "inner data:<p>html</p>",
      "inner end",
      "outer:a.txt",
      "outer data:file",
    ]);
    for (const cuts of standardSplits(outer.length)) expect(parseNested(cuts)).toEqual(whole);
  });

  it("a truncated inner body fails the outer write with the inner error", () => {
    const cut = body(B, [
      part(["Content-Type: multipart/mixed; boundary=inner-b"], "--inner-b\r\n\r\nno close"),
    ]);
    let nested: MultipartParser | undefined;
    const parser = new MultipartParser(
      B,
      {
        onPart(meta) {
          nested = new MultipartParser(
            getBoundary(meta.contentType as string, { anySubtype: true }),
            { onPart() {}, onData() {}, onPartEnd() {} },
            {},
            mixed,
          );
        },
        onData: (chunk) => nested?.write(chunk),
        onPartEnd: () => nested?.end(),
      },
      {},
      mixed,
    );
    expect(() => parser.write(bytesOf(cut))).toThrow(
      expect.objectContaining({ code: "MULTIPART_TRUNCATED" }),
    );
  });
});

describe("any multipart subtype, on generated and mutated bodies", () => {
  const plain = (r: OursResult) =>
    JSON.stringify({ error: r.error, parts: r.parts.map((p) => ({ ...p, data: latin1(p.data) })) });

  it("reads a well-formed form-data body exactly as form-data mode does", () => {
    fc.assert(
      fc.property(multipartBodies(), fc.nat(), (input, cut) => {
        const chunks = pieces(input.body, [cut % (input.body.length + 1)]);
        const form = parseWithOurs(chunks, input.boundary);
        expect(form.error).toBeUndefined();
        expect(plain(parseWithOurs(chunks, input.boundary, {}, mixed))).toBe(plain(form));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("rejects only with BodyParserError, and the same whole, cut or one byte at a time", () => {
    // parseWithOurs throws a plain Error for anything but a BodyParserError
    // and for a broken handler contract.
    fc.assert(
      fc.property(anyBodies(), fc.array(fc.nat(), { maxLength: 3 }), (input, seeds) => {
        const whole = plain(parseWithOurs([input.body], input.boundary, {}, mixed));
        const cuts = seeds.map((n) => n % (input.body.length + 1));
        const cut = plain(parseWithOurs(pieces(input.body, cuts), input.boundary, {}, mixed));
        expect(cut, input.description).toBe(whole);
        if (input.body.length <= 1024) {
          const bytes = Array.from(input.body, (_, i) => input.body.subarray(i, i + 1));
          expect(plain(parseWithOurs(bytes, input.boundary, {}, mixed))).toBe(whole);
        }
      }),
      { seed: SEED + 1, numRuns: 5000 },
    );
  });
});
