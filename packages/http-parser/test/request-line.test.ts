// The request line: method, request-target forms and characters, version,
// separators, skipped empty lines and line endings (README "Request line",
// RFC 9112 sections 2.2 and 3).
import { describe } from "vitest";
import {
  type Case,
  E,
  type Failure,
  get,
  headEvent,
  oneOf,
  request,
  runCases,
} from "./helpers/cases";

/** A request with `requestLine` and a `Host: h` header. */
const line = (requestLine: string): string => `${requestLine}\r\nHost: h\r\n\r\n`;
const ok = (what: string, requestLine: string, fields: Parameters<typeof request>[0]): Case => ({
  what,
  input: line(requestLine),
  expected: { events: request(fields) },
});
const bad = (what: string, requestLine: string, error: Failure): Case => ({
  what,
  input: line(requestLine),
  expected: { error },
});

describe("method", () => {
  runCases([
    ok("GET", "GET / HTTP/1.1", {}),
    ok("POST without a body", "POST / HTTP/1.1", { method: "POST" }),
    ok("lowercase method, as sent", "get / HTTP/1.1", { method: "get" }),
    ok("mixed-case method, as sent", "Get / HTTP/1.1", { method: "Get" }),
    ok("extension method", "M-SEARCH / HTTP/1.1", { method: "M-SEARCH" }),
    ok("WebDAV method", "PROPPATCH / HTTP/1.1", { method: "PROPPATCH" }),
    ok("prefix of a known method", "GE / HTTP/1.1", { method: "GE" }),
    ok("known method with a suffix", "GETS / HTTP/1.1", { method: "GETS" }),
    ok("known method with a prefix", "XPOST / HTTP/1.1", { method: "XPOST" }),
    ok("one-character method", "X / HTTP/1.1", { method: "X" }),
    ok("every tchar", "!#$%&'*+-.^_`|~09azAZ / HTTP/1.1", { method: "!#$%&'*+-.^_`|~09azAZ" }),
    {
      what: "interned and fresh methods come out as sent, request after request",
      input: `${line("GET / HTTP/1.1")}${line("GETX / HTTP/1.1")}${line("get / HTTP/1.1")}`,
      expected: {
        events: [
          ...request({ method: "GET" }),
          ...request({ method: "GETX" }),
          ...request({ method: "get" }),
        ],
      },
    },
    bad("( in the method", "GE(T / HTTP/1.1", E.INVALID_METHOD),
    bad('" in the method', 'GE"T / HTTP/1.1', E.INVALID_METHOD),
    bad(", in the method", "GE,T / HTTP/1.1", E.INVALID_METHOD),
    bad("/ in the method", "GET/ / HTTP/1.1", E.INVALID_METHOD),
    bad(": in the method", "GE:T / HTTP/1.1", E.INVALID_METHOD),
    bad("@ in the method", "GE@T / HTTP/1.1", E.INVALID_METHOD),
    bad("[ in the method", "GE[T / HTTP/1.1", E.INVALID_METHOD),
    bad("{ in the method", "GE{T / HTTP/1.1", E.INVALID_METHOD),
    bad("NUL in the method", "GE\x00T / HTTP/1.1", E.INVALID_METHOD),
    bad("DEL in the method", "GE\x7fT / HTTP/1.1", E.INVALID_METHOD),
    bad("obs-text in the method", "GE\xe9T / HTTP/1.1", E.INVALID_METHOD),
    bad("HTAB instead of SP", "GET\t/ HTTP/1.1", oneOf(E.INVALID_METHOD, E.UNEXPECTED_SPACE)),
    bad("empty method (leading SP)", " / HTTP/1.1", oneOf(E.INVALID_METHOD, E.UNEXPECTED_SPACE)),
  ]);
});

describe("origin-form", () => {
  runCases([
    ok("path and query", "GET /a/b?x=1&y=2 HTTP/1.1", { target: "/a/b?x=1&y=2" }),
    ok("percent-escapes, either case", "GET /%20%7e%7E%aF%Af HTTP/1.1", {
      target: "/%20%7e%7E%aF%Af",
    }),
    ok("unreserved, sub-delims, : and @", "GET /-._~!$&'()*+,;=:@ HTTP/1.1", {
      target: "/-._~!$&'()*+,;=:@",
    }),
    ok("/ and ? inside the query", "GET /p?a/b?c HTTP/1.1", { target: "/p?a/b?c" }),
    ok("empty segments", "GET //a//b/ HTTP/1.1", { target: "//a//b/" }),
    ok("empty query", "GET /? HTTP/1.1", { target: "/?" }),
    ok("dot segments as sent", "GET /a/../b/./c HTTP/1.1", { target: "/a/../b/./c" }),
    ok("origin-form for OPTIONS", "OPTIONS /x HTTP/1.1", { method: "OPTIONS", target: "/x" }),
    bad("does not start with /", "GET a/b HTTP/1.1", E.INVALID_URL),
    bad("query alone", "GET ?x=1 HTTP/1.1", E.INVALID_URL),
    bad("CONNECT with origin-form", "CONNECT / HTTP/1.1", E.INVALID_URL),
  ]);
});

describe("forbidden target characters", () => {
  const forbidden: [string, string][] = [
    ['"', "double quote"],
    ["<", "<"],
    [">", ">"],
    ["\\", "backslash"],
    ["^", "^"],
    ["`", "backtick"],
    ["{", "{"],
    ["|", "|"],
    ["}", "}"],
    ["#", "# (fragment)"],
    ["\x00", "NUL"],
    ["\x01", "SOH"],
    ["\t", "HTAB"],
    ["\x0b", "VT"],
    ["\x0c", "FF"],
    ["\x1f", "US"],
    ["\x7f", "DEL"],
    ["\x80", "0x80"],
    ["\xe9", "0xE9 (latin1 é)"],
    ["\xff", "0xFF"],
  ];
  runCases(
    forbidden.flatMap(([c, name]): Case[] => [
      bad(`${name} in the path`, `GET /a${c}b HTTP/1.1`, E.INVALID_URL),
      bad(`${name} in the query`, `GET /a?q=${c} HTTP/1.1`, E.INVALID_URL),
      bad(`${name} in absolute-form`, `GET http://h/${c} HTTP/1.1`, E.INVALID_URL),
    ]),
  );
});

describe("percent-escapes", () => {
  runCases([
    ok("escape at the very end", "GET /a%41 HTTP/1.1", { target: "/a%41" }),
    ok("escape of %", "GET /%25 HTTP/1.1", { target: "/%25" }),
    bad("% alone", "GET /% HTTP/1.1", E.INVALID_URL),
    bad("% and one hex digit", "GET /%4 HTTP/1.1", E.INVALID_URL),
    bad("% and non-hex", "GET /%zz HTTP/1.1", E.INVALID_URL),
    bad("second digit not hex", "GET /%4g HTTP/1.1", E.INVALID_URL),
    bad("first digit not hex", "GET /%g4 HTTP/1.1", E.INVALID_URL),
    bad("%% then hex", "GET /%%41 HTTP/1.1", E.INVALID_URL),
    bad("bad escape in the query", "GET /?a=%x1 HTTP/1.1", E.INVALID_URL),
    bad("bad escape in absolute-form", "GET http://h/%G0 HTTP/1.1", E.INVALID_URL),
  ]);
});

describe("absolute-form", () => {
  runCases([
    ok("http URI", "GET http://example.com/a?b=c HTTP/1.1", {
      target: "http://example.com/a?b=c",
    }),
    ok("https with port", "GET https://h:8443/ HTTP/1.1", { target: "https://h:8443/" }),
    ok("uppercase scheme and host", "GET HTTP://EXAMPLE.COM/ HTTP/1.1", {
      target: "HTTP://EXAMPLE.COM/",
    }),
    ok("scheme with + - . and digits", "GET svn+ssh.v2-x://h/ HTTP/1.1", {
      target: "svn+ssh.v2-x://h/",
    }),
    ok("no path", "GET http://h HTTP/1.1", { target: "http://h" }),
    ok("IP literal in brackets", "GET http://[::1]:8080/p HTTP/1.1", {
      target: "http://[::1]:8080/p",
    }),
    ok("absolute-form for OPTIONS", "OPTIONS http://h/ HTTP/1.1", {
      method: "OPTIONS",
      target: "http://h/",
    }),
    bad("empty scheme", "GET :x HTTP/1.1", E.INVALID_URL),
    bad("scheme starting with a digit", "GET 1http://h/ HTTP/1.1", E.INVALID_URL),
    bad("scheme with _", "GET ht_tp://h/ HTTP/1.1", E.INVALID_URL),
    bad("CONNECT with absolute-form", "CONNECT http://h:443/ HTTP/1.1", E.INVALID_URL),
  ]);
});

describe("authority-form", () => {
  const connect = (target: string) => ({
    method: "CONNECT",
    target,
    upgrade: true,
  });
  runCases([
    ok("host and port", "CONNECT example.com:443 HTTP/1.1", connect("example.com:443")),
    ok("IPv4 and port", "CONNECT 127.0.0.1:8080 HTTP/1.1", connect("127.0.0.1:8080")),
    ok("IPv6 literal and port", "CONNECT [::1]:443 HTTP/1.1", connect("[::1]:443")),
    bad("no port", "CONNECT example.com HTTP/1.1", E.INVALID_URL),
    bad("IPv6 literal, no port", "CONNECT [::1] HTTP/1.1", E.INVALID_URL),
    bad("non-digit port", "CONNECT example.com:https HTTP/1.1", E.INVALID_URL),
    bad("path after the port", "CONNECT h:443/p HTTP/1.1", E.INVALID_URL),
    bad("userinfo", "CONNECT user@h:443 HTTP/1.1", E.INVALID_URL),
    bad("asterisk for CONNECT", "CONNECT * HTTP/1.1", E.INVALID_URL),
    bad("authority-form for GET", "GET 127.0.0.1:80 HTTP/1.1", E.INVALID_URL),
    bad("IPv6 authority-form for GET", "GET [::1]:80 HTTP/1.1", E.INVALID_URL),
  ]);
});

describe("asterisk-form", () => {
  runCases([
    ok("OPTIONS *", "OPTIONS * HTTP/1.1", { method: "OPTIONS", target: "*" }),
    bad("GET *", "GET * HTTP/1.1", E.INVALID_URL),
    bad("lowercase options is another method", "options * HTTP/1.1", E.INVALID_URL),
    bad("* followed by a path", "OPTIONS */x HTTP/1.1", E.INVALID_URL),
    bad("two asterisks", "OPTIONS ** HTTP/1.1", E.INVALID_URL),
  ]);
});

describe("[ and ]", () => {
  runCases([
    ok("in absolute-form host", "GET http://[fe80::1]/ HTTP/1.1", { target: "http://[fe80::1]/" }),
    ok("in authority-form host", "CONNECT [fe80::1]:80 HTTP/1.1", {
      method: "CONNECT",
      target: "[fe80::1]:80",
      upgrade: true,
    }),
    bad("[ in origin-form path", "GET /[ HTTP/1.1", E.INVALID_URL),
    bad("] in origin-form path", "GET /] HTTP/1.1", E.INVALID_URL),
    bad("brackets in origin-form query", "GET /?a=[1] HTTP/1.1", E.INVALID_URL),
  ]);
});

describe("version", () => {
  runCases([
    {
      what: "HTTP/1.0 needs no Host and is not kept alive",
      input: "GET / HTTP/1.0\r\n\r\n",
      expected: { events: request({ versionMinor: 0, headers: [], keepAlive: false }) },
    },
    ok("HTTP/1.1", "GET / HTTP/1.1", { versionMinor: 1 }),
    bad("HTTP/2.0", "GET / HTTP/2.0", E.UNSUPPORTED_VERSION),
    bad("HTTP/1.2", "GET / HTTP/1.2", E.UNSUPPORTED_VERSION),
    bad("HTTP/0.9", "GET / HTTP/0.9", E.UNSUPPORTED_VERSION),
    bad("HTTP/3.0", "GET / HTTP/3.0", E.UNSUPPORTED_VERSION),
    bad("HTTP/9.9", "GET / HTTP/9.9", E.UNSUPPORTED_VERSION),
    bad("HTTP/1.10", "GET / HTTP/1.10", E.INVALID_VERSION),
    bad("HTTP/1.1.1", "GET / HTTP/1.1.1", E.INVALID_VERSION),
    bad("HTTP/11", "GET / HTTP/11", E.INVALID_VERSION),
    bad("HTTP/12.0", "GET / HTTP/12.0", E.INVALID_VERSION),
    bad("lowercase http/1.1", "GET / http/1.1", E.INVALID_VERSION),
    bad("Http/1.1", "GET / Http/1.1", E.INVALID_VERSION),
    bad("HTTP/1 without minor", "GET / HTTP/1", E.INVALID_VERSION),
    bad("HTTP/1. without minor digit", "GET / HTTP/1.", E.INVALID_VERSION),
    bad("HTTP/ without digits", "GET / HTTP/", E.INVALID_VERSION),
    bad("HTTPS/1.1", "GET / HTTPS/1.1", E.INVALID_VERSION),
    bad("HTTP/a.b", "GET / HTTP/a.b", E.INVALID_VERSION),
    bad("HTTP/1,1", "GET / HTTP/1,1", E.INVALID_VERSION),
    bad("HTTP/-1.1", "GET / HTTP/-1.1", E.INVALID_VERSION),
    bad("no version (HTTP/0.9 request)", "GET /", oneOf(E.INVALID_URL, E.INVALID_VERSION)),
    bad(
      "space inside the version",
      "GET / HTTP/ 1.1",
      oneOf(E.INVALID_VERSION, E.UNEXPECTED_SPACE),
    ),
  ]);
});

describe("spaces", () => {
  runCases([
    bad("two spaces after the method", "GET  / HTTP/1.1", E.UNEXPECTED_SPACE),
    bad("two spaces before the version", "GET /  HTTP/1.1", E.UNEXPECTED_SPACE),
    bad("empty target", "GET  HTTP/1.1", oneOf(E.UNEXPECTED_SPACE, E.INVALID_URL)),
    bad("trailing space", "GET / HTTP/1.1 ", oneOf(E.UNEXPECTED_SPACE, E.INVALID_VERSION)),
    bad("space inside the target", "GET /a b HTTP/1.1", E.INVALID_VERSION),
  ]);
});

describe("empty lines and line endings", () => {
  const GET = get();
  runCases([
    { what: "one leading CRLF is skipped", input: `\r\n${GET}`, expected: { events: request() } },
    {
      what: "several leading CRLFs are skipped",
      input: `\r\n\r\n\r\n${GET}`,
      expected: { events: request() },
    },
    {
      what: "CRLFs between pipelined requests are skipped",
      input: `${GET}\r\n\r\n${GET}`,
      expected: { events: [...request(), ...request()] },
    },
    {
      what: "CRLFs after the last request are consumed",
      input: `${GET}\r\n\r\n`,
      expected: { events: request() },
    },
    { what: "only CRLFs", input: "\r\n\r\n", expected: { events: [] } },
    { what: "bare LF as an empty line", input: `\n${GET}`, expected: { error: E.CR_EXPECTED } },
    {
      what: "bare LF after a CRLF line",
      input: `\r\n\n${GET}`,
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "bare LF between pipelined requests",
      input: `${GET}\n${GET}`,
      expected: { events: request(), error: E.CR_EXPECTED },
    },
    { what: "bare CR as an empty line", input: `\r${GET}`, expected: { error: E.LF_EXPECTED } },
    { what: "CR CR LF", input: `\r\r\n${GET}`, expected: { error: E.LF_EXPECTED } },
    {
      what: "request line ended by a bare LF",
      input: "GET / HTTP/1.1\nHost: h\r\n\r\n",
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "request line ended by a bare CR",
      input: "GET / HTTP/1.1\rHost: h\r\n\r\n",
      expected: { error: E.LF_EXPECTED },
    },
    {
      what: "bare LF inside the target",
      input: "GET /a\nb HTTP/1.1\r\nHost: h\r\n\r\n",
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "bare CR inside the target",
      input: "GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n",
      // The line ended (at the CR) before a protocol version.
      expected: { error: E.INVALID_VERSION },
    },
    {
      what: "head event of a request split over many lines is not emitted early",
      input: "GET / HTTP/1.1\r\nHost: h\r\n",
      options: { finish: false },
      expected: { events: [] },
    },
    {
      what: "head event once the empty line arrives",
      input: "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
      options: { finish: false },
      expected: { events: [headEvent(), { type: "complete" }] },
    },
  ]);
});
