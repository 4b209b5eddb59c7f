// Limits: maxHeaderSize (414 for the request line, 431 for the section, also
// for trailers), maxHeaderCount, and options validation (README "Limits").
// maxHeaderSize counts every byte from the request line's first byte to the
// end of the empty line that closes the header section.
import { describe, expect, it } from "vitest";
import { HttpParserError, RequestParser, type RequestParserOptions } from "../src/index";
import {
  check,
  E,
  get,
  headEvent,
  message,
  post,
  request,
  runCases,
  splitsOf,
} from "./helpers/cases";

/** A GET with `Host: h` and one `X:` header padded so the head is `size` bytes. */
function headOfSize(size: number): string {
  const bare = get("X: ");
  return get(`X: ${"a".repeat(size - bare.length)}`);
}
const paddedHead = (size: number) =>
  request({ headers: ["Host", "h", "X", "a".repeat(size - get("X: ").length)] });

describe("maxHeaderSize, small limit", () => {
  const limit = 64;
  const options = { maxHeaderSize: limit };
  runCases([
    {
      what: "head exactly at the limit",
      input: headOfSize(64),
      options,
      expected: { events: paddedHead(64) },
    },
    {
      what: "head one byte over",
      input: headOfSize(65),
      options,
      expected: { error: E.HEADER_OVERFLOW },
    },
    {
      what: "leading CRLFs are not counted",
      input: `\r\n\r\n\r\n${headOfSize(64)}`,
      options,
      expected: { events: paddedHead(64) },
    },
    {
      what: "each pipelined request has its own budget",
      input: `${headOfSize(64)}\r\n${headOfSize(64)}`,
      options,
      expected: { events: [...paddedHead(64), ...paddedHead(64)] },
    },
    {
      what: "request line alone longer: 414",
      input: `GET /${"a".repeat(limit)} HTTP/1.1\r\nHost: h\r\n\r\n`,
      options,
      expected: { error: E.URI_TOO_LONG },
    },
    {
      what: "request line fits, headers overflow: 431",
      input: get(`X: ${"a".repeat(limit)}`),
      options,
      expected: { error: E.HEADER_OVERFLOW },
    },
    {
      what: "unterminated request line fails once over, without waiting for its end",
      input: `GET /${"a".repeat(limit * 2)}`,
      options: { ...options, finish: false },
      expected: { error: E.URI_TOO_LONG },
    },
    {
      what: "unterminated header fails once over, without waiting for its end",
      input: `GET / HTTP/1.1\r\nX: ${"a".repeat(limit * 2)}`,
      options: { ...options, finish: false },
      expected: { error: E.HEADER_OVERFLOW },
    },
    {
      what: "endless CRLFs are not a header section",
      input: "\r\n".repeat(limit * 4),
      options,
      expected: { events: [] },
    },
  ]);
});

describe("maxHeaderSize for trailers", () => {
  const chunkedHead = {
    method: "POST",
    headers: ["Host", "h", "Transfer-Encoding", "chunked"],
    chunked: true,
  };
  const chunked = (trailerSection: string) =>
    post(["Transfer-Encoding: chunked"], `0\r\n${trailerSection}\r\n`);
  runCases([
    {
      what: "small trailer section under the limit",
      input: chunked("X: 1\r\n"),
      options: { maxHeaderSize: 64 },
      expected: { events: request(chunkedHead, "", ["X", "1"]) },
    },
    {
      what: "trailer section over the limit: 431",
      input: chunked(`X: ${"a".repeat(100)}\r\n`),
      options: { maxHeaderSize: 64 },
      expected: { events: [headEvent(chunkedHead)], error: E.HEADER_OVERFLOW },
    },
    {
      // A 91-byte head and a 30-byte trailer section: each under 100, not both.
      what: "trailers have their own budget, apart from the head",
      input: post(
        ["Transfer-Encoding: chunked", `Y: ${"b".repeat(30)}`],
        `0\r\nX: ${"a".repeat(20)}\r\n\r\n`,
      ),
      options: { maxHeaderSize: 100 },
      expected: {
        events: request(
          { ...chunkedHead, headers: [...chunkedHead.headers, "Y", "b".repeat(30)] },
          "",
          ["X", "a".repeat(20)],
        ),
      },
    },
  ]);
});

describe("maxHeaderSize, default 80 KiB", () => {
  const limit = 81920;
  it("a head of exactly 81920 bytes is accepted", () => {
    const input = headOfSize(limit);
    check(input, { events: paddedHead(limit) }, {}, splitsOf(input.length));
  });
  it("a head of 81921 bytes is 431", () => {
    const input = headOfSize(limit + 1);
    check(input, { error: E.HEADER_OVERFLOW }, {}, splitsOf(input.length, [limit]));
  });
  it("a request line longer than 81920 bytes is 414", () => {
    const input = `GET /${"a".repeat(limit)} HTTP/1.1\r\nHost: h\r\n\r\n`;
    check(input, { error: E.URI_TOO_LONG }, {}, splitsOf(input.length, [limit]));
  });
  it("a larger option raises the limit", () => {
    const input = headOfSize(limit + 1000);
    check(
      input,
      { events: paddedHead(limit + 1000) },
      { maxHeaderSize: limit + 1000 },
      splitsOf(input.length),
    );
  });
});

describe("maxHeaderCount", () => {
  /** A GET with Host and `extra` more header fields. */
  const withFields = (extra: number) =>
    get(...Array.from({ length: extra }, (_, i) => `X-${i}: ${i}`));
  const fieldsHead = (extra: number) =>
    request({
      headers: ["Host", "h", ...Array.from({ length: extra }, (_, i) => [`X-${i}`, `${i}`]).flat()],
    });
  runCases([
    { what: "default: 100 fields", input: withFields(99), expected: { events: fieldsHead(99) } },
    {
      what: "default: 101 fields",
      input: withFields(100),
      expected: { error: E.TOO_MANY_HEADERS },
    },
    {
      what: "limit 3: 3 fields",
      input: withFields(2),
      options: { maxHeaderCount: 3 },
      expected: { events: fieldsHead(2) },
    },
    {
      what: "limit 3: 4 fields",
      input: withFields(3),
      options: { maxHeaderCount: 3 },
      expected: { error: E.TOO_MANY_HEADERS },
    },
    {
      what: "limit 3: empty values count too",
      input: get("A:", "B:", "C:"),
      options: { maxHeaderCount: 3 },
      expected: { error: E.TOO_MANY_HEADERS },
    },
    {
      what: "limit 3: each pipelined request has its own count",
      input: `${withFields(2)}${withFields(2)}`,
      options: { maxHeaderCount: 3 },
      expected: { events: [...fieldsHead(2), ...fieldsHead(2)] },
    },
    {
      what: "limit 3: trailers under the limit",
      input: post(["Transfer-Encoding: chunked"], "0\r\nA: 1\r\n\r\n"),
      options: { maxHeaderCount: 3 },
      expected: {
        events: request(
          { method: "POST", headers: ["Host", "h", "Transfer-Encoding", "chunked"], chunked: true },
          "",
          ["A", "1"],
        ),
      },
    },
    {
      what: "limit 3: 4 trailer fields",
      input: post(["Transfer-Encoding: chunked"], "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"),
      options: { maxHeaderCount: 3 },
      expected: {
        events: [
          headEvent({
            method: "POST",
            headers: ["Host", "h", "Transfer-Encoding", "chunked"],
            chunked: true,
          }),
        ],
        error: E.TOO_MANY_HEADERS,
      },
    },
    {
      what: "HTTP/1.0 without headers at limit 1",
      input: message("GET / HTTP/1.0", []),
      options: { maxHeaderCount: 1 },
      expected: { events: request({ versionMinor: 0, headers: [], keepAlive: false }) },
    },
  ]);
});

describe("options validation", () => {
  const handler = { onRequestHead: () => {} };
  /** The HttpParserError that making a parser with `options` throws. */
  function invalidOption(options: unknown): HttpParserError {
    let thrown: unknown;
    try {
      new RequestParser(handler, options as RequestParserOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpParserError);
    expect(thrown).toMatchObject({ code: "INVALID_OPTION", status: 500 });
    return thrown as HttpParserError;
  }
  const names = [
    "maxHeaderSize",
    "maxBodySize",
    "maxHeaderCount",
    "maxChunkExtensionSize",
  ] as const;
  const invalid = [-1, -0.5, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, "10", null];
  it.each(names.flatMap((name) => invalid.map((value) => ({ name, value }))))(
    "$name: $value is an INVALID_OPTION naming the package, the option and the value",
    ({ name, value }) => {
      const { message } = invalidOption({ [name]: value });
      expect(message).toMatch(
        new RegExp(`^@moonbridge/http-parser: RequestParser: ${name} must be an integer >= \\d+`),
      );
      expect(message).toMatch(/, got (-1|-0\.5|1\.5|NaN|-Infinity|"10"|null)$/);
    },
  );
  it("maxHeaderSize: 15 is an INVALID_OPTION saying the least it takes", () => {
    expect(invalidOption({ maxHeaderSize: 15 }).message).toBe(
      "@moonbridge/http-parser: RequestParser: maxHeaderSize must be an integer >= 16 (bytes), got 15",
    );
  });
  it("maxBodySize: Infinity is taken, +Infinity elsewhere is not", () => {
    expect(() => new RequestParser(handler, { maxBodySize: Infinity })).not.toThrow();
    expect(invalidOption({ maxHeaderCount: Infinity }).message).toMatch(/maxHeaderCount/);
  });
  it.each(["allowMissingHost", "allowObsFold", "allowBareLf", "allowMissingCrlfAfterChunk"])(
    "%s must be a boolean",
    (name) => {
      expect(invalidOption({ [name]: "yes" }).message).toBe(
        `@moonbridge/http-parser: RequestParser: ${name} must be true or false, got "yes"`,
      );
    },
  );
  it.each([null, 5, "x"])("options %s is an INVALID_OPTION", (options) => {
    expect(invalidOption(options).message).toMatch(/RequestParser: options must be an object, got/);
  });
  it.each([
    { key: "max_header_size", hint: "did you mean maxHeaderSize?" },
    { key: "max-body-size", hint: "did you mean maxBodySize?" },
    { key: "MAXHEADERCOUNT", hint: "did you mean maxHeaderCount?" },
    { key: "maxHeaderSzie", hint: "did you mean maxHeaderSize?" },
    { key: "maxHeaderCnt", hint: "did you mean maxHeaderCount?" },
    {
      key: "lenient",
      hint: "known options: maxHeaderSize, maxBodySize, maxHeaderCount, maxChunkExtensionSize, allowMissingHost, allowObsFold, allowBareLf, allowMissingCrlfAfterChunk",
    },
    { key: "allow_bare_lf", hint: "did you mean allowBareLf?" },
  ])("an unknown key $key is an INVALID_OPTION: $hint", ({ key, hint }) => {
    expect(invalidOption({ [key]: 1 }).message).toBe(
      `@moonbridge/http-parser: RequestParser: unknown option ${JSON.stringify(key)}; ${hint}`,
    );
  });
  it.each([null, {}, { onRequestHead: 1 }])(
    "handler %o is an INVALID_ARGUMENT, status 500",
    (bad) => {
      let thrown: unknown;
      try {
        new RequestParser(bad as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HttpParserError);
      expect(thrown).toMatchObject({
        code: "INVALID_ARGUMENT",
        status: 500,
        message:
          "@moonbridge/http-parser: RequestParser: handler must be an object with an onRequestHead function",
      });
    },
  );
  it("an unknown key is refused before a bad value", () => {
    expect(invalidOption({ maxHeaderSize: -1, max_body_size: 1 }).message).toMatch(/max_body_size/);
  });
  it.each([
    { what: "no options", options: {} },
    {
      what: "every option set",
      options: {
        maxHeaderSize: 1000,
        maxBodySize: 10,
        maxHeaderCount: 5,
        maxChunkExtensionSize: 10,
      },
    },
    {
      what: "maxBodySize: Infinity (the default)",
      options: { maxBodySize: Number.POSITIVE_INFINITY },
    },
    { what: "maxBodySize: 0", options: { maxBodySize: 0 } },
  ])("accepts $what", ({ options }) => {
    expect(() => new RequestParser(handler, options)).not.toThrow();
  });
});
