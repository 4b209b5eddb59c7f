// Request-smuggling vectors: inputs on which a front end and a back end could
// disagree about where a request ends. Each is rejected with a fixed code, or
// accepted with exactly one reading (README "Behaviour"; RFC 9112 section 11.2;
// PortSwigger's "HTTP request smuggling" and "HTTP/1.1 must die" vectors).
import { describe } from "vitest";
import { body, type Case, E, get, headEvent, oneOf, request, runCases } from "./helpers/cases";

/** A second request an attacker hopes a back end will see. */
const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: h\r\n\r\n";
const CHUNKED_HEAD = {
  method: "POST",
  headers: ["Host", "h", "Transfer-Encoding", "chunked"],
  chunked: true,
};
const withLines = (lines: string, content = "0\r\n\r\n") =>
  `POST / HTTP/1.1\r\nHost: h\r\n${lines}\r\n\r\n${content}`;

describe("request smuggling", () => {
  const cases: Case[] = [
    // CL.TE: the front end frames by Content-Length, the back end by chunked.
    {
      what: "CL.TE: Content-Length then Transfer-Encoding",
      input: withLines("Content-Length: 6\r\nTransfer-Encoding: chunked", `0\r\n\r\nG${SMUGGLED}`),
      expected: { error: E.UNEXPECTED_CONTENT_LENGTH },
    },
    // TE.CL: the front end frames by chunked, the back end by Content-Length.
    {
      what: "TE.CL: Transfer-Encoding then Content-Length",
      input: withLines(
        "Transfer-Encoding: chunked\r\nContent-Length: 3",
        `8\r\nSMUGGLED\r\n0\r\n\r\n`,
      ),
      expected: { error: E.UNEXPECTED_CONTENT_LENGTH },
    },
    // TE.TE: a Transfer-Encoding one side ignores and the other honours.
    {
      what: "TE.TE: xchunked",
      input: withLines("Transfer-Encoding: xchunked"),
      expected: { error: E.INVALID_TRANSFER_ENCODING },
    },
    {
      what: "TE.TE: space before the colon",
      input: withLines("Transfer-Encoding : chunked"),
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "TE.TE: HTAB before the value is valid OWS",
      input: withLines("Transfer-Encoding:\tchunked", `5\r\nhello\r\n0\r\n\r\n`),
      expected: { events: request(CHUNKED_HEAD, "hello") },
    },
    {
      what: "TE.TE: chunked, identity",
      input: withLines("Transfer-Encoding: chunked, identity"),
      expected: { error: E.INVALID_TRANSFER_ENCODING },
    },
    {
      what: "TE.TE: chunked then a second line with another coding",
      input: withLines("Transfer-Encoding: chunked\r\nTransfer-Encoding: x"),
      expected: { error: E.INVALID_TRANSFER_ENCODING },
    },
    {
      what: "TE.TE: quoted chunked",
      input: withLines('Transfer-Encoding: "chunked"'),
      expected: { error: E.INVALID_TRANSFER_ENCODING },
    },
    {
      what: "TE.TE: chunked with a vertical tab",
      input: withLines("Transfer-Encoding: \x0bchunked"),
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "TE.TE: chunked with a NUL",
      input: withLines("Transfer-Encoding: chunked\x00"),
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "TE.TE: Transfer-Encoding folded onto the previous line",
      input: withLines("X: y\r\n Transfer-Encoding: chunked"),
      expected: { error: E.UNEXPECTED_SPACE },
    },
    {
      what: "TE.TE: chunked on an obs-fold continuation",
      input: withLines("Transfer-Encoding:\r\n chunked"),
      expected: { error: oneOf(E.UNEXPECTED_SPACE, E.INVALID_TRANSFER_ENCODING) },
    },
    {
      what: "TE.TE: Transfer_Encoding is just another header, no body",
      input: get("Transfer_Encoding: chunked"),
      expected: { events: request({ headers: ["Host", "h", "Transfer_Encoding", "chunked"] }) },
    },
    // CL.CL: two lengths, each side picks a different one.
    {
      what: "CL.CL: two differing Content-Length lines",
      input: withLines("Content-Length: 0\r\nContent-Length: 37", SMUGGLED),
      expected: { error: E.INVALID_CONTENT_LENGTH },
    },
    {
      what: "CL.CL: differing values in one list",
      input: withLines("Content-Length: 0, 37", SMUGGLED),
      expected: { error: E.INVALID_CONTENT_LENGTH },
    },
    // Content-Length that some parsers read leniently (atoi, strtol).
    {
      what: "Content-Length with a plus sign",
      input: withLines("Content-Length: +5", "hello"),
      expected: { error: E.INVALID_CONTENT_LENGTH },
    },
    {
      what: "Content-Length with a space inside",
      input: withLines("Content-Length: 1 5", "hello"),
      expected: { error: E.INVALID_CONTENT_LENGTH },
    },
    {
      what: "Content-Length with trailing garbage",
      input: withLines("Content-Length: 5x", "hello"),
      expected: { error: E.INVALID_CONTENT_LENGTH },
    },
    {
      what: "Content-Length that wraps to 0 in 64 bits",
      input: withLines("Content-Length: 18446744073709551616", SMUGGLED),
      expected: { error: E.INVALID_CONTENT_LENGTH },
    },
    {
      what: "Content-Length: space before the colon",
      input: withLines("Content-Length : 5", "hello"),
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    // Line-ending confusion: a bare CR or LF ends a line for some parsers only.
    {
      what: "bare CR hides a header",
      input: withLines("X: a\rTransfer-Encoding: chunked"),
      expected: { error: E.LF_EXPECTED },
    },
    {
      what: "bare LF ends a header line",
      input: withLines("X: a\nTransfer-Encoding: chunked"),
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "LF-only request",
      input: "GET / HTTP/1.1\nHost: h\n\n",
      expected: { error: E.CR_EXPECTED },
    },
    {
      what: "LF-only chunked framing",
      input: withLines("Transfer-Encoding: chunked", "5\nhello\n0\n\n"),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.CR_EXPECTED },
    },
    // NUL bytes: C parsers stop at them, others do not.
    {
      what: "NUL in a header value",
      input: withLines("X: a\x00Transfer-Encoding: chunked"),
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "NUL in a header name",
      input: withLines("Content-Length\x00: 5", "hello"),
      expected: { error: E.INVALID_HEADER_TOKEN },
    },
    {
      what: "NUL in the request-target",
      input: `GET /a\x00 HTTP/1.1\r\nHost: h\r\n\r\n`,
      expected: { error: E.INVALID_URL },
    },
    // Chunk sizes some parsers truncate or read as another base.
    {
      what: "chunk size overflowing 64 bits",
      input: withLines("Transfer-Encoding: chunked", "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.INVALID_CHUNK_SIZE },
    },
    {
      what: "chunk size that wraps to 5 in 64 bits",
      input: withLines("Transfer-Encoding: chunked", "10000000000000005\r\nhello\r\n0\r\n\r\n"),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.INVALID_CHUNK_SIZE },
    },
    {
      what: "chunk size with a 0x prefix",
      input: withLines("Transfer-Encoding: chunked", "0x5\r\nhello\r\n0\r\n\r\n"),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.INVALID_CHUNK_SIZE },
    },
    // Chunk extensions that hide framing from lenient parsers.
    {
      what: "chunk extension with a bare LF inside",
      input: withLines("Transfer-Encoding: chunked", "5;a\nb\r\nhello\r\n0\r\n\r\n"),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.CR_EXPECTED },
    },
    {
      what: "chunk extension with a NUL",
      input: withLines("Transfer-Encoding: chunked", "5;a=\x00\r\nhello\r\n0\r\n\r\n"),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.INVALID_CHUNK_EXTENSION },
    },
    {
      what: "quoted chunk extension running over the line end",
      input: withLines("Transfer-Encoding: chunked", '5;a="x\r\n0\r\n\r\n"\r\nhello\r\n0\r\n\r\n'),
      expected: { events: [headEvent(CHUNKED_HEAD)], error: E.INVALID_CHUNK_EXTENSION },
    },
    // Chunk data whose length disagrees with its size.
    {
      what: "chunk data longer than its size",
      input: withLines("Transfer-Encoding: chunked", `3\r\nabc${SMUGGLED}\r\n0\r\n\r\n`),
      expected: {
        events: [headEvent(CHUNKED_HEAD), body("abc")],
        error: E.CR_EXPECTED,
      },
    },
    // Host confusion: two Host lines, each side routes by a different one.
    {
      what: "two Host lines",
      input: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      expected: { error: E.INVALID_HOST },
    },
    // Accepted, with one reading only.
    {
      what: "GET with a Content-Length body: the body is delivered",
      input: withLines("Content-Length: 5", "hello").replace("POST", "GET"),
      expected: {
        events: request(
          { headers: ["Host", "h", "Content-Length", "5"], contentLength: 5 },
          "hello",
        ),
      },
    },
    {
      what: "request hidden in a Content-Length body comes out as body bytes",
      input: withLines(`Content-Length: ${SMUGGLED.length}`, SMUGGLED),
      expected: {
        events: request(
          {
            method: "POST",
            headers: ["Host", "h", "Content-Length", `${SMUGGLED.length}`],
            contentLength: SMUGGLED.length,
          },
          SMUGGLED,
        ),
      },
    },
    {
      what: "request hidden in a chunked body comes out as body bytes",
      input: withLines(
        "Transfer-Encoding: chunked",
        `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
      ),
      expected: { events: request(CHUNKED_HEAD, SMUGGLED) },
    },
    {
      what: "bytes after the last chunk are the next request",
      input: withLines("Transfer-Encoding: chunked", `0\r\n\r\n${SMUGGLED}`),
      expected: { events: [...request(CHUNKED_HEAD), ...request({ target: "/admin" })] },
    },
  ];
  runCases(cases);
});
