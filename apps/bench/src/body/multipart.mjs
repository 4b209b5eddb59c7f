// The multipart/form-data parsers compared, each made to do the same work per
// body: every part's name, file name and media type as strings, every file
// byte delivered to the consumer (counted), every field value materialised as
// a UTF-8 string. A body is fed as its chunks, the way a request stream hands
// them over.
//
// - moonbridge: @moonbridge/body-parser's MultipartParser, from its build
//   (dist), fed with write(); a field's data is copied out of the views the
//   parser hands over (they are valid only during the call) and decoded at
//   its end, as busboy does.
// - busboy: mscdex/busboy 1.6 as its README drives it: the chunks written into
//   the Busboy stream (waiting for 'drain' when write() says so, as pipe()
//   would), every file stream consumed, 'close' awaited.
// - @fastify/busboy: the fork Fastify uses, driven the same way ('finish').
// - @mjackson/multipart-parser: parseMultipart of its Node entry, given the
//   chunks as an iterable (its low-level API; parseMultipartStream would add
//   Readable.toWeb, a cost of Node's stream adapter, not of the parser). It
//   yields a part once whole, its data as views of the chunks: every view is
//   handed to the sink, and a field is decoded with the part's `text`.
//
// Busboy is a stream, so one unit of work ends on an event: every competitor
// runs in the same async loop (a Runner), awaiting each body.

import { once } from "node:events";
import { createRequire } from "node:module";
import FastifyBusboy from "@fastify/busboy";
import { parseMultipart } from "@mjackson/multipart-parser/node";
import busboy from "busboy";
import { loadBuilt } from "../harness.mjs";

/** @typedef {import("./corpus.mjs").MultipartItem} MultipartItem */
/** @typedef {import("./corpus.mjs").MultipartInput} MultipartInput */
/** @typedef {import("../harness.mjs").Competitor<MultipartInput>} MultipartCompetitor */

/**
 * What a parser made of a body, for the agreement check.
 * @typedef {object} PartRecord
 * @property {string} name
 * @property {string | null} fileName
 * @property {string} mediaType `type/subtype` lowercased ("text/plain" when none was sent, as busboy says).
 * @property {number} bytes Data bytes (a field's as UTF-8).
 * @property {string} [value] A field's value.
 * @property {number} [hash] FNV-1a of a file's bytes.
 */

/**
 * Receives what a parser made of a body. The timed sink only counts, so that
 * nothing the parsers produce is dead code; the recording one keeps it all.
 * @typedef {object} Sink
 * @property {(name: string, fileName: string | undefined, mediaType: string) => void} part
 * @property {(chunk: Uint8Array) => void} fileData
 * @property {(value: string) => void} field
 */

/** @implements {Sink} */
export class Tally {
  parts = 0;
  chars = 0;
  fileBytes = 0;
  fieldChars = 0;
  /** @param {string} name @param {string | undefined} fileName @param {string} mediaType */
  part(name, fileName, mediaType) {
    this.parts++;
    this.chars += name.length + (fileName?.length ?? 0) + mediaType.length;
  }
  /** @param {Uint8Array} chunk */
  fileData(chunk) {
    this.fileBytes += chunk.length;
  }
  /** @param {string} value */
  field(value) {
    this.fieldChars += value.length;
  }
}

/** @implements {Sink} */
class Recorder {
  /** @type {PartRecord[]} */
  parts = [];
  /** @param {string} name @param {string | undefined} fileName @param {string} mediaType */
  part(name, fileName, mediaType) {
    this.parts.push({ name, fileName: fileName ?? null, mediaType, bytes: 0 });
  }
  /** @param {Uint8Array} chunk */
  fileData(chunk) {
    const part = /** @type {PartRecord} */ (this.parts[this.parts.length - 1]);
    part.bytes += chunk.length;
    let h = part.hash ?? 0x811c9dc5;
    for (let i = 0; i < chunk.length; i++)
      h = Math.imul(h ^ /** @type {number} */ (chunk[i]), 16777619);
    part.hash = h >>> 0;
  }
  /** @param {string} value */
  field(value) {
    const part = /** @type {PartRecord} */ (this.parts[this.parts.length - 1]);
    part.value = value;
    part.bytes = Buffer.byteLength(value);
  }
}

/**
 * `type/subtype` of a Content-Type, lowercased; "text/plain" when absent (busboy's default).
 * @param {string | undefined} contentType
 */
function mediaTypeOf(contentType) {
  if (contentType === undefined) return "text/plain";
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Parses one body and reports it to a sink; resolves when the parser is done.
 * @typedef {(input: MultipartInput, sink: Sink) => void | Promise<void>} Driver
 */

/**
 * @param {typeof import("@moonbridge/body-parser")} mod
 * @returns {Driver}
 */
function moonbridgeDriver(mod) {
  const { MultipartParser } = mod;
  // A field's bytes are copied here (the parser's views are valid only during
  // onData), then decoded once at the part's end.
  let scratch = Buffer.allocUnsafe(64 * 1024);
  return (input, sink) => {
    let isFile = false;
    let length = 0;
    const parser = new MultipartParser(input.boundary, {
      onPart(meta) {
        isFile =
          meta.fileName !== undefined ||
          mediaTypeOf(meta.contentType) === "application/octet-stream";
        length = 0;
        sink.part(meta.fieldName, meta.fileName, mediaTypeOf(meta.contentType));
      },
      onData(chunk) {
        if (isFile) {
          sink.fileData(chunk);
          return;
        }
        if (length + chunk.length > scratch.length) {
          const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, length + chunk.length));
          scratch.copy(grown, 0, 0, length);
          scratch = grown;
        }
        scratch.set(chunk, length);
        length += chunk.length;
      },
      onPartEnd() {
        if (!isFile) sink.field(scratch.toString("utf8", 0, length));
      },
    });
    for (const chunk of input.chunks) parser.write(chunk);
    parser.end();
  };
}

/**
 * Writes the chunks into a busboy stream, waiting for 'drain' as pipe() would.
 * @param {import("node:stream").Writable} stream
 * @param {readonly Buffer[]} chunks
 */
async function feed(stream, chunks) {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, "drain");
  }
  stream.end();
}

/** @returns {Driver} */
function busboyDriver() {
  return (input, sink) =>
    new Promise((resolve, reject) => {
      const bb = busboy({ headers: { "content-type": input.contentType } });
      bb.on("file", (name, stream, info) => {
        sink.part(name, info.filename, info.mimeType);
        stream.on("data", (/** @type {Buffer} */ data) => sink.fileData(data));
      });
      bb.on("field", (name, value, info) => {
        sink.part(name, undefined, info.mimeType);
        sink.field(value);
      });
      bb.on("close", resolve);
      bb.on("error", reject);
      feed(bb, input.chunks).catch(reject);
    });
}

/** @returns {Driver} */
function fastifyBusboyDriver() {
  return (input, sink) =>
    new Promise((resolve, reject) => {
      const bb = new FastifyBusboy({ headers: { "content-type": input.contentType } });
      bb.on(
        "file",
        (
          /** @type {string} */ name,
          /** @type {import("node:stream").Readable} */ stream,
          /** @type {string} */ fileName,
          /** @type {string} */ _encoding,
          /** @type {string} */ mimeType,
        ) => {
          sink.part(name, fileName, mimeType);
          stream.on("data", (/** @type {Buffer} */ data) => sink.fileData(data));
        },
      );
      bb.on(
        "field",
        (
          /** @type {string} */ name,
          /** @type {string} */ value,
          /** @type {boolean} */ _nameTruncated,
          /** @type {boolean} */ _valueTruncated,
          /** @type {string} */ _encoding,
          /** @type {string} */ mimeType,
        ) => {
          sink.part(name, undefined, mimeType);
          sink.field(value);
        },
      );
      bb.on("finish", () => resolve(undefined));
      bb.on("error", reject);
      feed(bb, input.chunks).catch(reject);
    });
}

/** @returns {Driver} */
function mjacksonDriver() {
  return (input, sink) => {
    // Its default maxFileSize (2 MiB) rejects the 32 MiB file; busboy's fileSize has no limit.
    const options = { boundary: input.boundary, maxFileSize: Number.POSITIVE_INFINITY };
    for (const part of parseMultipart(input.chunks, options)) {
      // Each getter reads the part's header section, parsed once at the first.
      const fileName = part.filename;
      const mediaType = part.mediaType ?? "text/plain";
      sink.part(part.name ?? "", fileName, mediaType);
      // Its own isFile rule (and ours); read once here instead of through part.isFile.
      if (fileName !== undefined || mediaType === "application/octet-stream") {
        for (const chunk of part.content) sink.fileData(chunk);
      } else sink.field(part.text);
    }
  };
}

/**
 * A Runner around an async unit of work: warms it up, then runs it in a loop
 * for a slice and returns bodies per second.
 * @param {() => void | Promise<void>} work
 * @param {number} warmupMs
 * @returns {Promise<import("../harness.mjs").Runner>}
 */
async function asyncRunner(work, warmupMs) {
  const end = performance.now() + warmupMs;
  do await work();
  while (performance.now() < end);
  return {
    async run(timeMs) {
      const start = performance.now();
      let n = 0;
      let t = start;
      do {
        await work();
        n++;
        t = performance.now();
      } while (t - start < timeMs);
      return (n * 1000) / (t - start);
    },
  };
}

/**
 * @param {string} name
 * @param {Driver} driver
 * @param {number} warmupMs
 * @param {Map<string, PartRecord[]>} records What a recording pass saw, per item (filled by `check`).
 * @returns {MultipartCompetitor & { check(item: MultipartItem): Promise<void> }}
 */
function competitor(name, driver, warmupMs, records) {
  return {
    name,
    setup(item) {
      const tally = new Tally();
      return asyncRunner(() => driver(item.input, tally), warmupMs);
    },
    async check(item) {
      const recorder = new Recorder();
      await driver(item.input, recorder);
      // The timed path too, twice on one tally: same counts each pass.
      const tally = new Tally();
      await driver(item.input, tally);
      await driver(item.input, tally);
      if (tally.parts !== 2 * recorder.parts.length)
        throw new Error(
          `${name}: ${tally.parts / 2} parts per timed pass, ${recorder.parts.length} recorded`,
        );
      records.set(item.name, recorder.parts);
    },
    summarize(item) {
      const parts = records.get(item.name);
      if (parts === undefined) throw new Error(`${name}: "${item.name}" was not checked`);
      return parts;
    },
  };
}

/** Names of the competitors, in table order. */
export const NAMES = Object.freeze([
  "moonbridge",
  "busboy",
  "@fastify/busboy",
  "@mjackson/multipart-parser",
]);

/** The name the ratios are relative to. */
export const BASELINE = "busboy";

/**
 * The competitors whose names are in `names`, in table order, each checked on
 * every item (so that `summarize` can answer synchronously for `verify`).
 * @param {readonly MultipartItem[]} items
 * @param {{ names?: readonly string[], warmupMs?: number }} [options]
 * @returns {Promise<MultipartCompetitor[]>}
 */
export async function loadCompetitors(items, options = {}) {
  const names = options.names ?? NAMES;
  const warmupMs = options.warmupMs ?? 500;
  /** @type {(MultipartCompetitor & { check(item: MultipartItem): Promise<void> })[]} */
  const out = [];
  for (const name of NAMES) {
    if (!names.includes(name)) continue;
    const records = new Map();
    if (name === "moonbridge")
      out.push(
        competitor(
          name,
          moonbridgeDriver(
            await loadBuilt("@moonbridge/body-parser", () => import("@moonbridge/body-parser")),
          ),
          warmupMs,
          records,
        ),
      );
    if (name === "busboy") out.push(competitor(name, busboyDriver(), warmupMs, records));
    if (name === "@fastify/busboy")
      out.push(competitor(name, fastifyBusboyDriver(), warmupMs, records));
    if (name === "@mjackson/multipart-parser")
      out.push(competitor(name, mjacksonDriver(), warmupMs, records));
  }
  for (const c of out) for (const item of items) await c.check(item);
  return out;
}

/** Versions to print under the table. */
export function versions() {
  const require = createRequire(import.meta.url);
  /** @param {string} pkg */
  const version = (pkg) => {
    try {
      return /** @type {{ version: string }} */ (require(`${pkg}/package.json`)).version;
    } catch {
      return "?";
    }
  };
  return {
    node: process.version,
    busboy: version("busboy"),
    "@fastify/busboy": version("@fastify/busboy"),
    "@mjackson/multipart-parser": version("@mjackson/multipart-parser"),
    moonbridge: version("@moonbridge/body-parser"),
  };
}
