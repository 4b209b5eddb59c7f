// MultipartParser rules, each case run whole, at every split offset and one
// byte at a time, all giving the same parts (data joined) and the same error.
import { describe, expect, it } from "vitest";
import { BodyParserError, type MultipartLimits, MultipartParser } from "../src/index";
import {
  body,
  type CollectedPart,
  type MultipartResult,
  parseMultipart,
  part,
  standardSplits,
} from "./helpers/collect";

const B = "----b0undary";
const field = (name: string, data: string) =>
  part([`Content-Disposition: form-data; name="${name}"`], data);

interface Case {
  what: string;
  input: string;
  boundary?: string;
  limits?: MultipartLimits;
  expected: { parts?: Partial<CollectedPart>[]; error?: MultipartResult["error"] };
}

function runCases(cases: Case[]): void {
  it.each(cases)("$what", ({ input, boundary = B, limits, expected }) => {
    const whole = parseMultipart(input, boundary, { limits });
    expect(whole.error).toEqual(expected.error);
    expect(whole.parts.length).toBe(expected.parts?.length ?? 0);
    whole.parts.forEach((p, k) => {
      expect(p).toMatchObject(expected.parts?.[k] ?? {});
    });
    for (const cuts of standardSplits(input.length)) {
      expect(parseMultipart(input, boundary, { cuts, limits }), `cuts ${cuts.slice(0, 3)}`).toEqual(
        whole,
      );
    }
  });
}

const ok = (...parts: Partial<CollectedPart>[]) => ({ parts });
const err = (code: string, status: number, ...parts: Partial<CollectedPart>[]) => ({
  parts,
  error: { code, status },
});

describe("bodies", () => {
  runCases([
    {
      what: "one field",
      input: body(B, [field("a", "hello")]),
      expected: ok({
        fieldName: "a",
        fileName: undefined,
        contentType: undefined,
        data: "hello",
        ended: true,
      }),
    },
    {
      what: "a field and a file",
      input: body(B, [
        field("comment", "hi"),
        part(
          [
            'Content-Disposition: form-data; name="files"; filename="a.txt"',
            "Content-Type: text/plain",
          ],
          "abc",
        ),
      ]),
      expected: ok(
        { fieldName: "comment", data: "hi" },
        {
          fieldName: "files",
          fileName: "a.txt",
          contentType: "text/plain",
          data: "abc",
          ended: true,
        },
      ),
    },
    { what: "no parts at all", input: `--${B}--`, expected: ok() },
    {
      what: "an empty part",
      input: body(B, [field("e", "")]),
      expected: ok({ fieldName: "e", data: "", ended: true }),
    },
    {
      what: "data with CRLF, dashes and near-misses of the delimiter",
      input: body(B, [field("d", `a\r\nb\r\n--\r\n--${B.slice(0, -1)}x\r\n-${B}\r\n--x--${B}`)]),
      expected: ok({ data: `a\r\nb\r\n--\r\n--${B.slice(0, -1)}x\r\n-${B}\r\n--x--${B}` }),
    },
    {
      what: "data ending in CR and in CRLF-",
      input: body(B, [field("a", "x\r"), field("b", "y\r\n-")]),
      expected: ok({ data: "x\r" }, { data: "y\r\n-" }),
    },
    {
      what: "binary data with every byte value",
      input: body(B, [
        field("bin", Array.from({ length: 256 }, (_, c) => String.fromCharCode(c)).join("")),
      ]),
      expected: ok({
        data: Array.from({ length: 256 }, (_, c) => String.fromCharCode(c)).join(""),
      }),
    },
    {
      what: "preamble and epilogue ignored",
      input: body(
        B,
        [field("a", "1")],
        "This is a preamble\r\nof two lines",
        "\r\nepilogue --not a delimiter",
      ),
      expected: ok({ fieldName: "a", data: "1" }),
    },
    {
      what: "whitespace after a delimiter",
      input: `--${B} \t\r\n${field("a", "1")}\r\n--${B}\t\r\n${field("b", "2")}\r\n--${B}--`,
      expected: ok({ data: "1" }, { data: "2" }),
    },
    {
      what: "a part without data whose empty line is also the next delimiter's CRLF",
      input: `--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\n--${B}\r\n${field("b", "2")}\r\n--${B}--`,
      expected: ok({ fieldName: "a", data: "", ended: true }, { fieldName: "b", data: "2" }),
    },
    {
      what: "a part without data right before the closing delimiter",
      input: `--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\n--${B}--`,
      expected: ok({ fieldName: "a", data: "", ended: true }),
    },
    {
      what: "data that begins with dashes right after the empty line",
      input: body(B, [field("a", "--x\r\n--")]),
      expected: ok({ data: "--x\r\n--" }),
    },
    {
      what: "one-character boundary",
      boundary: "x",
      input: body("x", [field("a", "-x\r\n-x-")]),
      expected: ok({ data: "-x\r\n-x-" }),
    },
  ]);
});

describe("part headers", () => {
  runCases([
    {
      what: "names and types case-insensitive, headers kept as sent",
      input: body(B, [part(["content-DISPOSITION: Form-Data; NAME=a", "X-Extra:  v  "], "1")]),
      expected: ok({
        fieldName: "a",
        headers: ["content-DISPOSITION", "Form-Data; NAME=a", "X-Extra", "v"],
      }),
    },
    {
      what: "quoted-string escapes in the name",
      input: body(B, [part(['Content-Disposition: form-data; name="a\\"b\\\\c"'], "1")]),
      expected: ok({ fieldName: 'a"b\\c' }),
    },
    {
      what: "semicolon inside a quoted file name",
      input: body(B, [
        part(['Content-Disposition: form-data; name="f"; filename="a;b=c.txt"'], "1"),
      ]),
      expected: ok({ fileName: "a;b=c.txt" }),
    },
    {
      what: "UTF-8 file name sent raw, as browsers do",
      input: body(B, [
        part(['Content-Disposition: form-data; name="f"; filename="caf\u00c3\u00a9.txt"'], "1"),
      ]),
      expected: ok({ fileName: "caf\u00e9.txt" }),
    },
    {
      what: "filename* preferred over filename",
      input: body(B, [
        part(
          [
            "Content-Disposition: form-data; name=f; filename*=UTF-8''%E2%82%AC%20rates.txt; filename=rates.txt",
          ],
          "1",
        ),
      ]),
      expected: ok({ fileName: "\u20ac rates.txt" }),
    },
    {
      what: "filename* in ISO-8859-1 with a language",
      input: body(B, [
        part(["Content-Disposition: form-data; name=f; filename*=iso-8859-1'en'%A3.txt"], "1"),
      ]),
      expected: ok({ fileName: "\u00a3.txt" }),
    },
    {
      what: "empty file name is a file",
      input: body(B, [part(['Content-Disposition: form-data; name="f"; filename=""'], "")]),
      expected: ok({ fileName: "" }),
    },
    {
      what: "Content-Transfer-Encoding binary, 8bit, 7bit",
      input: body(B, [
        part(["Content-Disposition: form-data; name=a", "Content-Transfer-Encoding: BINARY"], "1"),
        part(["Content-Disposition: form-data; name=b", "Content-Transfer-Encoding: 8bit"], "2"),
        part(["Content-Disposition: form-data; name=c", "Content-Transfer-Encoding: 7bit"], "3"),
      ]),
      expected: ok({ data: "1" }, { data: "2" }, { data: "3" }),
    },
  ]);
});

describe("malformed bodies", () => {
  runCases([
    { what: "empty body", input: "", expected: err("MULTIPART_TRUNCATED", 400) },
    {
      what: "only a preamble",
      input: "no delimiter here",
      expected: err("MULTIPART_TRUNCATED", 400),
    },
    {
      what: "no closing delimiter",
      input: `--${B}\r\n${field("a", "1")}\r\n--${B}\r\n`,
      expected: err("MULTIPART_TRUNCATED", 400, { data: "1", ended: true }),
    },
    {
      what: "ends inside part data",
      input: `--${B}\r\n${field("a", "12345")}`,
      expected: err("MULTIPART_TRUNCATED", 400, { data: "12345", ended: false }),
    },
    {
      what: "ends inside part headers",
      input: `--${B}\r\nContent-Dis`,
      expected: err("MULTIPART_TRUNCATED", 400),
    },
    {
      what: "junk after a delimiter",
      input: `--${B}x\r\n${field("a", "1")}\r\n--${B}--`,
      expected: err("MULTIPART_MALFORMED", 400),
    },
    {
      what: "a single dash after a delimiter",
      input: `--${B}-x`,
      expected: err("MULTIPART_MALFORMED", 400),
    },
    {
      what: "CR without LF after a delimiter",
      input: `--${B}\rx`,
      expected: err("MULTIPART_MALFORMED", 400),
    },
    {
      what: "bare LF after a delimiter",
      input: `--${B}\n${field("a", "1")}\r\n--${B}--`,
      expected: err("MULTIPART_MALFORMED", 400),
    },
    {
      what: "bare LF in part headers",
      input: `--${B}\r\nContent-Disposition: form-data; name=a\n\r\n1\r\n--${B}--`,
      expected: err("MULTIPART_MALFORMED", 400),
    },
    {
      what: "CR without LF in part headers",
      input: `--${B}\r\nContent-Disposition: form-data; name=a\rX\r\n\r\n1\r\n--${B}--`,
      expected: err("MULTIPART_MALFORMED", 400),
    },
  ]);
});

describe("invalid part headers", () => {
  const p = (...lines: string[]) => body(B, [part(lines, "x")]);
  const bad = { parts: [], error: { code: "MULTIPART_INVALID_PART_HEADER", status: 400 } };
  runCases([
    { what: "no headers at all", input: body(B, [part([], "x")]), expected: bad },
    { what: "no Content-Disposition", input: p("Content-Type: text/plain"), expected: bad },
    { what: "not form-data", input: p("Content-Disposition: attachment; name=a"), expected: bad },
    { what: "no name", input: p('Content-Disposition: form-data; filename="a"'), expected: bad },
    {
      what: "name twice",
      input: p("Content-Disposition: form-data; name=a; name=b"),
      expected: bad,
    },
    {
      what: "Content-Disposition twice",
      input: p("Content-Disposition: form-data; name=a", "Content-Disposition: form-data; name=b"),
      expected: bad,
    },
    {
      what: "unterminated quoted name",
      input: p('Content-Disposition: form-data; name="a'),
      expected: bad,
    },
    {
      what: "parameter without value",
      input: p("Content-Disposition: form-data; name="),
      expected: bad,
    },
    {
      what: "junk between parameters",
      input: p("Content-Disposition: form-data; name=a b"),
      expected: bad,
    },
    {
      what: "line without colon",
      input: p("Content-Disposition: form-data; name=a", "Junk"),
      expected: bad,
    },
    {
      what: "space before the colon",
      input: p("Content-Disposition : form-data; name=a"),
      expected: bad,
    },
    { what: "obs-fold", input: p("Content-Disposition: form-data;", " name=a"), expected: bad },
    {
      what: "NUL in a value",
      input: p("Content-Disposition: form-data; name=a", "X: a\u0000b"),
      expected: bad,
    },
    {
      what: "filename* without quotes",
      input: p("Content-Disposition: form-data; name=a; filename*=abc"),
      expected: bad,
    },
    {
      what: "filename* with a bad escape",
      input: p("Content-Disposition: form-data; name=a; filename*=UTF-8''%zz"),
      expected: bad,
    },
    {
      what: "filename* in another charset",
      input: p("Content-Disposition: form-data; name=a; filename*=KOI8-R''abc"),
      expected: bad,
    },
    {
      what: "Content-Transfer-Encoding base64",
      input: p("Content-Disposition: form-data; name=a", "Content-Transfer-Encoding: base64"),
      expected: {
        parts: [],
        error: { code: "MULTIPART_UNSUPPORTED_TRANSFER_ENCODING", status: 415 },
      },
    },
  ]);
});

describe("limits", () => {
  const three = body(B, [field("a", "1"), field("b", "2"), field("c", "3")]);
  const header = `Content-Disposition: form-data; name="a"`;
  runCases([
    {
      what: "maxParts reached exactly",
      input: three,
      limits: { maxParts: 3 },
      expected: ok({}, {}, {}),
    },
    {
      what: "maxParts exceeded",
      input: three,
      limits: { maxParts: 2 },
      expected: err("MULTIPART_TOO_MANY_PARTS", 413, { data: "1" }, { data: "2", ended: true }),
    },
    {
      what: "maxPartHeaderSize reached exactly",
      input: body(B, [part([header], "x")]),
      limits: { maxPartHeaderSize: header.length + 4 },
      expected: ok({ data: "x" }),
    },
    {
      what: "maxPartHeaderSize exceeded",
      input: body(B, [part([header], "x")]),
      limits: { maxPartHeaderSize: header.length + 3 },
      expected: err("MULTIPART_PART_HEADER_TOO_LARGE", 413),
    },
    {
      what: "maxFieldSize reached exactly",
      input: body(B, [field("a", "12345")]),
      limits: { maxFieldSize: 5 },
      expected: ok({ data: "12345" }),
    },
    {
      what: "maxFieldSize exceeded: data up to the limit, then the error",
      input: body(B, [field("a", "123456")]),
      limits: { maxFieldSize: 5 },
      expected: err("MULTIPART_FIELD_TOO_LARGE", 413, { data: "12345", ended: false }),
    },
    {
      what: "maxFileSize applies to files, not fields",
      input: body(B, [
        field("a", "123456"),
        part(['Content-Disposition: form-data; name="f"; filename="x"'], "123456"),
      ]),
      limits: { maxFileSize: 5 },
      expected: err(
        "MULTIPART_FILE_TOO_LARGE",
        413,
        { data: "123456" },
        { fileName: "x", data: "12345", ended: false },
      ),
    },
    {
      what: "maxTotalSize reached exactly",
      input: body(B, [field("a", "1")]),
      limits: { maxTotalSize: body(B, [field("a", "1")]).length },
      expected: ok({ data: "1" }),
    },
    {
      what: "maxTotalSize exceeded",
      input: `${body(B, [field("a", "1")])}\r\n`,
      limits: { maxTotalSize: body(B, [field("a", "1")]).length },
      expected: err("MULTIPART_BODY_TOO_LARGE", 413, { data: "1", ended: true }),
    },
  ]);

  it.each([-1, 1.5, Number.NaN, "5", Number.POSITIVE_INFINITY])(
    "rejects the limit value %s, naming the limit",
    (value) => {
      expect(() => parseMultipart("", B, { limits: { maxParts: value as number } })).toThrow(
        /maxParts/,
      );
    },
  );
});

describe("validation of limits", () => {
  const handler = { onPart: () => {}, onData: () => {}, onPartEnd: () => {} };
  /** The BodyParserError INVALID_OPTION (status 500) that making a parser with `limits` throws. */
  function invalidOption(limits: unknown): BodyParserError {
    let thrown: unknown;
    try {
      new MultipartParser(B, handler, limits as MultipartLimits);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BodyParserError);
    expect(thrown).toMatchObject({ code: "INVALID_OPTION", status: 500 });
    return thrown as BodyParserError;
  }
  const names = ["maxParts", "maxPartHeaderSize", "maxFieldSize", "maxFileSize", "maxTotalSize"];

  it.each(names)(
    "%s: -1 is an INVALID_OPTION naming the package, the limit and the value",
    (name) => {
      const unit = name === "maxParts" ? "a count" : "bytes";
      expect(invalidOption({ [name]: -1 }).message).toBe(
        `@moonbridge/body-parser: MultipartParser: ${name} must be an integer >= 0 (${unit}), got -1`,
      );
    },
  );

  it.each([
    [1.5, "1.5"],
    [Number.NaN, "NaN"],
    ["5", '"5"'],
    [null, "null"],
    [2 ** 53, "9007199254740992"],
    [{}, "an object"],
  ])("maxFileSize: %s is an INVALID_OPTION showing the value", (value, shown) => {
    expect(invalidOption({ maxFileSize: value }).message).toMatch(new RegExp(`, got ${shown}$`));
  });

  it.each([null, 5, "x"])("limits %s is an INVALID_OPTION", (limits) => {
    expect(invalidOption(limits).message).toMatch(/MultipartParser: limits must be an object/);
  });

  it.each([
    { key: "max_parts", hint: "did you mean maxParts?" },
    { key: "max-file-size", hint: "did you mean maxFileSize?" },
    { key: "MAXTOTALSIZE", hint: "did you mean maxTotalSize?" },
    { key: "maxFeildSize", hint: "did you mean maxFieldSize?" },
    {
      key: "fileSize",
      hint: "known options: maxParts, maxPartHeaderSize, maxFieldSize, maxFileSize, maxTotalSize",
    },
  ])("an unknown key $key is an INVALID_OPTION: $hint", ({ key, hint }) => {
    expect(invalidOption({ [key]: 1 }).message).toBe(
      `@moonbridge/body-parser: MultipartParser: unknown option ${JSON.stringify(key)}; ${hint}`,
    );
  });

  it.each([
    ["an empty boundary", "", handler, /boundary must be a string of 1 to 70 characters/],
    ["a boundary of 71 characters", "b".repeat(71), handler, /boundary/],
    [
      "a handler without onData",
      B,
      { onPart() {}, onPartEnd() {} },
      /handler\.onData must be a function/,
    ],
    ["no handler", B, undefined, /handler\.onPart must be a function/],
  ])("%s is an INVALID_ARGUMENT, status 500", (_, boundary, parts, message) => {
    let thrown: unknown;
    try {
      new MultipartParser(boundary, parts as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BodyParserError);
    expect(thrown).toMatchObject({ code: "INVALID_ARGUMENT", status: 500 });
    expect((thrown as Error).message).toMatch(/^@moonbridge\/body-parser: MultipartParser: /);
    expect((thrown as Error).message).toMatch(message);
  });

  it("does not change the limits object, and takes one frozen", () => {
    const limits = Object.freeze({ maxParts: 2 });
    expect(() => new MultipartParser(B, handler, limits)).not.toThrow();
    expect(limits).toEqual({ maxParts: 2 });
  });
});
