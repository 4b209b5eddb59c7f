// The requests the HTTP parser benchmark parses: exact bytes, built once as
// Buffers (what a socket hands a parser). Every request is HTTP/1.1 and
// keep-alive, so one parser per item can be fed the same bytes again and
// again, as consecutive requests on one connection.

/**
 * @typedef {object} ParserInput
 * @property {Buffer} bytes One or more complete requests.
 * @property {number} requests How many requests `bytes` holds.
 */

/** @typedef {import("../harness.mjs").CorpusItem<ParserInput>} ParserItem */

const CRLF = "\r\n";

/**
 * A request as bytes: request line, `headers` as [name, value] pairs, empty line, body.
 * @param {string} requestLine
 * @param {readonly (readonly [string, string])[]} headers
 * @param {string} [body]
 * @returns {string}
 */
function request(requestLine, headers, body = "") {
  return `${requestLine}${CRLF}${headers.map(([n, v]) => `${n}: ${v}${CRLF}`).join("")}${CRLF}${body}`;
}

const TINY_GET = request("GET / HTTP/1.1", [["Host", "a"]]);

// 403 bytes, the shape of analytics, consent and session cookies.
const COOKIE = [
  "_ga=GA1.1.1849227156.1731402512",
  "_ga_QX7Z1R2B9K=GS1.1.1732011943.14.1.1732013377.0.0.0",
  "_gcl_au=1.1.507193372.1731402512",
  "cookieconsent_status=dismiss",
  "cart_id=8f14e45f-ceea-467f-a8f6-2f0d7b6b5a3c",
  "sessionid=k3v9w8q2z5x7n4m1b6c0d8f2g5h7j9l1p3r5t7y9u2i4o6a8s0e",
  "csrftoken=Yq8Wz3Xk1Rt6Vb9Nm2Lp5Jh7Gf4Dd0Ss8Aa6Qw3Ee1Rr9Tt",
  "theme=dark",
  "locale=en-US",
  "ab_checkout=variant_b",
  "_fbp=fb.1.1731402513094.1270493842",
].join("; ");

const BROWSER_GET = request("GET /account/orders?page=2&sort=date HTTP/1.1", [
  ["Host", "shop.example.com"],
  ["Connection", "keep-alive"],
  ["sec-ch-ua", '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'],
  ["sec-ch-ua-mobile", "?0"],
  ["sec-ch-ua-platform", '"macOS"'],
  ["Upgrade-Insecure-Requests", "1"],
  [
    "User-Agent",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  ],
  [
    "Accept",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
  ],
  ["Sec-Fetch-Site", "same-origin"],
  ["Sec-Fetch-Mode", "navigate"],
  ["Sec-Fetch-Dest", "document"],
  ["Accept-Encoding", "gzip, deflate, br, zstd"],
  ["Accept-Language", "en-US,en;q=0.9,de;q=0.8"],
  ["Cookie", COOKIE],
]);

/**
 * A JSON document of exactly `size` bytes (ASCII), padded in its last string.
 * @param {number} size
 * @returns {string}
 */
function jsonOfSize(size) {
  const items = [];
  for (let i = 0; i < 8; i++) {
    items.push({ sku: `SKU-${1000 + i * 37}`, qty: (i % 3) + 1, price: 1999 + i * 250 });
  }
  const doc = {
    customer: { id: 48213, email: "ada@example.com" },
    currency: "EUR",
    items,
    shipping: { method: "express", address: "Rathausplatz 1, 10178 Berlin" },
    note: "",
  };
  const unpadded = JSON.stringify(doc).length;
  if (unpadded > size)
    throw new Error(`JSON body is ${unpadded} bytes before padding, over ${size}`);
  doc.note = "x".repeat(size - unpadded);
  return JSON.stringify(doc);
}

const JSON_BODY = jsonOfSize(1024);

const JSON_POST = request(
  "POST /api/v1/orders HTTP/1.1",
  [
    ["Host", "api.example.com"],
    ["User-Agent", "checkout-service/2.4.1 node/20"],
    ["Accept", "application/json"],
    ["Content-Type", "application/json"],
    ["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0ODIxMyJ9.c2lnbmF0dXJl"],
    ["Content-Length", String(JSON_BODY.length)],
  ],
  JSON_BODY,
);

/**
 * A chunked body of the given chunk sizes (filled with NDJSON-like text), with its last-chunk.
 * @param {readonly number[]} sizes
 * @returns {string}
 */
function chunkedBody(sizes) {
  let text = "";
  for (let i = 0; text.length < sizes.reduce((a, b) => a + b, 0); i++) {
    text += `{"event":"click","seq":${i},"at":${1732013377000 + i * 17}}\n`;
  }
  let out = "";
  let at = 0;
  for (const size of sizes) {
    out += `${size.toString(16)}${CRLF}${text.slice(at, at + size)}${CRLF}`;
    at += size;
  }
  return `${out}0${CRLF}${CRLF}`;
}

const CHUNK_SIZES = [256, 512, 200, 56];

const CHUNKED_POST = request(
  "POST /ingest/events HTTP/1.1",
  [
    ["Host", "collect.example.com"],
    ["User-Agent", "events-forwarder/1.0"],
    ["Content-Type", "application/x-ndjson"],
    ["Transfer-Encoding", "chunked"],
  ],
  chunkedBody(CHUNK_SIZES),
);

const PIPELINED = 16;

let PIPELINED_GETS = "";
for (let i = 0; i < PIPELINED; i++) {
  PIPELINED_GETS += request(`GET /static/js/chunk-${i}.js HTTP/1.1`, [
    ["Host", "cdn.example.com"],
    ["Accept", "*/*"],
  ]);
}

/**
 * @param {string} name
 * @param {string} text
 * @param {number} requests
 * @returns {ParserItem}
 */
function item(name, text, requests) {
  return {
    name,
    input: { bytes: Buffer.from(text, "latin1"), requests },
    unitsPerCall: requests,
  };
}

/** The corpus, in table order. @type {readonly ParserItem[]} */
export const corpus = Object.freeze([
  item("tiny GET", TINY_GET, 1),
  item("browser GET", BROWSER_GET, 1),
  item("JSON POST 1 KiB", JSON_POST, 1),
  item("chunked POST", CHUNKED_POST, 1),
  item(`${PIPELINED} pipelined GETs`, PIPELINED_GETS, PIPELINED),
]);
