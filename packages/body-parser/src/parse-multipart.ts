// parseMultipart: a multipart body read from a stream, as an async iterable
// of parts whose data is an async iterable too, for runtimes without Node
// streams (and for Node's, which are async iterables). Everything is pulled:
// a chunk is read from the source only when the consumer asks for a part or
// for data and the chunk before has been handed out, so a consumer that does
// not read holds the upload back. The MultipartParser below does the
// parsing; one source chunk's events are queued, in order, and handed out.

import { BodyParserError } from "./errors";
import { type ByteSource, byteSource } from "./internal/byte-source";
import { validateBoundary, validateLimits, validateMultipartOptions } from "./internal/limits";
import { decodeUtf8 } from "./internal/utf8";
import { MultipartParser } from "./multipart-parser";
import type {
  MimePartMeta,
  MultipartLimits,
  MultipartOptions,
  MultipartPart,
  MultipartSource,
  PartMeta,
} from "./types";

const CALL = "parseMultipart";

/** What the parser reported: a part begins (its meta), data, or the part ends (`null`). */
type PartEvent = MimePartMeta | Uint8Array | null;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Reads a multipart body from `source` as its parts: each part's `meta`, and
 * its data as `body` (an async iterable; or `bytes()`, `text()`), pulled from
 * the source as it is consumed. Moving on to the next part skips the rest of
 * the current one; reading it afterwards is `MULTIPART_PART_SKIPPED`.
 * Leaving the iteration early (`break`, `return()`) releases the source
 * (cancels a stream, returns an iterator). A malformed body rejects the
 * iteration (or the body read) with {@link BodyParserError} once the parts
 * before it have been handed out; the source's own errors reject it as they
 * are.
 *
 * @param source - a web `ReadableStream<Uint8Array>`, a Node `Readable`, any
 *   async iterable or iterable of `Uint8Array` chunks. Data chunks are views
 *   of its chunks: it must not reuse a chunk it has handed out.
 * @param boundary - as {@link getBoundary} returns it.
 * @param limits - see {@link MultipartLimits}.
 * @param options - see {@link MultipartOptions}; `{ formData: false }` for
 *   any multipart subtype (parts' meta are then {@link MimePartMeta}).
 * @throws {@link BodyParserError} `INVALID_ARGUMENT` or `INVALID_OPTION` at
 *   once for a bad argument, limit or option.
 *
 * @example
 * ```ts
 * for await (const part of parseMultipart(request.body, getBoundary(contentType))) {
 *   if (part.meta.fileName === undefined) fields.set(part.meta.fieldName, await part.text());
 *   else for await (const chunk of part.body) await file.write(chunk);
 * }
 * ```
 */
export function parseMultipart(
  source: MultipartSource,
  boundary: string,
  limits?: MultipartLimits,
  options?: MultipartOptions & { formData?: true },
): AsyncIterableIterator<MultipartPart<PartMeta>>;
export function parseMultipart(
  source: MultipartSource,
  boundary: string,
  limits?: MultipartLimits,
  options?: MultipartOptions,
): AsyncIterableIterator<MultipartPart<MimePartMeta>>;
export function parseMultipart(
  source: MultipartSource,
  boundary: string,
  limits: MultipartLimits = {},
  options: MultipartOptions = {},
): AsyncIterableIterator<MultipartPart<MimePartMeta>> {
  // Checked here, so that a bad one is named as parseMultipart's.
  validateBoundary(boundary, CALL);
  validateLimits(limits, CALL);
  validateMultipartOptions(options, CALL);
  return new Parts(source, boundary, limits, options);
}

class Parts implements AsyncIterableIterator<MultipartPart<MimePartMeta>> {
  readonly #parser: MultipartParser;
  readonly #source: ByteSource;
  /** Events of the chunks written so far; those before `#head` are handed out. */
  #events: PartEvent[] = [];
  #head = 0;
  /** The chunk being written: data in it is kept as a view, other data (held back by the parser) copied. */
  #input: Uint8Array | undefined;
  /** The read in flight, which every waiting consumer shares. */
  #reading: Promise<void> | undefined;
  /** The part handed out last, until the iteration moves on. */
  #current: Part | undefined;
  /** Parts whose end was read: reading on gives nothing, however far the iteration went. */
  readonly #ended = new WeakSet<Part>();
  /** The source was read to its end and the body was complete. */
  #complete = false;
  #failed = false;
  #error: unknown;
  /** The consumer left the iteration. */
  #stopped = false;

  constructor(
    source: MultipartSource,
    boundary: string,
    limits: MultipartLimits,
    options: MultipartOptions,
  ) {
    this.#parser = new MultipartParser(
      boundary,
      {
        onPart: (meta) => this.#events.push(meta),
        onData: (chunk) =>
          this.#events.push(chunk.buffer === this.#input?.buffer ? chunk : chunk.slice()),
        onPartEnd: () => this.#events.push(null),
      },
      limits,
      options,
    );
    this.#source = byteSource(source);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<MultipartPart<MimePartMeta>, undefined>> {
    // Moving on: what is left of the current part is skipped.
    this.#current = undefined;
    for (;;) {
      if (this.#stopped) return DONE;
      const events = this.#events;
      while (this.#head < events.length) {
        const event = events[this.#head++];
        if (event === null || event instanceof Uint8Array) continue;
        const part: Part = new Part(event, () => this.#readData(part));
        this.#current = part;
        return { done: false, value: part };
      }
      if (this.#failed) throw this.#error;
      if (this.#complete) return DONE;
      await this.#read();
    }
  }

  /** Leaves the iteration: the source is released unless it ended or failed. */
  async return(): Promise<IteratorResult<MultipartPart<MimePartMeta>, undefined>> {
    if (this.#stopped) return DONE;
    this.#stopped = true;
    this.#current = undefined;
    this.#events = [];
    this.#head = 0;
    if (!this.#complete && !this.#failed) await this.#source.release();
    return DONE;
  }

  /** The next data chunk of `part`, or `undefined` after its last. */
  async #readData(part: Part): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.#ended.has(part)) return undefined;
      if (part !== this.#current) {
        throw new BodyParserError(
          "MULTIPART_PART_SKIPPED",
          "@moonbridge/body-parser: parseMultipart: a part's body was read after the iteration moved past the part",
        );
      }
      const event = this.#events[this.#head];
      if (event instanceof Uint8Array) {
        this.#head++;
        return event;
      }
      if (event === null) {
        this.#head++;
        this.#ended.add(part);
        return undefined;
      }
      // No more events (a part's meta cannot come before its end).
      if (this.#failed) throw this.#error;
      await this.#read();
    }
  }

  /** Reads one more chunk from the source into the parser; waiting consumers share the read. */
  #read(): Promise<void> {
    this.#reading ??= this.#readChunk().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readChunk(): Promise<void> {
    let chunk: Uint8Array | undefined;
    try {
      chunk = await this.#source.read();
    } catch (error) {
      this.#failed = true; // the source's own error: it is finished, nothing to release
      this.#error = error;
      return;
    }
    if (this.#stopped) return;
    if (this.#head === this.#events.length) {
      this.#events.length = 0;
      this.#head = 0;
    }
    try {
      this.#input = chunk;
      if (chunk === undefined) {
        this.#parser.end();
        this.#complete = true;
      } else this.#parser.write(chunk);
    } catch (error) {
      this.#failed = true;
      this.#error = error;
      // The parse error is what the consumer must see, not a failure to cancel.
      this.#source.release().catch(() => {});
    } finally {
      this.#input = undefined;
    }
  }
}

class Part implements MultipartPart<MimePartMeta> {
  readonly meta: MimePartMeta;
  readonly body: AsyncIterable<Uint8Array>;
  readonly #read: () => Promise<Uint8Array | undefined>;

  constructor(meta: MimePartMeta, read: () => Promise<Uint8Array | undefined>) {
    this.meta = meta;
    this.#read = read;
    // Each iteration goes on where the last one stopped; none returns anything on `break`.
    this.body = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Uint8Array, undefined>> => {
          const chunk = await read();
          return chunk === undefined ? DONE : { done: false, value: chunk };
        },
      }),
    };
  }

  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (let chunk = await this.#read(); chunk !== undefined; chunk = await this.#read()) {
      chunks.push(chunk);
      length += chunk.length;
    }
    if (chunks.length === 1) return (chunks[0] as Uint8Array).slice();
    const out = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  async text(): Promise<string> {
    const bytes = await this.bytes();
    return decodeUtf8(bytes, 0, bytes.length);
  }
}
