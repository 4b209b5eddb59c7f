// The responses the response-parser benchmark parses: exact bytes, built once
// as Buffers (what a socket hands a client's parser). Every response is
// HTTP/1.1, keep-alive and framed by Content-Length or chunked, so one parser
// per item can be fed the same bytes again and again, as consecutive
// responses on one connection.

/**
 * @typedef {object} ResponseInput
 * @property {Buffer} bytes One or more complete responses.
 * @property {number} responses How many responses `bytes` holds.
 */

/** @typedef {import("../harness.mjs").CorpusItem<ResponseInput>} ResponseItem */

const CRLF = "\r\n";

/**
 * A response as bytes: status line, `headers` as [name, value] pairs, empty line, body.
 * @param {string} statusLine
 * @param {readonly (readonly [string, string])[]} headers
 * @param {string} [body]
 * @returns {string}
 */
function response(statusLine, headers, body = "") {
  return `${statusLine}${CRLF}${headers.map(([n, v]) => `${n}: ${v}${CRLF}`).join("")}${CRLF}${body}`;
}

const SMALL_BODY = "Hello, World!";

// 200 OK, 8 fields, a 13-byte body: an API or health-check answer.
const SMALL = response(
  "HTTP/1.1 200 OK",
  [
    ["Date", "Mon, 07 Dec 2026 14:30:00 GMT"],
    ["Server", "nginx/1.27.3"],
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Content-Length", String(SMALL_BODY.length)],
    ["Connection", "keep-alive"],
    ["Cache-Control", "no-cache"],
    ["X-Request-Id", "5f0c6e7a-9b1d-4c1e-8a51-2f6f0d8c3b47"],
    ["Vary", "Accept-Encoding"],
  ],
  SMALL_BODY,
);

const LARGE_SIZE = 64 * 1024;
const LARGE_BODY = "x".repeat(LARGE_SIZE);

// A 64 KiB file by Content-Length.
const LARGE = response(
  "HTTP/1.1 200 OK",
  [
    ["Date", "Mon, 07 Dec 2026 14:30:00 GMT"],
    ["Server", "nginx/1.27.3"],
    ["Content-Type", "application/octet-stream"],
    ["Content-Length", String(LARGE_SIZE)],
    ["Last-Modified", "Fri, 04 Dec 2026 09:12:44 GMT"],
    ["ETag", '"6751f2ac-10000"'],
    ["Accept-Ranges", "bytes"],
  ],
  LARGE_BODY,
);

/**
 * 64 KiB in chunks of 4 KiB, then the last-chunk: a streamed answer.
 * @returns {string}
 */
function chunkedBody() {
  const chunk = `${(4096).toString(16)}${CRLF}${"y".repeat(4096)}${CRLF}`;
  return `${chunk.repeat(LARGE_SIZE / 4096)}0${CRLF}${CRLF}`;
}

const CHUNKED = response(
  "HTTP/1.1 200 OK",
  [
    ["Date", "Mon, 07 Dec 2026 14:30:00 GMT"],
    ["Server", "nginx/1.27.3"],
    ["Content-Type", "application/x-ndjson"],
    ["Transfer-Encoding", "chunked"],
  ],
  chunkedBody(),
);

/**
 * @param {string} name
 * @param {string} text
 * @param {number} responses
 * @returns {ResponseItem}
 */
function item(name, text, responses) {
  return {
    name,
    input: { bytes: Buffer.from(text, "latin1"), responses },
    unitsPerCall: responses,
  };
}

/** The corpus, in table order. @type {readonly ResponseItem[]} */
export const responseCorpus = Object.freeze([
  item("small 200 (8 fields, 13 B)", SMALL, 1),
  item("64 KiB Content-Length", LARGE, 1),
  item("64 KiB chunked (16 × 4 KiB)", CHUNKED, 1),
]);
