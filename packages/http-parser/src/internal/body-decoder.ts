// Decodes one message's body from its framing: a Content-Length count, the
// rest of the connection (responses only), or chunked coding (RFC 9112 section 7.1): hex sizes with an overflow guard,
// extensions validated and skipped, CRLF after each chunk's data. Body bytes
// go out as views of the input, never copied.

import { HttpParserError } from "../errors";
import { ChunkExtensionScanner } from "./chunk-extension";
import type { Settings } from "./options";
import { CR, HEX, HTAB, LF, SEMICOLON, SP } from "./tables";

export const B_DONE = 0; // no body, or all of it read
export const B_TRAILERS = 1; // the last chunk was read: a trailer section follows
const B_LENGTH = 2;
const B_CHUNK_SIZE_START = 3;
const B_CHUNK_SIZE = 4;
const B_CHUNK_EXT = 5;
const B_CHUNK_SIZE_LF = 6;
const B_CHUNK_DATA = 7;
const B_CHUNK_DATA_CR = 8;
const B_CHUNK_DATA_LF = 9;
const B_UNTIL_CLOSE = 10;

/** Chunk sizes stop growing here, so `size * 16 + digit` stays below 2^53. */
const MAX_CHUNK_SIZE_BEFORE_DIGIT = 2 ** 49;

function fail(code: ConstructorParameters<typeof HttpParserError>[0], message: string): never {
  throw new HttpParserError(code, message);
}

/** Where body bytes go: a request or response handler. */
export interface BodySink {
  onBody?(chunk: Uint8Array): void;
}

export class BodyDecoder {
  /** B_DONE, B_TRAILERS, or a state inside the body. */
  state = B_DONE;
  readonly #maxBodySize: number;
  readonly #extensions: ChunkExtensionScanner;
  readonly #allowBareLf: boolean;
  readonly #allowMissingCrlfAfterChunk: boolean;
  #remaining = 0;
  #chunkSize = 0;
  #total = 0;

  constructor(settings: Settings) {
    this.#maxBodySize = settings.maxBodySize;
    this.#allowBareLf = settings.allowBareLf;
    this.#allowMissingCrlfAfterChunk = settings.allowMissingCrlfAfterChunk;
    this.#extensions = new ChunkExtensionScanner(
      settings.maxChunkExtensionSize,
      settings.allowBareLf,
    );
  }

  /** A body of exactly `length` (> 0) bytes follows. */
  startLength(length: number): void {
    this.#remaining = length;
    this.state = B_LENGTH;
  }

  /** A body delimited by the connection's close follows: every byte until finish() is body. */
  startUntilClose(): void {
    this.#total = 0;
    this.state = B_UNTIL_CLOSE;
  }

  /** Whether the body runs until the connection closes (finish() completes it). */
  get untilClose(): boolean {
    return this.state === B_UNTIL_CLOSE;
  }

  /** A chunked body follows. */
  startChunked(): void {
    this.#total = 0;
    this.#extensions.reset();
    this.state = B_CHUNK_SIZE_START;
  }

  /**
   * Decodes body bytes from `start`, until the body is done, the trailers
   * begin, the input ends, or right after one `onBody` call (so the caller
   * can honour a pause). Returns the next index.
   */
  scan(data: Uint8Array, start: number, handler: BodySink): number {
    let i = start;
    const len = data.length;
    while (i < len) {
      switch (this.state) {
        case B_LENGTH:
        case B_CHUNK_DATA: {
          const n = Math.min(this.#remaining, len - i);
          const chunk = data.subarray(i, i + n);
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0)
            this.state = this.state === B_LENGTH ? B_DONE : B_CHUNK_DATA_CR;
          handler.onBody?.(chunk);
          return i;
        }
        case B_CHUNK_SIZE_START: {
          const v = HEX[data[i]];
          if (v < 0) {
            if (data[i] === LF) fail("HPE_CR_EXPECTED", "bare LF in chunked framing");
            fail("HPE_INVALID_CHUNK_SIZE", "chunk size is not hex");
          }
          this.#chunkSize = v;
          this.state = B_CHUNK_SIZE;
          i++;
          break;
        }
        case B_CHUNK_SIZE: {
          let size = this.#chunkSize;
          for (; i < len; i++) {
            const v = HEX[data[i]];
            if (v < 0) break;
            if (size >= MAX_CHUNK_SIZE_BEFORE_DIGIT) {
              fail("HPE_INVALID_CHUNK_SIZE", "chunk size is too large");
            }
            size = size * 16 + v;
          }
          this.#chunkSize = size;
          if (i === len) break;
          const c = data[i];
          i++;
          if (c === CR) this.state = B_CHUNK_SIZE_LF;
          else if (c === SEMICOLON || c === SP || c === HTAB) {
            this.#extensions.begin(c);
            this.state = B_CHUNK_EXT;
          } else if (c === LF) {
            if (!this.#allowBareLf) fail("HPE_CR_EXPECTED", "bare LF in chunked framing");
            if (this.#sizeLineDone()) return i;
          } else fail("HPE_INVALID_CHUNK_SIZE", "chunk size is not hex");
          break;
        }
        case B_CHUNK_EXT: {
          const extensions = this.#extensions;
          i = extensions.scan(data, i);
          if (!extensions.done) break;
          this.state = B_CHUNK_SIZE_LF;
          // A bare LF (allowBareLf) ended the line: no LF is due.
          if (extensions.endedByLf && this.#sizeLineDone()) return i;
          break;
        }
        case B_CHUNK_SIZE_LF:
          if (data[i] !== LF) fail("HPE_LF_EXPECTED", "CR not followed by LF");
          i++;
          if (this.#sizeLineDone()) return i;
          break;
        case B_CHUNK_DATA_CR: {
          const c = data[i];
          if (c === CR) {
            this.state = B_CHUNK_DATA_LF;
            i++;
          } else if (c === LF && this.#allowBareLf) {
            this.state = B_CHUNK_SIZE_START;
            i++;
          } else if (this.#allowMissingCrlfAfterChunk) this.state = B_CHUNK_SIZE_START;
          else fail("HPE_CR_EXPECTED", "chunk data is not followed by CRLF");
          break;
        }
        case B_CHUNK_DATA_LF:
          if (data[i] !== LF) fail("HPE_LF_EXPECTED", "CR not followed by LF");
          this.state = B_CHUNK_SIZE_START;
          i++;
          break;
        case B_UNTIL_CLOSE: {
          // Bytes up to the limit go out, then the one past it fails: the same at any split.
          const room = this.#maxBodySize - this.#total;
          if (room === 0) fail("HPE_BODY_TOO_LARGE", "body exceeds maxBodySize");
          const n = Math.min(room, len - i);
          this.#total += n;
          handler.onBody?.(data.subarray(i, i + n));
          return i + n;
        }
        default:
          return i;
      }
    }
    return i;
  }

  /** A chunk-size line has ended: the chunk's data follows, or (true) the trailers. */
  #sizeLineDone(): boolean {
    const size = this.#chunkSize;
    if (size === 0) {
      this.state = B_TRAILERS;
      return true;
    }
    this.#total += size;
    if (this.#total > this.#maxBodySize) fail("HPE_BODY_TOO_LARGE", "body exceeds maxBodySize");
    this.#remaining = size;
    this.state = B_CHUNK_DATA;
    return false;
  }
}
