// Body framing of responses, RFC 9112 section 6.3 in order, and connection
// reuse: each case whole, at every split and one byte at a time.
import { describe } from "vitest";
import { bad, ok, raw, response, runResponseCases } from "./helpers/response-cases";

const CL5 = ["Content-Length", "5"];
const TE = ["Transfer-Encoding", "chunked"];
const HELLO_CHUNKED = "5\r\nhello\r\n0\r\n\r\n";
const next = raw("HTTP/1.1 204 No Content", []);
const nextEvents = response({ status: 204, reason: "No Content" });

describe("bodiless responses (item 1)", () => {
  runResponseCases([
    {
      what: "HEAD: Content-Length is reported, no body read",
      input: ok(["Content-Length: 5"]) + next,
      options: { methods: ["HEAD"] },
      expected: { events: [...response({ headers: CL5, contentLength: 5 }), ...nextEvents] },
    },
    {
      what: "HEAD: chunked is not decoded",
      input: ok(["Transfer-Encoding: chunked"]) + next,
      options: { methods: ["HEAD"] },
      expected: { events: [...response({ headers: TE }), ...nextEvents] },
    },
    {
      what: "HEAD: no framing fields, not until close",
      input: ok([]) + next,
      options: { methods: ["HEAD"] },
      expected: { events: [...response(), ...nextEvents] },
    },
    {
      what: "204 with Content-Length: the next bytes are the next response",
      input: raw("HTTP/1.1 204 No Content", ["Content-Length: 5"]) + next,
      expected: {
        events: [
          ...response({ status: 204, reason: "No Content", headers: CL5, contentLength: 5 }),
          ...nextEvents,
        ],
      },
    },
    {
      what: "304 with Content-Length: no body",
      input: raw("HTTP/1.1 304 Not Modified", ["Content-Length: 5"]) + next,
      expected: {
        events: [
          ...response({ status: 304, reason: "Not Modified", headers: CL5, contentLength: 5 }),
          ...nextEvents,
        ],
      },
    },
    {
      what: "204 then a body: the body is no response",
      input: `${raw("HTTP/1.1 204 No Content", ["Content-Length: 5"])}hello`,
      expected: {
        events: response({ status: 204, reason: "No Content", headers: CL5, contentLength: 5 }),
        error: bad("INVALID_VERSION"),
      },
    },
    {
      what: "100 Continue then the final response",
      input: `${raw("HTTP/1.1 100 Continue", [])}${ok(["Content-Length: 5"], "hello")}`,
      expected: {
        events: [
          ...response({ status: 100, reason: "Continue" }),
          ...response({ headers: CL5, contentLength: 5 }, "hello"),
        ],
      },
    },
    {
      what: "103 Early Hints keeps the HEAD for the final response",
      input: `${raw("HTTP/1.1 103 Early Hints", ["Link: </a>"])}${ok(["Content-Length: 5"])}${next}`,
      options: { methods: ["HEAD", "GET"] },
      expected: {
        events: [
          ...response({ status: 103, reason: "Early Hints", headers: ["Link", "</a>"] }),
          ...response({ headers: CL5, contentLength: 5 }),
          ...nextEvents,
        ],
      },
    },
  ]);
});

describe("switching protocols (item 2)", () => {
  const ws = raw("HTTP/1.1 101 Switching Protocols", ["Upgrade: websocket", "Connection: Upgrade"]);
  const tunnel = ok([]);
  runResponseCases([
    {
      what: "101: execute stops after the head",
      input: `${ws}\x81\x00frames`,
      expected: {
        events: response({
          status: 101,
          reason: "Switching Protocols",
          headers: ["Upgrade", "websocket", "Connection", "Upgrade"],
          upgrade: true,
        }),
        consumed: ws.length,
      },
    },
    {
      what: "CONNECT 200: a tunnel, Content-Length ignored",
      input: `${raw("HTTP/1.1 200 Connection Established", ["Content-Length: 5"])}tunnel bytes`,
      options: { methods: ["CONNECT"] },
      expected: {
        events: response({
          reason: "Connection Established",
          headers: CL5,
          contentLength: 5,
          upgrade: true,
        }),
        consumed: raw("HTTP/1.1 200 Connection Established", ["Content-Length: 5"]).length,
      },
    },
    {
      what: "CONNECT 2xx with no fields",
      input: `${tunnel}\x16\x03\x01`,
      options: { methods: ["CONNECT"] },
      expected: { events: response({ upgrade: true }), consumed: tunnel.length },
    },
    {
      what: "CONNECT 407: an ordinary response, the method used up",
      input: `${raw("HTTP/1.1 407 Proxy Authentication Required", ["Content-Length: 5"])}hello${next}`,
      options: { methods: ["CONNECT"] },
      expected: {
        events: [
          ...response(
            {
              status: 407,
              reason: "Proxy Authentication Required",
              headers: CL5,
              contentLength: 5,
            },
            "hello",
          ),
          ...nextEvents,
        ],
      },
    },
    {
      what: "Upgrade and Connection: upgrade on a 200 switch nothing",
      input: ok(["Upgrade: websocket", "Connection: upgrade", "Content-Length: 0"]),
      expected: {
        events: response({
          headers: ["Upgrade", "websocket", "Connection", "upgrade", "Content-Length", "0"],
          contentLength: 0,
        }),
      },
    },
  ]);
});

describe("Transfer-Encoding (items 3 and 4)", () => {
  runResponseCases([
    {
      what: "chunked, with extensions and trailers",
      input: ok(["Transfer-Encoding: chunked"], "5;a=b\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n"),
      expected: { events: response({ headers: TE, chunked: true }, "hello!", ["X-T", "1"]) },
    },
    {
      what: "gzip, chunked: chunked removed, gzip left to the caller",
      input: ok(["Transfer-Encoding: gzip, chunked"], HELLO_CHUNKED),
      expected: {
        events: response(
          { headers: ["Transfer-Encoding", "gzip, chunked"], chunked: true },
          "hello",
        ),
      },
    },
    {
      what: "not ending in chunked: body until close",
      input: ok(["Transfer-Encoding: gzip"], "raw bytes"),
      expected: {
        events: response(
          { headers: ["Transfer-Encoding", "gzip"], untilClose: true, keepAlive: false },
          "raw bytes",
        ),
      },
    },
    {
      what: "chunked, gzip: body until close, not decoded",
      input: ok(["Transfer-Encoding: chunked, gzip"], HELLO_CHUNKED),
      expected: {
        events: response(
          { headers: ["Transfer-Encoding", "chunked, gzip"], untilClose: true, keepAlive: false },
          HELLO_CHUNKED,
        ),
      },
    },
    {
      what: "chunked twice",
      input: ok(["Transfer-Encoding: chunked, chunked"], HELLO_CHUNKED),
      expected: { error: bad("INVALID_TRANSFER_ENCODING") },
    },
    {
      what: "empty Transfer-Encoding",
      input: ok(["Transfer-Encoding: "], ""),
      expected: { error: bad("INVALID_TRANSFER_ENCODING") },
    },
    {
      what: "Content-Length with Transfer-Encoding",
      input: ok(["Content-Length: 5", "Transfer-Encoding: chunked"], HELLO_CHUNKED),
      expected: { error: bad("UNEXPECTED_CONTENT_LENGTH") },
    },
    {
      what: "Content-Length with Transfer-Encoding, even on a 304",
      input: raw("HTTP/1.1 304 Not Modified", ["Content-Length: 5", "Transfer-Encoding: chunked"]),
      expected: { error: bad("UNEXPECTED_CONTENT_LENGTH") },
    },
    {
      what: "Transfer-Encoding in HTTP/1.0",
      input: raw("HTTP/1.0 200 OK", ["Transfer-Encoding: chunked"], HELLO_CHUNKED),
      expected: { error: bad("INVALID_TRANSFER_ENCODING") },
    },
    {
      what: "bad chunk size",
      input: ok(["Transfer-Encoding: chunked"], "z\r\n"),
      expected: {
        events: response({ headers: TE, chunked: true }).slice(0, 1),
        error: bad("INVALID_CHUNK_SIZE"),
      },
    },
    {
      what: "missing CRLF after chunk data, allowMissingCrlfAfterChunk",
      input: ok(["Transfer-Encoding: chunked"], "5\r\nhello0\r\n\r\n"),
      options: { allowMissingCrlfAfterChunk: true },
      expected: { events: response({ headers: TE, chunked: true }, "hello") },
    },
  ]);
});

describe("Content-Length and until close (items 5 to 8)", () => {
  runResponseCases([
    {
      what: "Content-Length body, then the next response",
      input: ok(["Content-Length: 5"], "hello") + next,
      expected: {
        events: [...response({ headers: CL5, contentLength: 5 }, "hello"), ...nextEvents],
      },
    },
    {
      what: "identical Content-Length repeats",
      input: ok(["Content-Length: 5, 5", "Content-Length: 5"], "hello"),
      expected: {
        events: response(
          { headers: ["Content-Length", "5, 5", "Content-Length", "5"], contentLength: 5 },
          "hello",
        ),
      },
    },
    {
      what: "Content-Length lines disagree",
      input: ok(["Content-Length: 5", "Content-Length: 6"], "hello"),
      expected: { error: bad("INVALID_CONTENT_LENGTH") },
    },
    {
      what: "Content-Length not a number",
      input: ok(["Content-Length: 5x"], "hello"),
      expected: { error: bad("INVALID_CONTENT_LENGTH") },
    },
    {
      what: "Content-Length over maxBodySize",
      input: ok(["Content-Length: 5"], "hello"),
      options: { maxBodySize: 4 },
      expected: { error: bad("BODY_TOO_LARGE") },
    },
    {
      what: "HEAD: Content-Length over maxBodySize frames nothing",
      input: ok(["Content-Length: 5"]),
      options: { maxBodySize: 4, methods: ["HEAD"] },
      expected: { events: response({ headers: CL5, contentLength: 5 }) },
    },
    {
      what: "no framing: body until close, finish() completes it",
      input: ok([], `hello${next}`),
      expected: { events: response({ untilClose: true, keepAlive: false }, `hello${next}`) },
    },
    {
      what: "until close, not finished: no completion",
      input: ok([], "hello"),
      options: { finish: false },
      expected: { events: response({ untilClose: true, keepAlive: false }, "hello").slice(0, 2) },
    },
    {
      what: "until close over maxBodySize",
      input: ok([], "hello"),
      options: { maxBodySize: 4 },
      expected: {
        events: response({ untilClose: true, keepAlive: false }, "hell").slice(0, 2),
        error: bad("BODY_TOO_LARGE"),
      },
    },
    {
      what: "finish in the middle of a Content-Length body",
      input: ok(["Content-Length: 5"], "hel"),
      expected: {
        events: response({ headers: CL5, contentLength: 5 }, "hel").slice(0, 2),
        error: bad("INVALID_EOF_STATE"),
      },
    },
    {
      what: "finish in the middle of a chunked body",
      input: ok(["Transfer-Encoding: chunked"], "5\r\nhel"),
      expected: {
        events: response({ headers: TE, chunked: true }, "hel").slice(0, 2),
        error: bad("INVALID_EOF_STATE"),
      },
    },
    {
      what: "finish in the middle of a head",
      input: "HTTP/1.1 200 OK\r\nServer",
      expected: { error: bad("INVALID_EOF_STATE") },
    },
  ]);
});

describe("keepAlive and pipelining", () => {
  runResponseCases([
    {
      what: "HTTP/1.1 with Connection: close",
      input: ok(["Connection: close", "Content-Length: 0"]),
      expected: {
        events: response({
          headers: ["Connection", "close", "Content-Length", "0"],
          contentLength: 0,
          keepAlive: false,
        }),
      },
    },
    {
      what: "HTTP/1.0 with Connection: keep-alive",
      input: raw("HTTP/1.0 200 OK", ["Connection: keep-alive", "Content-Length: 0"]),
      expected: {
        events: response({
          versionMinor: 0,
          headers: ["Connection", "keep-alive", "Content-Length", "0"],
          contentLength: 0,
        }),
      },
    },
    {
      what: "pipelined GET, HEAD, GET: each framed by its own method",
      input:
        ok(["Content-Length: 5"], "hello") +
        ok(["Content-Length: 5"]) +
        ok(["Content-Length: 2"], "hi"),
      options: { methods: ["GET", "HEAD", "GET"] },
      expected: {
        events: [
          ...response({ headers: CL5, contentLength: 5 }, "hello"),
          ...response({ headers: CL5, contentLength: 5 }),
          ...response({ headers: ["Content-Length", "2"], contentLength: 2 }, "hi"),
        ],
      },
    },
    {
      what: "methods used up: GET is assumed",
      input: ok(["Content-Length: 5"]) + ok(["Content-Length: 5"], "hello"),
      options: { methods: ["HEAD"] },
      expected: {
        events: [
          ...response({ headers: CL5, contentLength: 5 }),
          ...response({ headers: CL5, contentLength: 5 }, "hello"),
        ],
      },
    },
  ]);
});
