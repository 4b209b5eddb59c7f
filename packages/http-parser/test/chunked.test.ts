// Chunked bodies: chunk sizes, chunk extensions, the CRLF after chunk data,
// trailer fields and maxChunkExtensionSize (README "Framing", RFC 9112
// section 7.1).
import { describe } from "vitest";
import {
  body,
  type Case,
  E,
  type Failure,
  headEvent,
  oneOf,
  post,
  request,
  runCases,
} from "./helpers/cases";

const HEAD = {
  method: "POST",
  headers: ["Host", "h", "Transfer-Encoding", "chunked"],
  chunked: true,
};
/** A chunked POST whose body is `chunks` (raw framing). */
const chunked = (chunks: string): string => post(["Transfer-Encoding: chunked"], chunks);
const ok = (what: string, chunks: string, text: string, trailerList?: string[]): Case => ({
  what,
  input: chunked(chunks),
  expected: { events: request(HEAD, text, trailerList) },
});
/** Rejected with `error`, after `delivered` body bytes (none by default). */
const bad = (what: string, chunks: string, error: Failure, delivered = ""): Case => ({
  what,
  input: chunked(chunks),
  expected: {
    events: delivered === "" ? [headEvent(HEAD)] : [headEvent(HEAD), body(delivered)],
    error,
  },
});

describe("chunk size", () => {
  runCases([
    ok("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("several chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world"),
    ok("lowercase hex", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
    ok("uppercase hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
    ok(
      "two hex digits",
      "1f\r\n0123456789012345678901234567890\r\n0\r\n\r\n",
      "0123456789012345678901234567890",
    ),
    ok("leading zeros", "0005\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("many leading zeros", "000000000000000000000005\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("last chunk with leading zeros", "5\r\nhello\r\n000\r\n\r\n", "hello"),
    ok("chunk data with CR and LF inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"),
    ok("chunk data with NUL and obs-text", "3\r\n\x00\xff\x80\r\n0\r\n\r\n", "\x00\xff\x80"),
    {
      what: "2^53-1 is the largest size",
      input: chunked("1fffffffffffff\r\nabc"),
      options: { finish: false },
      expected: { events: [headEvent(HEAD), body("abc")] },
    },
    bad("2^53", "20000000000000\r\n", E.INVALID_CHUNK_SIZE),
    bad("18 hex digits", "ffffffffffffffffff\r\n", E.INVALID_CHUNK_SIZE),
    bad("2^64 (wraps to 0 in 64 bits)", "10000000000000000\r\n", E.INVALID_CHUNK_SIZE),
    bad(
      "too big after a valid chunk",
      "1\r\na\r\nffffffffffffffffff\r\n",
      E.INVALID_CHUNK_SIZE,
      "a",
    ),
    bad("empty size", "\r\n", E.INVALID_CHUNK_SIZE),
    bad("empty size with an extension", ";a\r\n", E.INVALID_CHUNK_SIZE),
    bad("non-hex digit", "g\r\n", E.INVALID_CHUNK_SIZE),
    bad("hex then non-hex", "5g\r\nhello\r\n", E.INVALID_CHUNK_SIZE),
    bad("0x prefix", "0x5\r\nhello\r\n", E.INVALID_CHUNK_SIZE),
    bad("minus sign", "-1\r\n", E.INVALID_CHUNK_SIZE),
    bad("plus sign", "+5\r\nhello\r\n", E.INVALID_CHUNK_SIZE),
    bad("leading space", " 5\r\nhello\r\n", E.INVALID_CHUNK_SIZE),
    bad(
      "trailing space, no extension",
      "5 \r\nhello\r\n",
      oneOf(E.INVALID_CHUNK_SIZE, E.INVALID_CHUNK_EXTENSION),
    ),
    bad("size line ended by a bare LF", "5\nhello\r\n0\r\n\r\n", E.CR_EXPECTED),
    bad("size line ended by a bare CR", "5\rhello\r\n0\r\n\r\n", E.LF_EXPECTED),
    bad("LF-only framing", "5\nhello\n0\n\n", E.CR_EXPECTED),
    {
      what: "truncated in the size line",
      input: chunked("5\r\nhello\r\n0"),
      expected: { events: [headEvent(HEAD), body("hello")], error: E.INVALID_EOF_STATE },
    },
    {
      what: "truncated before the final CRLF",
      input: chunked("5\r\nhello\r\n0\r\n"),
      expected: { events: [headEvent(HEAD), body("hello")], error: E.INVALID_EOF_STATE },
    },
  ]);
});

describe("chunk data must be followed by CRLF", () => {
  runCases([
    bad("data longer than the size", "3\r\nhello\r\n0\r\n\r\n", E.CR_EXPECTED, "hel"),
    bad("data followed by another byte", "5\r\nhelloX\r\n0\r\n\r\n", E.CR_EXPECTED, "hello"),
    bad("data shorter than the size", "5\r\nhi\r\n0\r\n\r\n", E.INVALID_CHUNK_SIZE, "hi\r\n0"),
    bad("data followed by a bare LF", "5\r\nhello\n0\r\n\r\n", E.CR_EXPECTED, "hello"),
    bad("data followed by a bare CR", "5\r\nhello\rX0\r\n\r\n", E.LF_EXPECTED, "hello"),
  ]);
});

describe("chunk extensions", () => {
  runCases([
    ok("name only", "5;a\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("name=token", "5;a=b\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("name=quoted string with escapes", '5;a="q \\" x"\r\nhello\r\n0\r\n\r\n', "hello"),
    ok("empty quoted string", '5;a=""\r\nhello\r\n0\r\n\r\n', "hello"),
    ok("obs-text in a quoted string", '5;a="\xe9\t"\r\nhello\r\n0\r\n\r\n', "hello"),
    ok("several extensions", '5;a=b;c;d="e"\r\nhello\r\n0\r\n\r\n', "hello"),
    ok(
      "every tchar in name and value",
      "5;!#$%&'*+-.^_`|~09azAZ=!#$%&'*+-.^_`|~\r\nhello\r\n0\r\n\r\n",
      "hello",
    ),
    ok("SP around ; and =", "5 ; a = b ; c\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("HTAB around ; and =", "5\t;\ta\t=\tb\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("extension on the last chunk", "5\r\nhello\r\n0;done\r\n\r\n", "hello"),
    bad("; alone", "5;\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("empty name", "5;=b\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("empty value", "5;a=\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("two semicolons", "5;;a\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("name then a space then a token", "5;a b\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad(
      "value then a space then a token",
      "5;a=b c\r\nhello\r\n0\r\n\r\n",
      E.INVALID_CHUNK_EXTENSION,
    ),
    bad("@ in the name", "5;a@=b\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("/ in the value", "5;a=b/c\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("obs-text in a token value", "5;a=\xe9\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("NUL in the name", "5;a\x00\r\nhello\r\n0\r\n\r\n", E.INVALID_CHUNK_EXTENSION),
    bad("NUL in a quoted string", '5;a="\x00"\r\nhello\r\n0\r\n\r\n', E.INVALID_CHUNK_EXTENSION),
    bad("DEL in a quoted string", '5;a="\x7f"\r\nhello\r\n0\r\n\r\n', E.INVALID_CHUNK_EXTENSION),
    bad("unclosed quote", '5;a="x\r\nhello\r\n0\r\n\r\n', E.INVALID_CHUNK_EXTENSION),
    bad(
      "text after the closing quote",
      '5;a="x"y\r\nhello\r\n0\r\n\r\n',
      E.INVALID_CHUNK_EXTENSION,
    ),
    bad("quote inside a token", '5;a=b"c"\r\nhello\r\n0\r\n\r\n', E.INVALID_CHUNK_EXTENSION),
    bad("extension line ended by a bare LF", "5;a=b\nhello\r\n0\r\n\r\n", E.CR_EXPECTED),
    bad(
      "invalid extension on the last chunk",
      "5\r\nhello\r\n0;=\r\n\r\n",
      E.INVALID_CHUNK_EXTENSION,
      "hello",
    ),
  ]);
});

describe("trailers", () => {
  runCases([
    ok("no trailers: onTrailers not called", "5\r\nhello\r\n0\r\n\r\n", "hello"),
    ok("one trailer", "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n", "hello", ["X-Checksum", "abc"]),
    ok("trailers after an empty body", "0\r\nX: 1\r\n\r\n", "", ["X", "1"]),
    ok("several trailers, in order, names as sent", "0\r\nb: 2\r\nA: 1\r\nb: 3\r\n\r\n", "", [
      "b",
      "2",
      "A",
      "1",
      "b",
      "3",
    ]),
    ok("trailer values trimmed, internal whitespace kept", "0\r\nX: \t a \t b \t\r\n\r\n", "", [
      "X",
      "a \t b",
    ]),
    ok("empty trailer value", "0\r\nX:\r\n\r\n", "", ["X", ""]),
    ok("obs-text in a trailer value", "0\r\nX: caf\xe9\r\n\r\n", "", ["X", "caf\xe9"]),
    {
      what: "pipelined request after trailers",
      input: `${chunked("0\r\nX: 1\r\n\r\n")}GET / HTTP/1.1\r\nHost: h\r\n\r\n`,
      expected: { events: [...request(HEAD, "", ["X", "1"]), ...request()] },
    },
    bad("space before the colon", "0\r\nX : 1\r\n\r\n", E.INVALID_HEADER_TOKEN),
    bad("space inside the name", "0\r\nX Y: 1\r\n\r\n", E.INVALID_HEADER_TOKEN),
    bad("missing colon", "0\r\nX\r\n\r\n", E.INVALID_HEADER_TOKEN),
    bad("empty name", "0\r\n: 1\r\n\r\n", E.INVALID_HEADER_TOKEN),
    bad("NUL in the value", "0\r\nX: a\x00\r\n\r\n", E.INVALID_HEADER_TOKEN),
    bad("DEL in the value", "0\r\nX: a\x7f\r\n\r\n", E.INVALID_HEADER_TOKEN),
    bad("obs-fold", "0\r\nX: a\r\n b\r\n\r\n", E.UNEXPECTED_SPACE),
    bad(
      "whitespace before the first trailer",
      "0\r\n X: 1\r\n\r\n",
      oneOf(E.UNEXPECTED_SPACE, E.INVALID_HEADER_TOKEN),
    ),
    bad("trailer ended by a bare LF", "0\r\nX: 1\n\r\n", E.CR_EXPECTED),
    bad("trailer section ended by a bare LF", "0\r\nX: 1\r\n\n", E.CR_EXPECTED),
    bad("bare CR in a trailer", "0\r\nX: 1\rY: 2\r\n\r\n", E.LF_EXPECTED),
    bad("trailer section ended by a bare CR", "0\r\nX: 1\r\n\rX", E.LF_EXPECTED),
  ]);
});

describe("maxChunkExtensionSize", () => {
  const ext = (n: number) => `;${"a".repeat(n - 1)}`;
  runCases([
    ok("default: 1 KiB of extensions", `5${ext(1024)}\r\nhello\r\n0\r\n\r\n`, "hello"),
    bad(
      "default: 17 KiB in one extension",
      `5${ext(17 * 1024)}\r\nhello\r\n0\r\n\r\n`,
      E.CHUNK_EXTENSIONS_OVERFLOW,
    ),
    {
      what: "small limit, extensions under it",
      input: chunked(`5${ext(20)}\r\nhello\r\n0${ext(20)}\r\n\r\n`),
      options: { maxChunkExtensionSize: 64 },
      expected: { events: request(HEAD, "hello") },
    },
    {
      what: "small limit, one extension over it",
      input: chunked(`5${ext(100)}\r\nhello\r\n0\r\n\r\n`),
      options: { maxChunkExtensionSize: 64 },
      expected: { events: [headEvent(HEAD)], error: E.CHUNK_EXTENSIONS_OVERFLOW },
    },
    {
      what: "small limit, summed over the chunks of a request",
      input: chunked(`1${ext(40)}\r\na\r\n1${ext(40)}\r\nb\r\n0\r\n\r\n`),
      options: { maxChunkExtensionSize: 64 },
      expected: { events: [headEvent(HEAD), body("a")], error: E.CHUNK_EXTENSIONS_OVERFLOW },
    },
    {
      what: "small limit, counted per request",
      input: `${chunked(`1${ext(40)}\r\na\r\n0\r\n\r\n`)}${chunked(`1${ext(40)}\r\nb\r\n0\r\n\r\n`)}`,
      options: { maxChunkExtensionSize: 64 },
      expected: { events: [...request(HEAD, "a"), ...request(HEAD, "b")] },
    },
    {
      what: "overflow is reported before the line ends",
      input: chunked(`5${ext(100)}`),
      options: { maxChunkExtensionSize: 64, finish: false },
      expected: { events: [headEvent(HEAD)], error: E.CHUNK_EXTENSIONS_OVERFLOW },
    },
  ]);
});
