// RequestParser: an incremental HTTP/1.1 request parser. One state machine
// walks the bytes once; every check happens at a fixed byte of the stream, so
// input split anywhere yields the same events. A header section is never
// copied when it arrives whole: the scanner records token offsets and the
// strings are made from the input at the section's end. Only a section split
// across calls is copied, into a buffer bounded by maxHeaderSize. Body bytes
// are handed out as views of the input. The loop, the header section and the
// body are shared with ResponseParser (MessageStream); the request line and
// what a request head means are this file's.

import { buildHead, type RequestLine, type SectionLayout } from "./internal/head-builder";
import {
  checkHandler,
  type Framing,
  fail,
  LINE_CR,
  LINE_DONE,
  LINE_GOING,
  type MessageKind,
  MessageStream,
} from "./internal/message-stream";
import { settingsOf } from "./internal/options";
import { StreamParser } from "./internal/stream-parser";
import { CR, HEX, LF, SP, TARGET, TARGET_BRACKET, TARGET_PERCENT, TOKEN } from "./internal/tables";
import { isHttp1Version, isVersionByte } from "./internal/version";
import type { RequestHandler, RequestParserOptions } from "./types";

// Request-line states.
const L_METHOD = 0;
const L_TARGET = 1;
const L_VERSION = 2;
const L_CR = 3;

/** The request side of the stream: the request line, and what a request head means for its body. */
class RequestKind implements MessageKind {
  readonly noun = "request";
  readonly lineName = "request line";
  lineEnd = LINE_GOING;
  /** Request-target and version are ASCII by their grammar. */
  readonly lineAscii = true;
  readonly #handler: RequestHandler;
  readonly #maxBodySize: number;
  readonly #allowMissingHost: boolean;
  readonly #allowBareLf: boolean;
  #state = L_METHOD;
  // Request-line offsets are relative to the section's first byte.
  #tokenStart = 0;
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

  constructor(
    handler: RequestHandler,
    maxBodySize: number,
    allowMissingHost: boolean,
    allowBareLf: boolean,
  ) {
    this.#handler = handler;
    this.#maxBodySize = maxBodySize;
    this.#allowMissingHost = allowMissingHost;
    this.#allowBareLf = allowBareLf;
  }

  beginLine(): void {
    this.#state = L_METHOD;
    this.lineEnd = LINE_GOING;
  }

  scanLine(data: Uint8Array, start: number, stop: number, base: number): number {
    let i = start;
    while (i < stop) {
      switch (this.#state) {
        case L_METHOD: {
          while (i < stop && TOKEN[data[i]] === 1) i++;
          if (i === stop) break;
          if (data[i] !== SP || i === base) fail("HPE_INVALID_METHOD", "method is not a token");
          this.#line.methodEnd = i - base;
          this.#tokenStart = i + 1 - base;
          this.#line.targetHasBrackets = false;
          this.#percent = 0;
          this.#state = L_TARGET;
          i++;
          break;
        }
        case L_TARGET:
          i = this.#scanTarget(data, i, stop, base);
          break;
        case L_VERSION: {
          if (
            this.#versionIndex === 0 &&
            i + 10 <= stop &&
            isHttp1Version(data, i) &&
            data[i + 8] === CR &&
            data[i + 9] === LF
          ) {
            // The usual "HTTP/1.1\r\n" (or 1.0), whole: no need to go byte by byte.
            this.#line.versionMinor = data[i + 7] === 0x31 ? 1 : 0;
            this.lineEnd = LINE_DONE;
            return i + 10;
          }
          const c = data[i];
          const k = this.#versionIndex;
          if (k === 0 && c === SP) fail("HPE_UNEXPECTED_SPACE", "two spaces in the request line");
          if (!isVersionByte(c, k)) fail("HPE_INVALID_VERSION", "protocol version is not HTTP/d.d");
          if (k === 5) this.#versionMajor = c - 0x30;
          else if (k === 7) this.#line.versionMinor = (c - 0x30) as 0 | 1;
          this.#versionIndex = k + 1;
          if (k === 7) this.#state = L_CR;
          i++;
          break;
        }
        case L_CR: {
          const c = data[i];
          const bareLf = c === LF && this.#allowBareLf;
          if (c !== CR && !bareLf) {
            if (c === LF) fail("HPE_CR_EXPECTED", "request line ends in a bare LF");
            if (c === SP) fail("HPE_UNEXPECTED_SPACE", "space after the protocol version");
            fail("HPE_INVALID_VERSION", "protocol version is not HTTP/d.d");
          }
          const minor = this.#line.versionMinor as number;
          if (this.#versionMajor !== 1 || minor > 1) {
            fail("HPE_UNSUPPORTED_VERSION", "only HTTP/1.0 and HTTP/1.1 are supported");
          }
          this.lineEnd = bareLf ? LINE_DONE : LINE_CR;
          return i + 1;
        }
      }
    }
    return i;
  }

  #scanTarget(data: Uint8Array, start: number, stop: number, base: number): number {
    let i = start;
    let percent = this.#percent;
    // Most target bytes are plain: skip them before looking closer.
    if (percent === 0) while (i < stop && TARGET[data[i]] === 1) i++;
    for (; i < stop; i++) {
      const c = data[i];
      if (percent > 0) {
        if (HEX[c] < 0)
          fail("HPE_INVALID_URL", "% in the request-target is not followed by two hex digits");
        percent--;
        continue;
      }
      const k = TARGET[c];
      if (k === 1) continue;
      if (k === TARGET_PERCENT) percent = 2;
      else if (k === TARGET_BRACKET) this.#line.targetHasBrackets = true;
      else if (c === SP) {
        const end = i - base;
        if (end === this.#tokenStart)
          fail("HPE_UNEXPECTED_SPACE", "two spaces in the request line");
        this.#line.targetStart = this.#tokenStart;
        this.#line.targetEnd = end;
        this.#versionIndex = 0;
        this.#state = L_VERSION;
        return i + 1;
      } else if (c === CR) {
        fail("HPE_INVALID_VERSION", "request line has no protocol version");
      } else if (c === LF) {
        fail("HPE_CR_EXPECTED", "request line ends in a bare LF");
      } else {
        fail("HPE_INVALID_URL", "request-target has a character RFC 3986 does not allow");
      }
    }
    this.#percent = percent;
    return i;
  }

  head(layout: SectionLayout, framing: Framing): void {
    const head = buildHead(layout, this.#line, this.#maxBodySize, this.#allowMissingHost);
    framing.upgrade = head.upgrade;
    framing.chunked = head.chunked;
    framing.untilClose = false;
    // CONNECT never has a body: after its head the bytes belong to the tunnel.
    framing.length = head.method === "CONNECT" ? 0 : (head.contentLength ?? 0);
    this.#handler.onRequestHead(head);
  }

  trailers(list: string[]): void {
    this.#handler.onTrailers?.(list);
  }

  complete(): void {
    this.#handler.onRequestComplete?.();
  }

  overflow(inLine: boolean): never {
    if (inLine) fail("HPE_URI_TOO_LONG", "request line exceeds maxHeaderSize");
    fail("HPE_HEADER_OVERFLOW", "header section exceeds maxHeaderSize");
  }
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
export class RequestParser extends StreamParser {
  constructor(handler: RequestHandler, options?: RequestParserOptions) {
    checkHandler(handler, "RequestParser", "onRequestHead");
    const settings = settingsOf(options);
    const kind = new RequestKind(
      handler,
      settings.maxBodySize,
      settings.allowMissingHost,
      settings.allowBareLf,
    );
    super(new MessageStream(kind, handler, settings, undefined), "RequestParser");
  }
}
