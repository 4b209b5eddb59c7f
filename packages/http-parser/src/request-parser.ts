// RequestParser: an incremental HTTP/1.1 request parser. One state machine
// walks the bytes once; every check happens at a fixed byte of the stream, so
// input split anywhere yields the same events. A header section is never
// copied when it arrives whole: the scanner records token offsets and the
// strings are made from the input at the section's end. Only a section split
// across calls is copied, into a buffer bounded by maxHeaderSize. Body bytes
// are handed out as views of the input.

import { HttpParserError, type HttpParserErrorCode } from "./errors";
import { B_DONE, B_TRAILERS, BodyDecoder } from "./internal/body-decoder";
import { NO_BYTES, NO_INTS } from "./internal/empty";
import {
  buildHead,
  fieldList,
  type RequestLine,
  type SectionLayout,
} from "./internal/head-builder";
import { validateOptions } from "./internal/options";
import { SectionText } from "./internal/section-text";
import {
  COLON,
  CR,
  HEX,
  HTAB,
  LF,
  SP,
  TARGET,
  TARGET_BRACKET,
  TARGET_PERCENT,
  TOKEN,
} from "./internal/tables";
import { WordScanner } from "./internal/word-scan";
import type { RequestHandler, RequestHead, RequestParserOptions } from "./types";

// Parser states. Those below S_BODY belong to a header (or trailer) section.
const S_START = 0; // before a request: empty lines allowed
const S_START_LF = 1;
const S_METHOD = 2;
const S_TARGET = 3;
const S_VERSION = 4;
const S_LINE_CR = 5;
const S_LINE_LF = 6;
const S_FIELD_START = 7;
const S_FIELD_NAME = 8;
const S_FIELD_OWS = 9;
const S_FIELD_VALUE = 10;
const S_FIELD_LF = 11;
const S_SECTION_LF = 12;
const S_BODY = 13; // in the body: the BodyDecoder has the details
const S_UPGRADED = 14;

const VERSION_PREFIX = "HTTP/";

/** Whether `data` holds "HTTP/1.1\r\n" or "HTTP/1.0\r\n" at `i` (10 bytes must be there). */
function isHttp11Line(data: Uint8Array, i: number): boolean {
  return (
    data[i] === 0x48 &&
    data[i + 1] === 0x54 &&
    data[i + 2] === 0x54 &&
    data[i + 3] === 0x50 &&
    data[i + 4] === 0x2f &&
    data[i + 5] === 0x31 &&
    data[i + 6] === 0x2e &&
    (data[i + 7] === 0x31 || data[i + 7] === 0x30) &&
    data[i + 8] === CR &&
    data[i + 9] === LF
  );
}

/**
 * Parses HTTP/1.1 requests from bytes, incrementally, and reports them to a
 * {@link RequestHandler}. See the package README for every rule it enforces.
 *
 * @example
 * ```ts
 * const parser = new RequestParser({
 *   onRequestHead: (head) => console.log(head.method, head.target),
 *   onBody: (chunk) => console.log(chunk.length, "body bytes"),
 *   onRequestComplete: () => console.log("done"),
 * });
 * parser.execute(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * ```
 */
export class RequestParser {
  readonly #handler: RequestHandler;
  readonly #maxHeaderSize: number;
  readonly #maxBodySize: number;
  readonly #maxHeaderCount: number;
  readonly #allowMissingHost: boolean;
  readonly #allowObsFold: boolean;
  readonly #allowBareLf: boolean;
  readonly #body: BodyDecoder;
  readonly #words = new WordScanner();
  readonly #text = new SectionText();
  readonly #layout: SectionLayout = {
    bytes: NO_BYTES,
    base: 0,
    fields: NO_INTS,
    fieldCount: 0,
    asciiOnly: true,
    folded: false,
    text: undefined,
    textShift: 0,
  };

  #state = S_START;
  #error: unknown;
  #executing = false;
  #paused = false;

  // The current section (request head or trailers): offsets are relative to
  // its first byte, which is at index #base of the current input (negative
  // when the section began in an earlier call; those bytes are in #saved).
  #inSection = false;
  #isTrailers = false;
  #base = 0;
  #savedLength = 0;
  #saved: Uint8Array = NO_BYTES;
  #fields = new Int32Array(64);
  #fieldCount = 0;
  #tokenStart = 0;
  #valueEnd = 0;
  #asciiOnly = true;
  /** A field of the section was continued by obs-fold (allowObsFold). */
  #folded = false;
  #line: RequestLine = {
    methodEnd: 0,
    targetStart: 0,
    targetEnd: 0,
    targetHasBrackets: false,
    versionMinor: 1,
  };
  #percent = 0;
  #versionIndex = 0;
  #versionMajor = 0;

  /** Whether the current request switches protocols once complete. */
  #upgrade = false;

  constructor(handler: RequestHandler, options: RequestParserOptions = {}) {
    if (
      handler === null ||
      typeof handler !== "object" ||
      typeof handler.onRequestHead !== "function"
    ) {
      throw new HttpParserError(
        "INVALID_ARGUMENT",
        "@moonbridge/http-parser: RequestParser: handler must be an object with an onRequestHead function",
      );
    }
    const limits = validateOptions(options);
    this.#handler = handler;
    this.#maxHeaderSize = limits.maxHeaderSize;
    this.#maxBodySize = limits.maxBodySize;
    this.#maxHeaderCount = limits.maxHeaderCount;
    this.#allowMissingHost = limits.allowMissingHost;
    this.#allowObsFold = limits.allowObsFold;
    this.#allowBareLf = limits.allowBareLf;
    this.#body = new BodyDecoder(limits);
  }

  /**
   * Feeds bytes as they arrive, split anywhere. Returns how many bytes of
   * `data` were consumed: all of them, except after a request that switches
   * protocols (upgrade, CONNECT), where the rest belongs to the caller, or
   * when a callback called {@link pause}. Throws {@link HttpParserError}.
   */
  execute(data: Uint8Array): number {
    if (this.#error !== undefined) throw this.#error;
    if (this.#executing)
      throw new Error("RequestParser.execute called from inside a handler callback");
    if (this.#state === S_UPGRADED) return 0;
    this.#executing = true;
    this.#paused = false;
    // Text decoded from an earlier call may describe bytes the caller has since overwritten.
    this.#text.breakChain();
    let i = 0;
    try {
      if (this.#inSection) this.#base = -this.#savedLength;
      const len = data.length;
      while (i < len) {
        i = this.#state < S_BODY ? this.#scanSection(data, i) : this.#scanBody(data, i);
        if (this.#paused || this.#state === S_UPGRADED) break;
      }
      if (this.#inSection && i === len) this.#saveSection(data, len);
      return i;
    } catch (error) {
      this.#error = error;
      throw error;
    } finally {
      this.#executing = false;
    }
  }

  /** The peer closed its side. Throws HttpParserError if a request is unfinished. */
  finish(): void {
    if (this.#error !== undefined) throw this.#error;
    const state = this.#state;
    if (state !== S_START && state !== S_START_LF && state !== S_UPGRADED) {
      this.#error = new HttpParserError(
        "HPE_INVALID_EOF_STATE",
        "connection closed in the middle of a request",
      );
      throw this.#error;
    }
  }

  /**
   * Called from a handler callback: `execute` returns right after the bytes
   * that produced the event. Feed the rest (`data.subarray(consumed)`) to go on.
   */
  pause(): void {
    this.#paused = true;
  }

  #fail(code: HttpParserErrorCode, message: string): never {
    throw new HttpParserError(code, message);
  }

  #overflow(): never {
    if (this.#state <= S_LINE_LF && !this.#isTrailers) {
      this.#fail("HPE_URI_TOO_LONG", "request line exceeds maxHeaderSize");
    }
    this.#fail("HPE_HEADER_OVERFLOW", "header section exceeds maxHeaderSize");
  }

  #beginSection(base: number, trailers: boolean, state: number): void {
    this.#inSection = true;
    this.#isTrailers = trailers;
    this.#base = base;
    this.#savedLength = 0;
    this.#fieldCount = 0;
    this.#asciiOnly = true;
    this.#folded = false;
    this.#state = state;
  }

  /** Keeps the unfinished section's bytes of this input for the next call. */
  #saveSection(data: Uint8Array, len: number): void {
    const from = Math.max(this.#base, 0);
    const needed = this.#savedLength + (len - from);
    if (needed > this.#saved.length) {
      const grown = new Uint8Array(
        Math.min(Math.max(needed, this.#saved.length * 2, 256), this.#maxHeaderSize),
      );
      grown.set(this.#saved.subarray(0, this.#savedLength));
      this.#saved = grown;
    }
    this.#saved.set(data.subarray(from, len), this.#savedLength);
    this.#savedLength = needed;
  }

  /** Scans request line and header fields (or trailer fields) until the section ends or input runs out. */
  #scanSection(data: Uint8Array, start: number): number {
    let i = start;
    const len = data.length;
    // Bytes at or past `limit` would make the section longer than maxHeaderSize.
    let limit = this.#inSection ? this.#base + this.#maxHeaderSize : len;
    let stop = Math.min(limit, len);
    while (i < stop) {
      switch (this.#state) {
        case S_START: {
          const c = data[i];
          if (c === CR) {
            this.#state = S_START_LF;
            i++;
          } else if (c === LF) {
            if (!this.#allowBareLf)
              this.#fail("HPE_CR_EXPECTED", "bare LF before the request line");
            i++;
          } else {
            this.#beginSection(i, false, S_METHOD);
            limit = i + this.#maxHeaderSize;
            stop = Math.min(limit, len);
          }
          break;
        }
        case S_START_LF:
          if (data[i] !== LF) this.#fail("HPE_LF_EXPECTED", "CR not followed by LF");
          this.#state = S_START;
          i++;
          break;
        case S_METHOD: {
          while (i < stop && TOKEN[data[i]] === 1) i++;
          if (i === stop) break;
          if (data[i] !== SP || i === this.#base)
            this.#fail("HPE_INVALID_METHOD", "method is not a token");
          this.#line.methodEnd = i - this.#base;
          this.#tokenStart = i + 1 - this.#base;
          this.#line.targetHasBrackets = false;
          this.#percent = 0;
          this.#state = S_TARGET;
          i++;
          break;
        }
        case S_TARGET:
          i = this.#scanTarget(data, i, stop);
          break;
        case S_VERSION: {
          if (this.#versionIndex === 0 && i + 10 <= stop && isHttp11Line(data, i)) {
            // The usual "HTTP/1.1\r\n" (or 1.0), whole: no need to go byte by byte.
            this.#line.versionMinor = data[i + 7] === 0x31 ? 1 : 0;
            this.#state = S_FIELD_START;
            i += 10;
            break;
          }
          const c = data[i];
          const k = this.#versionIndex;
          if (k === 0 && c === SP)
            this.#fail("HPE_UNEXPECTED_SPACE", "two spaces in the request line");
          const ok =
            k < 5
              ? c === VERSION_PREFIX.charCodeAt(k)
              : k === 6
                ? c === 0x2e
                : c >= 0x30 && c <= 0x39;
          if (!ok) this.#fail("HPE_INVALID_VERSION", "protocol version is not HTTP/d.d");
          if (k === 5) this.#versionMajor = c - 0x30;
          else if (k === 7) this.#line.versionMinor = (c - 0x30) as 0 | 1;
          this.#versionIndex = k + 1;
          if (k === 7) this.#state = S_LINE_CR;
          i++;
          break;
        }
        case S_LINE_CR: {
          const c = data[i];
          const bareLf = c === LF && this.#allowBareLf;
          if (c !== CR && !bareLf) {
            if (c === LF) this.#fail("HPE_CR_EXPECTED", "request line ends in a bare LF");
            if (c === SP) this.#fail("HPE_UNEXPECTED_SPACE", "space after the protocol version");
            this.#fail("HPE_INVALID_VERSION", "protocol version is not HTTP/d.d");
          }
          const minor = this.#line.versionMinor as number;
          if (this.#versionMajor !== 1 || minor > 1) {
            this.#fail("HPE_UNSUPPORTED_VERSION", "only HTTP/1.0 and HTTP/1.1 are supported");
          }
          this.#state = bareLf ? S_FIELD_START : S_LINE_LF;
          i++;
          break;
        }
        case S_LINE_LF:
        case S_FIELD_LF:
        case S_SECTION_LF: {
          if (data[i] !== LF) this.#fail("HPE_LF_EXPECTED", "CR not followed by LF");
          i++;
          if (this.#state === S_SECTION_LF) {
            this.#endSection(data, i);
            return i;
          }
          if (this.#state === S_FIELD_LF) this.#fieldCount++;
          this.#state = S_FIELD_START;
          break;
        }
        case S_FIELD_START: {
          const c = data[i];
          if (c === CR) {
            this.#state = S_SECTION_LF;
            i++;
            break;
          }
          if (TOKEN[c] !== 1) {
            if (c === LF) {
              if (!this.#allowBareLf)
                this.#fail("HPE_CR_EXPECTED", "header line ends in a bare LF");
              i++;
              this.#endSection(data, i);
              return i;
            }
            if (c === SP || c === HTAB) {
              if (this.#allowObsFold && this.#fieldCount > 0) {
                this.#continueField();
                break;
              }
              this.#fail("HPE_UNEXPECTED_SPACE", "obs-fold or whitespace before a header field");
            }
            this.#fail("HPE_INVALID_HEADER_TOKEN", "header name is not a token");
          }
          if (this.#fieldCount >= this.#maxHeaderCount) {
            this.#fail("HPE_TOO_MANY_HEADERS", "more header fields than maxHeaderCount");
          }
          const next = this.#wholeFields(data, i, stop);
          if (next > i) {
            i = next;
            break;
          }
          this.#tokenStart = i - this.#base;
          this.#state = S_FIELD_NAME;
          i++;
          break;
        }
        case S_FIELD_NAME: {
          while (i < stop && TOKEN[data[i]] === 1) i++;
          if (i === stop) break;
          if (data[i] !== COLON)
            this.#fail(
              "HPE_INVALID_HEADER_TOKEN",
              "header name is not a token followed by a colon",
            );
          this.#recordName(i - this.#base);
          this.#state = S_FIELD_OWS;
          i++;
          break;
        }
        case S_FIELD_OWS: {
          while (i < stop && (data[i] === SP || data[i] === HTAB)) i++;
          if (i === stop) break;
          const at = i - this.#base;
          this.#tokenStart = at;
          this.#valueEnd = at;
          this.#state = S_FIELD_VALUE;
          break;
        }
        case S_FIELD_VALUE:
          i = this.#scanValue(data, i, stop);
          break;
      }
    }
    // A byte past the limit is here: the section is too long (at exactly the
    // end of the input, the next call finds out, so splits do not matter).
    if (i === limit && i < len && this.#inSection) this.#overflow();
    return i;
  }

  /**
   * Fast path for field lines that lie whole in the input before `stop`:
   * records as many as it can and returns the index after the last one's CRLF
   * (`start` if none). It stops, changing nothing for that line, at anything
   * unusual (a split line, an error, obs-text, the field limit, the empty
   * line), which the state machine then handles byte by byte, reporting the
   * same errors.
   */
  #wholeFields(data: Uint8Array, start: number, stop: number): number {
    const base = this.#base;
    const max = this.#maxHeaderCount;
    const words = this.#words;
    let fields = this.#fields;
    let count = this.#fieldCount;
    let line = start;
    while (count < max) {
      let i = line;
      if (i >= stop || TOKEN[data[i]] !== 1) break;
      i++;
      while (i < stop && TOKEN[data[i]] === 1) i++;
      if (i >= stop || data[i] !== COLON) break;
      const nameEnd = i;
      i++;
      while (i < stop && (data[i] === SP || data[i] === HTAB)) i++;
      const valueStart = i;
      const end = words.valueEnd(data, i, stop, true);
      if (end < 0 || end + 1 >= stop || data[end] !== CR || data[end + 1] !== LF) break;
      let valueEnd = end;
      while (valueEnd > valueStart && (data[valueEnd - 1] === SP || data[valueEnd - 1] === HTAB)) {
        valueEnd--;
      }
      const f = count * 4;
      if (f + 4 > fields.length) {
        const grown = new Int32Array(fields.length * 2);
        grown.set(fields);
        fields = grown;
        this.#fields = grown;
      }
      fields[f] = line - base;
      fields[f + 1] = nameEnd - base;
      fields[f + 2] = valueStart - base;
      fields[f + 3] = valueEnd - base;
      count++;
      line = end + 2;
    }
    this.#fieldCount = count;
    return line;
  }

  #scanTarget(data: Uint8Array, start: number, stop: number): number {
    let i = start;
    let percent = this.#percent;
    // Most target bytes are plain: skip them before looking closer.
    if (percent === 0) while (i < stop && TARGET[data[i]] === 1) i++;
    for (; i < stop; i++) {
      const c = data[i];
      if (percent > 0) {
        if (HEX[c] < 0)
          this.#fail(
            "HPE_INVALID_URL",
            "% in the request-target is not followed by two hex digits",
          );
        percent--;
        continue;
      }
      const k = TARGET[c];
      if (k === 1) continue;
      if (k === TARGET_PERCENT) percent = 2;
      else if (k === TARGET_BRACKET) this.#line.targetHasBrackets = true;
      else if (c === SP) {
        const end = i - this.#base;
        if (end === this.#tokenStart)
          this.#fail("HPE_UNEXPECTED_SPACE", "two spaces in the request line");
        this.#line.targetStart = this.#tokenStart;
        this.#line.targetEnd = end;
        this.#versionIndex = 0;
        this.#state = S_VERSION;
        return i + 1;
      } else if (c === CR) {
        this.#fail("HPE_INVALID_VERSION", "request line has no protocol version");
      } else if (c === LF) {
        this.#fail("HPE_CR_EXPECTED", "request line ends in a bare LF");
      } else {
        this.#fail("HPE_INVALID_URL", "request-target has a character RFC 3986 does not allow");
      }
    }
    this.#percent = percent;
    return i;
  }

  #scanValue(data: Uint8Array, start: number, stop: number): number {
    let i = this.#words.valueEnd(data, start, stop, this.#asciiOnly);
    if (i < 0) {
      this.#asciiOnly = false;
      i = this.#words.valueEnd(data, start, stop, false);
    }
    // Trailing SP and HTAB are not part of the value (RFC 9112 section 5).
    let end = i;
    while (end > start && (data[end - 1] === SP || data[end - 1] === HTAB)) end--;
    if (end > start) this.#valueEnd = end - this.#base;
    if (i === stop) return i;
    const c = data[i];
    if (c === CR) {
      this.#recordValue();
      this.#state = S_FIELD_LF;
      return i + 1;
    }
    if (c === LF) {
      if (!this.#allowBareLf) this.#fail("HPE_CR_EXPECTED", "header line ends in a bare LF");
      this.#recordValue();
      this.#fieldCount++;
      this.#state = S_FIELD_START;
      return i + 1;
    }
    this.#fail("HPE_INVALID_HEADER_TOKEN", "header value has a control character");
  }

  /**
   * obs-fold (allowObsFold): the line starting here with SP or HTAB goes on
   * with the field before. Its value is scanned on from here; the fold (line
   * break and whitespace) is replaced by one SP when the strings are made.
   */
  #continueField(): void {
    this.#fieldCount--;
    const f = this.#fieldCount * 4;
    this.#tokenStart = this.#fields[f + 2] as number;
    this.#valueEnd = this.#fields[f + 3] as number;
    this.#folded = true;
    this.#state = S_FIELD_VALUE;
  }

  #recordName(nameEnd: number): void {
    const f = this.#fieldCount * 4;
    if (f + 4 > this.#fields.length) {
      const grown = new Int32Array(this.#fields.length * 2);
      grown.set(this.#fields);
      this.#fields = grown;
    }
    this.#fields[f] = this.#tokenStart;
    this.#fields[f + 1] = nameEnd;
  }

  #recordValue(): void {
    const f = this.#fieldCount * 4;
    this.#fields[f + 2] = this.#tokenStart;
    this.#fields[f + 3] = this.#valueEnd;
  }

  /** The section's last LF is at `end - 1`: build what it holds and hand it on. */
  #endSection(data: Uint8Array, end: number): void {
    const split = this.#savedLength > 0;
    if (split) this.#saveSection(data, end);
    const layout = this.#layout;
    layout.bytes = split ? this.#saved : data;
    layout.base = split ? 0 : this.#base;
    layout.fields = this.#fields;
    layout.fieldCount = this.#fieldCount;
    layout.asciiOnly = this.#asciiOnly;
    layout.folded = this.#folded;
    if (this.#asciiOnly && !split) this.#text.fill(layout, data, this.#base, end);
    else {
      layout.text = undefined;
      this.#text.breakChain();
    }
    this.#inSection = false;
    this.#savedLength = 0;
    if (this.#isTrailers) {
      if (this.#fieldCount > 0) this.#handler.onTrailers?.(fieldList(layout));
      this.#completeRequest();
      return;
    }
    const head = buildHead(layout, this.#line, this.#maxBodySize, this.#allowMissingHost);
    this.#startBody(head);
  }

  #startBody(head: RequestHead): void {
    this.#upgrade = head.upgrade;
    this.#handler.onRequestHead(head);
    this.#text.breakChain();
    if (head.chunked) {
      this.#body.startChunked();
      this.#state = S_BODY;
    } else if (
      head.contentLength !== undefined &&
      head.contentLength > 0 &&
      head.method !== "CONNECT"
    ) {
      this.#body.startLength(head.contentLength);
      this.#state = S_BODY;
    } else {
      if (this.#layout.text !== undefined) this.#text.continueChain();
      this.#completeRequest();
    }
  }

  /** Body bytes, through the decoder; then the trailers or the request's end. */
  #scanBody(data: Uint8Array, start: number): number {
    const body = this.#body;
    const i = body.scan(data, start, this.#handler);
    if (body.state === B_DONE) this.#completeRequest();
    else if (body.state === B_TRAILERS) this.#beginSection(i, true, S_FIELD_START);
    return i;
  }

  #completeRequest(): void {
    this.#state = this.#upgrade ? S_UPGRADED : S_START;
    this.#handler.onRequestComplete?.();
  }
}
