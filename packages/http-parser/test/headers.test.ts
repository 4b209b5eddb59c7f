// Header fields: names, values, whitespace, forbidden bytes, order, and the
// Host rules (README "Header fields", RFC 9112 sections 3.2 and 5, RFC 9110
// section 5.5).
import { describe } from "vitest";
import {
  type Case,
  E,
  type Failure,
  get,
  message,
  oneOf,
  request,
  runCases,
} from "./helpers/cases";

/** `GET / HTTP/1.1` with `Host: h` then `line`: accepted, or rejected with `error`. */
const field = (what: string, line: string, headers: string[]): Case => ({
  what,
  input: get(line),
  expected: { events: request({ headers: ["Host", "h", ...headers] }) },
});
const badField = (what: string, line: string, error: Failure): Case => ({
  what,
  input: get(line),
  expected: { error },
});

describe("field names", () => {
  runCases([
    field("simple name", "X-Custom: v", ["X-Custom", "v"]),
    field("every tchar", "!#$%&'*+-.^_`|~09azAZ: v", ["!#$%&'*+-.^_`|~09azAZ", "v"]),
    field("one-character name", "X: v", ["X", "v"]),
    field("case preserved", "x-MiXeD-CaSe: v", ["x-MiXeD-CaSe", "v"]),
    field("no space after the colon", "X:v", ["X", "v"]),
    badField("empty name", ": v", E.INVALID_HEADER_TOKEN),
    badField("SP before the colon", "X-Custom : v", E.INVALID_HEADER_TOKEN),
    badField("HTAB before the colon", "X-Custom\t: v", E.INVALID_HEADER_TOKEN),
    badField("missing colon", "X-No-Colon", E.INVALID_HEADER_TOKEN),
    badField("missing colon, value after a space", "X-No-Colon value", E.INVALID_HEADER_TOKEN),
    badField("( in the name", "X(: v", E.INVALID_HEADER_TOKEN),
    badField('" in the name', 'X": v', E.INVALID_HEADER_TOKEN),
    badField("/ in the name", "X/Y: v", E.INVALID_HEADER_TOKEN),
    badField("@ in the name", "X@Y: v", E.INVALID_HEADER_TOKEN),
    badField("[ in the name", "X[: v", E.INVALID_HEADER_TOKEN),
    badField("{ in the name", "X{: v", E.INVALID_HEADER_TOKEN),
    badField("= in the name", "X=Y: v", E.INVALID_HEADER_TOKEN),
    badField("NUL in the name", "X\x00Y: v", E.INVALID_HEADER_TOKEN),
    badField("DEL in the name", "X\x7f: v", E.INVALID_HEADER_TOKEN),
    badField("obs-text in the name", "X\xe9: v", E.INVALID_HEADER_TOKEN),
    badField("SP inside the name", "X Y: v", E.INVALID_HEADER_TOKEN),
  ]);
});

describe("whitespace around lines", () => {
  runCases([
    {
      what: "obs-fold with SP",
      input: get("X: a", " b"),
      expected: { error: E.UNEXPECTED_SPACE },
    },
    {
      what: "obs-fold with HTAB",
      input: get("X: a", "\tb"),
      expected: { error: E.UNEXPECTED_SPACE },
    },
    {
      what: "whitespace before the first header",
      input: "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
      expected: { error: E.UNEXPECTED_SPACE },
    },
    {
      what: "HTAB before the first header",
      input: "GET / HTTP/1.1\r\n\tHost: h\r\n\r\n",
      expected: { error: E.UNEXPECTED_SPACE },
    },
    {
      what: "a line of only SP before the end of the section",
      input: "GET / HTTP/1.1\r\nHost: h\r\n \r\n\r\n",
      expected: { error: E.UNEXPECTED_SPACE },
    },
  ]);
});

describe("field values", () => {
  runCases([
    field("leading and trailing SP trimmed", "X:   a  ", ["X", "a"]),
    field("leading and trailing HTAB trimmed", "X:\ta\t", ["X", "a"]),
    field("mixed SP and HTAB trimmed", "X: \t \ta b\t \t", ["X", "a b"]),
    field("internal whitespace kept", "X: a \t b", ["X", "a \t b"]),
    field("empty value", "X:", ["X", ""]),
    field("value of only whitespace is empty", "X: \t ", ["X", ""]),
    field("visible ASCII kept", "X: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", [
      "X",
      "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ]),
    field("colons in the value kept", "X: a:b: c", ["X", "a:b: c"]),
    field("obs-text kept as latin1", "X: caf\xe9 \x80\xff", ["X", "caf\xe9 \x80\xff"]),
    field("obs-text at both ends not trimmed", "X: \xa0a\xa0", ["X", "\xa0a\xa0"]),
    badField("NUL in the value", "X: a\x00b", E.INVALID_HEADER_TOKEN),
    badField("NUL at the end of the value", "X: a\x00", E.INVALID_HEADER_TOKEN),
    badField("SOH in the value", "X: a\x01b", E.INVALID_HEADER_TOKEN),
    badField("VT in the value", "X: a\x0bb", E.INVALID_HEADER_TOKEN),
    badField("FF in the value", "X: a\x0cb", E.INVALID_HEADER_TOKEN),
    badField("ESC in the value", "X: a\x1bb", E.INVALID_HEADER_TOKEN),
    badField("US in the value", "X: a\x1fb", E.INVALID_HEADER_TOKEN),
    badField("DEL in the value", "X: a\x7fb", E.INVALID_HEADER_TOKEN),
    badField("control right after the colon", "X:\x01", E.INVALID_HEADER_TOKEN),
    badField("bare CR in the value", "X: a\rb", E.LF_EXPECTED),
    badField("bare LF in the value", "X: a\nb", E.CR_EXPECTED),
  ]);
});

describe("line endings", () => {
  runCases([
    {
      what: "header line ended by a bare LF",
      input: "GET / HTTP/1.1\r\nHost: h\n\r\n",
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "header line ended by a bare CR",
      input: "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
      expected: { error: E.LF_EXPECTED },
    },
    {
      what: "header section ended by a bare LF",
      input: "GET / HTTP/1.1\r\nHost: h\r\n\n",
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "header section ended by a bare CR",
      input: "GET / HTTP/1.1\r\nHost: h\r\n\rX",
      expected: { error: E.LF_EXPECTED },
    },
    {
      what: "bare LF right after the name",
      input: "GET / HTTP/1.1\r\nHost: h\r\nX\n\r\n",
      expected: { error: oneOf(E.CR_EXPECTED, E.INVALID_HEADER_TOKEN) },
    },
  ]);
});

describe("order and repetition", () => {
  runCases([
    field("several fields in order", "B: 2\r\nA: 1\r\nC: 3", ["B", "2", "A", "1", "C", "3"]),
    field("repeated names all kept, in order", "X: 1\r\nx: 2\r\nX: 3", [
      "X",
      "1",
      "x",
      "2",
      "X",
      "3",
    ]),
    field("same name, same value twice", "X: 1\r\nX: 1", ["X", "1", "X", "1"]),
    field("__proto__ is a name like any other", "__proto__: x", ["__proto__", "x"]),
    field("constructor is a name like any other", "constructor: x", ["constructor", "x"]),
    {
      what: "Host need not be first",
      input: message("GET / HTTP/1.1", ["A: 1", "host: h", "B: 2"]),
      expected: { events: request({ headers: ["A", "1", "host", "h", "B", "2"] }) },
    },
  ]);
});

describe("Host", () => {
  const host = (value: string): Case => ({
    what: `Host: ${value === "" ? "(empty)" : value}`,
    input: message("GET / HTTP/1.1", [`Host: ${value}`]),
    expected: { events: request({ headers: ["Host", value] }) },
  });
  const badHost = (what: string, lines: string[], version = "1.1"): Case => ({
    what,
    input: message(`GET / HTTP/${version}`, lines),
    expected: { error: E.INVALID_HOST },
  });
  runCases([
    host("example.com"),
    host("example.com:8080"),
    host("EXAMPLE.com"),
    host("127.0.0.1"),
    host("127.0.0.1:80"),
    host("[::1]"),
    host("[::1]:8080"),
    host("xn--bcher-kva.example"),
    host("a-b_c~d.e"),
    host(""),
    {
      what: "Host value trimmed",
      input: message("GET / HTTP/1.1", ["Host: \t h:1 \t"]),
      expected: { events: request({ headers: ["Host", "h:1"] }) },
    },
    {
      what: "HTTP/1.0 without Host",
      input: message("GET / HTTP/1.0", ["X: 1"]),
      expected: { events: request({ versionMinor: 0, headers: ["X", "1"], keepAlive: false }) },
    },
    {
      what: "HTTP/1.0 with Host",
      input: message("GET / HTTP/1.0", ["Host: h"]),
      expected: { events: request({ versionMinor: 0, keepAlive: false }) },
    },
    badHost("HTTP/1.1 without Host", ["X: 1"]),
    badHost("HTTP/1.1 with no header at all", []),
    badHost("two Host lines, same value", ["Host: h", "Host: h"]),
    badHost("two Host lines, different values", ["Host: a", "Host: b"]),
    badHost("two Host lines, different case", ["host: h", "HOST: h"]),
    badHost("two Host lines on HTTP/1.0", ["Host: a", "Host: b"], "1.0"),
    badHost("empty Host, then another", ["Host:", "Host: h"]),
    badHost("space inside", ["Host: a b"]),
    badHost("userinfo", ["Host: x@y"]),
    badHost("a path", ["Host: /"]),
    badHost("host and path", ["Host: h/p"]),
    badHost("query", ["Host: h?q"]),
    badHost("fragment", ["Host: h#f"]),
    badHost("comma list", ["Host: a, b"]),
    badHost("non-digit port", ["Host: h:abc"]),
    badHost("two ports", ["Host: h:1:2"]),
    badHost("unclosed IP literal", ["Host: [::1"]),
    badHost("IP literal, garbage after", ["Host: [::1]x"]),
    badHost("double quote", ['Host: "h"']),
    badHost("backslash", ["Host: h\\x"]),
    badHost("obs-text", ["Host: h\xe9"]),
    badHost("invalid Host on HTTP/1.0", ["Host: a b"], "1.0"),
  ]);
});
