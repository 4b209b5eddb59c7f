// MultipartParser: a streaming multipart/form-data parser (RFC 7578, RFC 2046
// section 5.1), or, with `{ formData: false }`, one of any multipart subtype
// (multipart/mixed, related, ...: RFC 2046 alone). Delimiters are found with
// Boyer-Moore-Horspool, so part data is skipped over rather than looked at
// byte by byte; data goes out as views of the input, and only the few bytes
// that might begin a delimiter at the end of an input are held back (copied,
// since the caller may reuse its buffer).

import { BodyParserError, type BodyParserErrorCode } from "./errors";
import { DelimiterSearch } from "./internal/delimiter-search";
import {
  invalidArgument,
  validateBoundary,
  validateLimits,
  validateMultipartOptions,
} from "./internal/limits";
import { parsePartHeaders } from "./internal/part-headers";
import { view } from "./internal/view";
import type {
  MimePartMeta,
  MultipartHandler,
  MultipartLimits,
  MultipartOptions,
  PartMeta,
} from "./types";

const S_PREAMBLE = 0; // before the first delimiter: ignored
const S_AFTER_DELIMITER = 1; // after "--boundary": "--", or LWSP and CRLF
const S_AFTER_DASH = 2; // after "--boundary-"
const S_DELIMITER_LWSP = 3; // linear whitespace after the delimiter
const S_DELIMITER_LF = 4; // the CR after the delimiter was seen
const S_HEADERS = 5; // a part's header section
const S_DATA = 6; // a part's data
const S_EPILOGUE = 7; // after the closing delimiter: ignored

const CR = 0x0d;
const LF = 0x0a;

/**
 * Parses a multipart/form-data body as it streams in and reports each part to
 * a {@link MultipartHandler}: metadata, data chunks, end. With `{ formData:
 * false }` it reads a body of any multipart subtype, and each part's
 * metadata is a {@link MimePartMeta}.
 *
 * @example
 * ```ts
 * const parser = new MultipartParser(getBoundary(contentType), {
 *   onPart: (meta) => console.log(meta.fieldName, meta.fileName),
 *   onData: (chunk) => file.write(chunk.slice()),
 *   onPartEnd: () => console.log("part done"),
 * });
 * for await (const chunk of body) parser.write(chunk);
 * parser.end();
 * ```
 */
export class MultipartParser {
  readonly #handler: MultipartHandler<MimePartMeta>;
  readonly #limits: Required<MultipartLimits>;
  readonly #formData: boolean;
  readonly #search: DelimiterSearch;
  #state = S_PREAMBLE;
  #error: unknown;
  #total = 0;
  #parts = 0;
  /** Bytes of the current part's data so far, and its limit. */
  #partSize = 0;
  #partLimit = 0;
  #partLimitCode: BodyParserErrorCode = "MULTIPART_FIELD_TOO_LARGE";
  #header = new Uint8Array(256);
  #headerLength = 0;
  /** The last header byte of the last input, and where the current header line began in `#header`. */
  #previous = -1;
  #lineStart = 0;

  /**
   * @param boundary - the boundary, as {@link getBoundary} returns it (1-70 characters).
   * @param handler - receives the parts.
   * @param limits - see {@link MultipartLimits}; a bad or unknown one throws
   *   {@link BodyParserError} `INVALID_OPTION` naming it.
   * @param options - see {@link MultipartOptions}; checked as the limits are.
   * @throws {@link BodyParserError} `INVALID_ARGUMENT` for a bad boundary or handler.
   */
  constructor(
    boundary: string,
    handler: MultipartHandler<PartMeta>,
    limits?: MultipartLimits,
    options?: MultipartOptions & { formData?: true },
  );
  constructor(
    boundary: string,
    handler: MultipartHandler<MimePartMeta>,
    limits?: MultipartLimits,
    options?: MultipartOptions,
  );
  constructor(
    boundary: string,
    handler: MultipartHandler<MimePartMeta>,
    limits: MultipartLimits = {},
    options: MultipartOptions = {},
  ) {
    validateBoundary(boundary, "MultipartParser");
    for (const method of ["onPart", "onData", "onPartEnd"] as const) {
      if (typeof handler?.[method] !== "function") {
        throw invalidArgument(`handler.${method} must be a function`);
      }
    }
    this.#handler = handler;
    this.#limits = validateLimits(limits);
    this.#formData = validateMultipartOptions(options, "MultipartParser");
    this.#search = new DelimiterSearch(boundary);
  }

  /** Feeds body bytes, split anywhere. Throws {@link BodyParserError}. */
  write(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    try {
      const room = this.#limits.maxTotalSize - this.#total;
      if (chunk.length > room) {
        this.#run(view(chunk, 0, room));
        this.#total = this.#limits.maxTotalSize;
        this.#fail("MULTIPART_BODY_TOO_LARGE", "body exceeds maxTotalSize");
      }
      this.#total += chunk.length;
      this.#run(chunk);
    } catch (error) {
      this.#error = error;
      throw error;
    } finally {
      this.#search.forget();
    }
  }

  /** End of the body. Throws {@link BodyParserError} if the closing delimiter was not seen. */
  end(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#state !== S_EPILOGUE) {
      this.#error = new BodyParserError(
        "MULTIPART_TRUNCATED",
        "body ended before the closing delimiter",
      );
      throw this.#error;
    }
  }

  #fail(code: BodyParserErrorCode, message: string): never {
    throw new BodyParserError(code, message);
  }

  #run(data: Uint8Array): void {
    let i = 0;
    const len = data.length;
    while (i < len) {
      switch (this.#state) {
        case S_PREAMBLE:
        case S_DATA:
          i = this.#scan(data, i);
          break;
        case S_AFTER_DELIMITER: {
          const c = data[i++];
          if (c === 0x2d) this.#state = S_AFTER_DASH;
          else if (c === CR) this.#state = S_DELIMITER_LF;
          else if (c === 0x20 || c === 0x09) this.#state = S_DELIMITER_LWSP;
          else
            this.#fail(
              "MULTIPART_MALFORMED",
              "delimiter is followed by something other than CRLF or --",
            );
          break;
        }
        case S_AFTER_DASH:
          if (data[i++] !== 0x2d)
            this.#fail("MULTIPART_MALFORMED", "delimiter is followed by a single -");
          this.#state = S_EPILOGUE;
          break;
        case S_DELIMITER_LWSP: {
          const c = data[i++];
          if (c === CR) this.#state = S_DELIMITER_LF;
          else if (c !== 0x20 && c !== 0x09) {
            this.#fail("MULTIPART_MALFORMED", "delimiter line has something after its whitespace");
          }
          break;
        }
        case S_DELIMITER_LF:
          if (data[i++] !== LF)
            this.#fail("MULTIPART_MALFORMED", "CR after a delimiter is not followed by LF");
          this.#startPart();
          break;
        case S_HEADERS:
          i = this.#scanHeaders(data, i);
          break;
        default:
          return; // S_EPILOGUE: the rest is ignored
      }
    }
  }

  #startPart(): void {
    this.#parts++;
    if (this.#parts > this.#limits.maxParts)
      this.#fail("MULTIPART_TOO_MANY_PARTS", "more parts than maxParts");
    this.#headerLength = 0;
    this.#previous = -1;
    this.#lineStart = 0;
    this.#state = S_HEADERS;
  }

  /** Preamble or part data up to the next delimiter; returns where scanning goes on. */
  #scan(data: Uint8Array, start: number): number {
    const search = this.#search;
    const found = search.find(data, start);
    const inData = this.#state === S_DATA;
    // Held-back bytes that turned out not to start a delimiter are data.
    if (search.releasedLength > 0 && inData) this.#emit(search.released());
    if (found < 0) {
      const safeEnd = search.safeEnd;
      if (inData && safeEnd > start) this.#emit(view(data, start, safeEnd));
      return data.length;
    }
    if (inData) {
      const dataEnd = search.matchStart;
      if (dataEnd > start) this.#emit(view(data, start, dataEnd));
      this.#handler.onPartEnd();
    }
    // The usual CRLF after a delimiter: on to the next part's headers at once.
    if (data[found] === CR && data[found + 1] === LF) {
      this.#startPart();
      return found + 2;
    }
    this.#state = S_AFTER_DELIMITER;
    return found;
  }

  #emit(chunk: Uint8Array): void {
    const size = this.#partSize + chunk.length;
    if (size > this.#partLimit) {
      const room = this.#partLimit - this.#partSize;
      if (room > 0) this.#handler.onData(view(chunk, 0, room));
      this.#partSize = this.#partLimit;
      this.#fail(
        this.#partLimitCode,
        `part data exceeds ${this.#partLimitCode === "MULTIPART_FIELD_TOO_LARGE" ? "maxFieldSize" : "maxFileSize"}`,
      );
    }
    this.#partSize = size;
    this.#handler.onData(chunk);
  }

  /**
   * Collects a part's header section up to its empty line, checking line
   * endings and control bytes as it goes; returns where scanning goes on.
   * Offsets count from the section's first byte; the bytes of earlier inputs
   * are in `#header[0, #headerLength)`, the rest in `data` from `start`. A
   * section that arrives whole is parsed where it lies, never copied.
   */
  #scanHeaders(data: Uint8Array, start: number): number {
    const n = this.#headerLength;
    // Bytes past `stop` would make the section longer than maxPartHeaderSize.
    const stop = Math.min(data.length, start + this.#limits.maxPartHeaderSize - n);
    // A CR is checked against the byte after it there and then; the last
    // input's final CR against this input's first byte.
    if (this.#previous === CR && start < stop && data[start] !== LF) this.#crWithoutLf();
    let lineStart = this.#lineStart;
    let i = start;
    while (i < stop) {
      const c = data[i++] as number;
      if ((c >= 0x20 && c !== 0x7f) || c === 0x09) continue;
      if (c === CR) {
        if (i < stop && data[i] !== LF) this.#crWithoutLf();
        continue;
      }
      if (c !== LF) this.#fail("MULTIPART_INVALID_PART_HEADER", "part header has a control byte");
      if ((i - 2 >= start ? data[i - 2] : this.#previous) !== CR) {
        this.#fail("MULTIPART_MALFORMED", "part header line ends in a bare LF");
      }
      const end = n + (i - start);
      if (end - lineStart === 2) {
        // The empty line: the section is complete.
        if (n === 0) this.#beginData(data, start, i);
        else {
          this.#keepHeader(data, start, i);
          this.#beginData(this.#header, 0, this.#headerLength);
        }
        return i;
      }
      // A line that starts with the delimiter is a delimiter out of place: the
      // boundary must not occur inside a part (RFC 2046 section 5.1.1).
      if (this.#startsWithDelimiter(data, start, lineStart, end)) {
        this.#fail("MULTIPART_MALFORMED", "a delimiter inside a part's header section");
      }
      lineStart = end;
    }
    if (i < data.length) {
      this.#fail(
        "MULTIPART_PART_HEADER_TOO_LARGE",
        "part header section exceeds maxPartHeaderSize",
      );
    }
    this.#keepHeader(data, start, i);
    if (i > start) this.#previous = data[i - 1] as number;
    this.#lineStart = lineStart;
    return i;
  }

  #crWithoutLf(): never {
    this.#fail("MULTIPART_MALFORMED", "CR in a part header is not followed by LF");
  }

  /** Whether the section's line `[lineStart, lineEnd)` begins with "--" + boundary (offsets as in #scanHeaders). */
  #startsWithDelimiter(
    data: Uint8Array,
    start: number,
    lineStart: number,
    lineEnd: number,
  ): boolean {
    const dashBoundary = this.#search.dashBoundary;
    if (lineEnd - lineStart < dashBoundary.length) return false;
    const n = this.#headerLength;
    for (let k = 0; k < dashBoundary.length; k++) {
      const o = lineStart + k;
      const byte = o < n ? this.#header[o] : data[start + o - n];
      if (byte !== dashBoundary[k]) return false;
    }
    return true;
  }

  /** Appends `data[start, end)` to the header section collected so far. */
  #keepHeader(data: Uint8Array, start: number, end: number): void {
    let n = this.#headerLength;
    const needed = n + (end - start);
    if (needed > this.#header.length) {
      const grown = new Uint8Array(Math.max(needed, this.#header.length * 2));
      grown.set(this.#header.subarray(0, n));
      this.#header = grown;
    }
    // Header lines are short: a loop beats making a view to copy from.
    const header = this.#header;
    for (let k = start; k < end; k++) header[n++] = data[k] as number;
    this.#headerLength = n;
  }

  #beginData(bytes: Uint8Array, from: number, to: number): void {
    const meta = parsePartHeaders(bytes, from, to, this.#formData);
    // The empty line's CRLF may also be the CRLF of a delimiter right after
    // it: a part without data (RFC 2046: body-part := headers [CRLF *OCTET]).
    this.#search.expectHeaderEnd();
    const isFile = meta.fileName !== undefined;
    this.#partSize = 0;
    this.#partLimit = isFile ? this.#limits.maxFileSize : this.#limits.maxFieldSize;
    this.#partLimitCode = isFile ? "MULTIPART_FILE_TOO_LARGE" : "MULTIPART_FIELD_TOO_LARGE";
    this.#state = S_DATA;
    this.#handler.onPart(meta);
  }
}
