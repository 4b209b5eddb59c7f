// Status-line and header-section rules of ResponseParser (README, "Responses"):
// each case whole, at every split and one byte at a time.
import { describe } from "vitest";
import { bad, ok, raw, response, runResponseCases } from "./helpers/response-cases";

const CL0 = "Content-Length: 0";

describe("status line", () => {
  runResponseCases([
    {
      what: "HTTP/1.1 200 OK",
      input: ok([CL0]),
      expected: { events: response({ headers: ["Content-Length", "0"], contentLength: 0 }) },
    },
    {
      what: "HTTP/1.0: not keep-alive",
      input: raw("HTTP/1.0 200 OK", [CL0]),
      expected: {
        events: response({
          versionMinor: 0,
          headers: ["Content-Length", "0"],
          contentLength: 0,
          keepAlive: false,
        }),
      },
    },
    {
      what: "empty reason after the SP",
      input: raw("HTTP/1.1 204 ", []),
      expected: { events: response({ status: 204, reason: "" }) },
    },
    {
      what: "reason with SP, HTAB and obs-text (latin1)",
      input: raw("HTTP/1.1 404 Not \tFound \xe9", []),
      expected: {
        events: response({
          status: 404,
          reason: "Not \tFound \xe9",
          untilClose: true,
          keepAlive: false,
        }),
      },
    },
    {
      what: "status 999 is a status",
      input: raw("HTTP/1.1 999 Odd", [CL0]),
      expected: {
        events: response({
          status: 999,
          reason: "Odd",
          headers: ["Content-Length", "0"],
          contentLength: 0,
        }),
      },
    },
    {
      what: "empty lines before the status line are skipped",
      input: `\r\n\r\n${raw("HTTP/1.1 204 No Content", [])}`,
      expected: { events: response({ status: 204, reason: "No Content" }) },
    },
    {
      what: "no SP after the status code",
      input: raw("HTTP/1.1 200", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "two-digit status",
      input: raw("HTTP/1.1 20 OK", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "four-digit status",
      input: raw("HTTP/1.1 2000 OK", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "status below 100",
      input: raw("HTTP/1.1 099 Low", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "letters in the status",
      input: raw("HTTP/1.1 2x0 OK", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "two SPs before the status",
      input: raw("HTTP/1.1  200 OK", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "control byte in the reason",
      input: raw("HTTP/1.1 200 O\x01K", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "DEL in the reason",
      input: raw("HTTP/1.1 200 O\x7fK", []),
      expected: { error: bad("INVALID_STATUS") },
    },
    {
      what: "HTTP/2.0",
      input: raw("HTTP/2.0 200 OK", []),
      expected: { error: bad("UNSUPPORTED_VERSION") },
    },
    {
      what: "HTTP/1.2",
      input: raw("HTTP/1.2 200 OK", []),
      expected: { error: bad("UNSUPPORTED_VERSION") },
    },
    {
      what: "lower-case version",
      input: raw("http/1.1 200 OK", []),
      expected: { error: bad("INVALID_VERSION") },
    },
    {
      what: "version without SP",
      input: raw("HTTP/1.1\t200 OK", []),
      expected: { error: bad("INVALID_VERSION") },
    },
    {
      what: "a request line",
      input: raw("GET / HTTP/1.1", ["Host: a"]),
      expected: { error: bad("INVALID_VERSION") },
    },
    {
      what: "status line ends in a bare LF",
      input: "HTTP/1.1 204 No Content\n\r\n",
      expected: { error: bad("CR_EXPECTED") },
    },
    {
      what: "bare LF with allowBareLf",
      input: "HTTP/1.1 204 No Content\n\n",
      options: { allowBareLf: true },
      expected: { events: response({ status: 204, reason: "No Content" }) },
    },
    {
      what: "CR not followed by LF",
      input: "HTTP/1.1 204 No Content\rX\r\n\r\n",
      expected: { error: bad("LF_EXPECTED") },
    },
    {
      what: "bare LF before the status line",
      input: `\n${raw("HTTP/1.1 204 ", [])}`,
      expected: { error: bad("CR_EXPECTED") },
    },
  ]);
});

describe("header section", () => {
  runResponseCases([
    {
      what: "names as sent, values trimmed of OWS",
      input: ok(["Server:  x \t", "X-A:b", CL0]),
      expected: {
        events: response({
          headers: ["Server", "x", "X-A", "b", "Content-Length", "0"],
          contentLength: 0,
        }),
      },
    },
    {
      what: "no Host rule, no Expect rule: a response carries neither meaning",
      input: ok(["Host: a b", "Expect: nothing", CL0]),
      expected: {
        events: response({
          headers: ["Host", "a b", "Expect", "nothing", "Content-Length", "0"],
          contentLength: 0,
        }),
      },
    },
    {
      what: "space before the colon",
      input: ok(["Server : x"]),
      expected: { error: bad("INVALID_HEADER_TOKEN") },
    },
    {
      what: "control byte in a value",
      input: ok(["Server: a\x01"]),
      expected: { error: bad("INVALID_HEADER_TOKEN") },
    },
    {
      what: "obs-fold rejected",
      input: ok(["Server: a", " b", CL0]),
      expected: { error: bad("UNEXPECTED_SPACE") },
    },
    {
      what: "obs-fold with allowObsFold",
      input: ok(["Server: a", " b", CL0]),
      options: { allowObsFold: true },
      expected: {
        events: response({ headers: ["Server", "a b", "Content-Length", "0"], contentLength: 0 }),
      },
    },
    {
      what: "obs-fold in Content-Length even with allowObsFold",
      input: ok(["Content-Length: 1", " 2"], "x"),
      options: { allowObsFold: true },
      expected: { error: bad("INVALID_HEADER_TOKEN") },
    },
    {
      what: "more fields than maxHeaderCount",
      input: ok(["A: 1", "B: 2"]),
      options: { maxHeaderCount: 1 },
      expected: { error: bad("TOO_MANY_HEADERS") },
    },
    {
      what: "section longer than maxHeaderSize",
      input: ok(["Server: a-long-value-to-pass-the-limit", CL0]),
      options: { maxHeaderSize: 32 },
      expected: { error: bad("HEADER_OVERFLOW") },
    },
    {
      what: "status line longer than maxHeaderSize",
      input: raw(`HTTP/1.1 200 ${"x".repeat(40)}`, [CL0]),
      options: { maxHeaderSize: 32 },
      expected: { error: bad("HEADER_OVERFLOW") },
    },
  ]);
});
