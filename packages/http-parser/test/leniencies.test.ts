// The named leniencies, each off by default: what the strict parser rejects,
// and what the option lets through instead, whole and at every split. Each
// relaxes its own rule only: the others still hold with it on.

import { describe } from "vitest";
import {
  body,
  complete,
  E,
  get,
  headEvent,
  message,
  request,
  runCases,
  trailers,
} from "./helpers/cases";

const MISSING_HOST = "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n";
const FOLDED = message("GET / HTTP/1.1", ["Host: h", "X-Long: first", " second", "\t third"]);
const BARE_LF = "\nGET / HTTP/1.1\nHost: h\nX-A: b\n\n";
const CHUNKED_BARE_LF =
  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n3;x=y\nabc\n0\nX-T: 1\n\n";
const NO_CRLF_AFTER_CHUNK =
  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello3\r\nabc0\r\n\r\n";
const chunkedHead = {
  method: "POST",
  headers: ["Host", "h", "Transfer-Encoding", "chunked"],
  chunked: true,
};

describe("allowMissingHost", () => {
  runCases([
    {
      what: "off: HTTP/1.1 without Host is 400",
      input: MISSING_HOST,
      expected: { error: E.INVALID_HOST },
    },
    {
      what: "on: accepted",
      input: MISSING_HOST,
      options: { allowMissingHost: true },
      expected: { events: request({ headers: ["Accept", "*/*"] }) },
    },
    {
      what: "on: two Host lines are still 400",
      input: get("Host: i"),
      options: { allowMissingHost: true },
      expected: { error: E.INVALID_HOST },
    },
  ]);
});

describe("allowObsFold", () => {
  runCases([
    { what: "off: a folded line is 400", input: FOLDED, expected: { error: E.UNEXPECTED_SPACE } },
    {
      what: "on: each fold is one SP",
      input: FOLDED,
      options: { allowObsFold: true },
      expected: { events: request({ headers: ["Host", "h", "X-Long", "first second third"] }) },
    },
    {
      what: "on: a fold after an empty value, and a line of whitespace only",
      input: message("GET / HTTP/1.1", ["Host: h", "X-A:", "  b  ", "   ", "X-C: d"]),
      options: { allowObsFold: true },
      expected: { events: request({ headers: ["Host", "h", "X-A", "b", "X-C", "d"] }) },
    },
    {
      what: "on: whitespace before the first field is still 400",
      input: "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
      options: { allowObsFold: true },
      expected: { error: E.UNEXPECTED_SPACE },
    },
    {
      what: "on: a folded Content-Length is still 400",
      input: message("POST / HTTP/1.1", ["Host: h", "Content-Length: 1", " 0"], "0123456789"),
      options: { allowObsFold: true },
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "on: a folded Transfer-Encoding is still 400",
      input: message(
        "POST / HTTP/1.1",
        ["Host: h", "Transfer-Encoding: gzip,", " chunked"],
        "0\r\n\r\n",
      ),
      options: { allowObsFold: true },
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "on: folded trailer fields",
      input:
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n",
      options: { allowObsFold: true },
      expected: { events: [headEvent(chunkedHead), trailers(["X-T", "a b"]), complete] },
    },
  ]);
});

describe("allowBareLf", () => {
  runCases([
    { what: "off: a bare LF is 400", input: BARE_LF, expected: { error: E.CR_EXPECTED } },
    {
      what: "on: LF ends the empty line before, the request line, header lines and the section",
      input: BARE_LF,
      options: { allowBareLf: true },
      expected: { events: request({ headers: ["Host", "h", "X-A", "b"] }) },
    },
    {
      what: "on: LF ends chunk-size lines (with an extension), chunk data and trailers",
      input: CHUNKED_BARE_LF,
      options: { allowBareLf: true },
      expected: {
        events: [headEvent(chunkedHead), body("helloabc"), trailers(["X-T", "1"]), complete],
      },
    },
    {
      what: "on: CRLF and LF mixed in one request",
      input: "GET / HTTP/1.1\r\nHost: h\nX-A: b\r\n\n",
      options: { allowBareLf: true },
      expected: { events: request({ headers: ["Host", "h", "X-A", "b"] }) },
    },
    {
      what: "on: a CR not followed by LF is still 400",
      input: "GET / HTTP/1.1\rHost: h\r\n\r\n",
      options: { allowBareLf: true },
      expected: { error: E.LF_EXPECTED },
    },
    {
      what: "on: a line of chunked framing ending in a bare CR is still 400",
      input:
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n",
      options: { allowBareLf: true },
      expected: { events: [headEvent(chunkedHead)], error: E.LF_EXPECTED },
    },
  ]);
});

describe("allowMissingCrlfAfterChunk", () => {
  runCases([
    {
      what: "off: chunk data not followed by CRLF is 400",
      input: NO_CRLF_AFTER_CHUNK,
      expected: { events: [headEvent(chunkedHead), body("hello")], error: E.CR_EXPECTED },
    },
    {
      what: "on: the next chunk size may follow the data at once",
      input: NO_CRLF_AFTER_CHUNK,
      options: { allowMissingCrlfAfterChunk: true },
      expected: { events: [headEvent(chunkedHead), body("helloabc"), complete] },
    },
    {
      what: "on: data followed by CRLF still reads as before",
      input:
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      options: { allowMissingCrlfAfterChunk: true },
      expected: { events: [headEvent(chunkedHead), body("hello"), complete] },
    },
    {
      what: "on: something other than a chunk size after the data is still 400",
      input:
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhellozz\r\n0\r\n\r\n",
      options: { allowMissingCrlfAfterChunk: true },
      expected: { events: [headEvent(chunkedHead), body("hello")], error: E.INVALID_CHUNK_SIZE },
    },
  ]);
});
