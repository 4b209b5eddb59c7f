// ResponseParser: an incremental HTTP/1.1 response parser, the client's (or
// proxy's) side of RequestParser. The loop, the header section (and its copy
// when split across calls) and the body decoding are the same code as
// RequestParser's (MessageStream, SectionScanner, BodyDecoder), so input split
// anywhere yields the same events and the same limits hold. This file has the
// status line and what a response head means for its body, which also
// depends on the method of the request it answers (RFC 9112 section 6.3): see
// responseTo.

import { HttpParserError } from "./errors";
import type { SectionLayout } from "./internal/head-builder";
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
// What a response head means: RFC 9112 section 6.3.
import { buildResponseHead, type StatusLine } from "./internal/response-head";
import { StreamParser } from "./internal/stream-parser";
import { CR, HTAB, LF, SP } from "./internal/tables";
// The version token is read as in a request line.
import { isHttp1Version, isVersionByte } from "./internal/version";
import type { ResponseHandler, ResponseParserOptions } from "./types";

// Status-line states.
const L_VERSION = 0;
const L_STATUS = 1;
const L_REASON = 2;

/** The status a gateway answers with when the upstream response is invalid (RFC 9110 section 15.6.3). */
const BAD_GATEWAY = 502;

/** The method assumed for a response with none queued by responseTo. */
const DEFAULT_METHOD = "GET";

/** The response side of the stream: the status line, the methods answered, and the framing of a response. */
class ResponseKind implements MessageKind {
  readonly noun = "response";
  readonly lineName = "status line";
  lineEnd = LINE_GOING;
  /** No obs-text in the reason phrase so far. */
  lineAscii = true;
  readonly #handler: ResponseHandler;
  readonly #maxBodySize: number;
  readonly #allowBareLf: boolean;
  /** Methods of the requests whose final responses have not been read yet, oldest at #nextMethod. */
  readonly #methods: string[] = [];
  #nextMethod = 0;
  #state = L_VERSION;
  // The reason's offsets are relative to the section's first byte.
  #line: StatusLine = { versionMinor: 1, status: 0, reasonStart: 0, reasonEnd: 0 };
  #versionIndex = 0;
  #versionMajor = 0;
  #statusDigits = 0;

  constructor(handler: ResponseHandler, maxBodySize: number, allowBareLf: boolean) {
    this.#handler = handler;
    this.#maxBodySize = maxBodySize;
    this.#allowBareLf = allowBareLf;
  }

  responseTo(method: string): void {
    this.#methods.push(method);
  }

  beginLine(): void {
    this.#state = L_VERSION;
    this.#versionIndex = 0;
    this.lineAscii = true;
    this.lineEnd = LINE_GOING;
  }

  scanLine(data: Uint8Array, start: number, stop: number, base: number): number {
    let i = start;
    while (i < stop && this.lineEnd === LINE_GOING) {
      switch (this.#state) {
        case L_VERSION:
          i = this.#scanVersion(data, i, stop);
          break;
        case L_STATUS: {
          const c = data[i];
          const k = this.#statusDigits;
          if (k === 3) {
            // RFC 9112 section 4: SP follows the status code, even before an empty reason.
            if (c !== SP) fail("HPE_INVALID_STATUS", "status code is not 3 digits and SP");
            const at = i + 1 - base;
            this.#line.reasonStart = at;
            this.#line.reasonEnd = at;
            this.#state = L_REASON;
          } else {
            const digit = c - 0x30;
            // 100 to 999: a first digit of 0 is no status class (RFC 9110 section 15).
            if (digit < (k === 0 ? 1 : 0) || digit > 9)
              fail("HPE_INVALID_STATUS", "status code is not 3 digits from 100 to 999");
            this.#line.status = this.#line.status * 10 + digit;
            this.#statusDigits = k + 1;
          }
          i++;
          break;
        }
        case L_REASON:
          i = this.#scanReason(data, i, stop, base);
          break;
      }
    }
    return i;
  }

  /** `HTTP/1.1 ` (or 1.0) then the status; other well-formed versions are unsupported. */
  #scanVersion(data: Uint8Array, start: number, stop: number): number {
    let i = start;
    if (
      this.#versionIndex === 0 &&
      i + 9 <= stop &&
      isHttp1Version(data, i) &&
      data[i + 8] === SP
    ) {
      // The usual "HTTP/1.1 " whole: no need to go byte by byte.
      this.#line.versionMinor = data[i + 7] === 0x31 ? 1 : 0;
      this.#startStatus();
      return i + 9;
    }
    for (; i < stop; i++) {
      const c = data[i];
      const k = this.#versionIndex;
      if (k === 8) {
        if (c !== SP) fail("HPE_INVALID_VERSION", "protocol version is not HTTP/d.d SP");
        if (this.#versionMajor !== 1 || (this.#line.versionMinor as number) > 1)
          fail("HPE_UNSUPPORTED_VERSION", "only HTTP/1.0 and HTTP/1.1 are supported");
        this.#startStatus();
        return i + 1;
      }
      if (!isVersionByte(c, k)) fail("HPE_INVALID_VERSION", "protocol version is not HTTP/d.d SP");
      if (k === 5) this.#versionMajor = c - 0x30;
      else if (k === 7) this.#line.versionMinor = (c - 0x30) as 0 | 1;
      this.#versionIndex = k + 1;
    }
    return i;
  }

  #startStatus(): void {
    this.#line.status = 0;
    this.#statusDigits = 0;
    this.#state = L_STATUS;
  }

  /** reason-phrase = *( HTAB / SP / VCHAR / obs-text ), up to CRLF (RFC 9112 section 4). */
  #scanReason(data: Uint8Array, start: number, stop: number, base: number): number {
    for (let i = start; i < stop; i++) {
      const c = data[i];
      if ((c >= 0x20 && c !== 0x7f) || c === HTAB) {
        if (c >= 0x80) this.lineAscii = false;
        continue;
      }
      this.#line.reasonEnd = i - base;
      if (c === CR) {
        this.lineEnd = LINE_CR;
        return i + 1;
      }
      if (c === LF) {
        if (!this.#allowBareLf) fail("HPE_CR_EXPECTED", "status line ends in a bare LF");
        this.lineEnd = LINE_DONE;
        return i + 1;
      }
      fail("HPE_INVALID_STATUS", "reason phrase has a control character");
    }
    return stop;
  }

  head(layout: SectionLayout, framing: Framing): void {
    const methods = this.#methods;
    const method =
      this.#nextMethod < methods.length ? (methods[this.#nextMethod] as string) : DEFAULT_METHOD;
    const head = buildResponseHead(layout, this.#line, method, this.#maxBodySize, framing);
    // An interim response (1xx but 101) is followed by the final one to the same request.
    if (head.status >= 200 || head.status === 101) this.#takeMethod();
    this.#handler.onResponseHead(head);
  }

  #takeMethod(): void {
    if (this.#nextMethod >= this.#methods.length) return;
    this.#nextMethod++;
    if (this.#nextMethod === this.#methods.length) {
      this.#methods.length = 0;
      this.#nextMethod = 0;
    }
  }

  trailers(list: string[]): void {
    this.#handler.onTrailers?.(list);
  }

  complete(): void {
    this.#handler.onResponseComplete?.();
  }

  overflow(_inLine: boolean): never {
    fail("HPE_HEADER_OVERFLOW", "header section exceeds maxHeaderSize");
  }
}

/**
 * Parses HTTP/1.1 responses from bytes, incrementally, and reports them to a
 * {@link ResponseHandler}. Call {@link responseTo} once per request sent, in
 * order, so that responses to HEAD and CONNECT are framed right. See the
 * package README for every rule it enforces. Its errors are HttpParserErrors
 * with status 502 (Bad Gateway).
 *
 * @example
 * ```ts
 * const parser = new ResponseParser({
 *   onResponseHead: (head) => console.log(head.status, head.reason),
 *   onBody: (chunk) => console.log(chunk.length, "body bytes"),
 *   onResponseComplete: () => console.log("done"),
 * });
 * parser.execute(new TextEncoder().encode("HTTP/1.1 204 No Content\r\n\r\n"));
 * ```
 */
export class ResponseParser extends StreamParser {
  readonly #kind: ResponseKind;

  constructor(handler: ResponseHandler, options?: ResponseParserOptions) {
    checkHandler(handler, "ResponseParser", "onResponseHead");
    const settings = settingsOf(options, "ResponseParser");
    const kind = new ResponseKind(handler, settings.maxBodySize, settings.allowBareLf);
    super(new MessageStream(kind, handler, settings, BAD_GATEWAY), "ResponseParser");
    this.#kind = kind;
  }

  /**
   * The next response whose head is not yet complete answers a request with
   * this method (case-sensitive, as sent: `"HEAD"`, `"CONNECT"`). Call it
   * once per request sent, in order (pipelining queues them); with none
   * queued, GET is assumed. Interim 1xx responses (other than 101) leave the
   * method queued for the final response that follows.
   */
  responseTo(method: string): void {
    if (typeof method !== "string" || method.length === 0) {
      throw new HttpParserError(
        "INVALID_ARGUMENT",
        "@moonbridge/http-parser: ResponseParser: responseTo needs the request's method, a non-empty string",
      );
    }
    this.#kind.responseTo(method);
  }
}
