// The bodies the body-parser benchmark parses, built once: multipart bodies
// as the chunks a socket would hand over (Buffers of 64 KiB or 16 KiB), and
// an urlencoded body as a string and as bytes. Deterministic: the same bytes
// in every run.

/**
 * @typedef {object} MultipartInput
 * @property {string} boundary
 * @property {string} contentType The request's Content-Type, for busboy.
 * @property {Buffer[]} chunks The body, cut in pieces of `chunkSize` bytes (views of one Buffer).
 * @property {number} chunkSize
 * @property {number} bytes The body's length.
 * @property {number} parts How many parts it holds.
 * @property {number} dataBytes Bytes of part data in all.
 */

/** @typedef {import("../harness.mjs").CorpusItem<MultipartInput>} MultipartItem */

/**
 * @typedef {object} UrlencodedInput
 * @property {string} text The body as a string.
 * @property {Buffer} bytes The body as bytes (what a socket hands over).
 * @property {number} fields How many fields it holds.
 */

/** @typedef {import("../harness.mjs").CorpusItem<UrlencodedInput>} UrlencodedItem */

const BOUNDARY = "----WebKitFormBoundaryx8Kp2QmZ7rT4vW1n";

/**
 * `length` pseudo-random bytes (xorshift32 from `seed`).
 * @param {number} length
 * @param {number} seed
 * @returns {Buffer}
 */
export function randomBytes(length, seed) {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A multipart item from its parts, cut into chunks.
 * @param {string} name
 * @param {readonly { headers: string, data: Buffer }[]} parts `headers`: the header lines, CRLF-terminated.
 * @param {number} chunkSize
 * @returns {MultipartItem}
 */
function multipart(name, parts, chunkSize) {
  /** @type {Buffer[]} */
  const pieces = [];
  let dataBytes = 0;
  for (const part of parts) {
    pieces.push(
      Buffer.from(`--${BOUNDARY}\r\n${part.headers}\r\n`, "utf8"),
      part.data,
      Buffer.from("\r\n"),
    );
    dataBytes += part.data.length;
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  const body = Buffer.concat(pieces);
  /** @type {Buffer[]} */
  const chunks = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
  return {
    name,
    input: {
      boundary: BOUNDARY,
      contentType: `multipart/form-data; boundary=${BOUNDARY}`,
      chunks,
      chunkSize,
      bytes: body.length,
      parts: parts.length,
      dataBytes,
    },
  };
}

const FILE_SIZE = 32 * 2 ** 20;

/** Values of the many-fields form: short and long, ASCII and not, as a big form sends them. */
const WORDS = [
  "alpha",
  "Zürich",
  "résumé",
  "naïve",
  "€100",
  "日本語",
  "line\r\nbreak",
  "a&b=c",
  "x",
];

/** @returns {MultipartItem[]} */
export function multipartCorpus() {
  const file = multipart(
    "32 MiB file, 64 KiB chunks",
    [
      {
        headers:
          'Content-Disposition: form-data; name="upload"; filename="video.bin"\r\n' +
          "Content-Type: application/octet-stream\r\n",
        data: randomBytes(FILE_SIZE, 0x1234567),
      },
    ],
    64 * 1024,
  );
  const fields = [];
  for (let i = 0; i < 500; i++) {
    const words = [];
    for (let w = 0; w < 1 + ((i * 7) % 9); w++) words.push(WORDS[(i + w * 5) % WORDS.length]);
    fields.push({
      headers: `Content-Disposition: form-data; name="field_${i}"\r\n`,
      data: Buffer.from(words.join(" "), "utf8"),
    });
  }
  return [file, multipart("500 text fields, 16 KiB chunks", fields, 16 * 1024)];
}

/**
 * 2 KiB, 50 fields, with `+` for spaces and percent-escapes (ASCII and UTF-8),
 * as a browser encodes a form.
 * @returns {UrlencodedItem[]}
 */
export function urlencodedCorpus() {
  const pairs = [];
  for (let i = 0; pairs.join("&").length < 2048 - 48 && i < 50; i++) {
    const value = [
      "Hello+World",
      "caf%C3%A9+au+lait",
      "a%26b%3Dc",
      "100%25",
      "%E2%82%AC+42",
      "plain",
      "x%2By%2Fz",
      "line1%0D%0Aline2",
    ][i % 8];
    pairs.push(`field_${String.fromCharCode(97 + (i % 26))}${i}=${value}+${i}`);
  }
  let text = pairs.join("&");
  // Pad the last value to exactly 2 KiB.
  text += "x".repeat(Math.max(0, 2048 - text.length));
  return [
    {
      name: "2 KiB, 50 fields (string)",
      input: { text, bytes: Buffer.from(text, "latin1"), fields: pairs.length },
    },
    {
      name: "2 KiB, 50 fields (bytes)",
      input: { text, bytes: Buffer.from(text, "latin1"), fields: pairs.length },
    },
  ];
}
