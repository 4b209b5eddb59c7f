// The message loop RequestParser and ResponseParser share: one state machine
// over a connection's bytes (empty lines, start line, header section, body,
// trailers, the switch of protocols), with the execute / finish / pause
// contract of both parsers. What differs, the start line and what a head means
// for the body, is a MessageKind's; the header section is SectionScanner's and
// the body BodyDecoder's, so every check happens at a fixed byte of the
// stream and input split anywhere yields the same events.

import { HttpParserError, type HttpParserErrorCode } from "../errors";
import { B_DONE, B_TRAILERS, BodyDecoder, type BodySink } from "./body-decoder";
import { fieldList, type SectionLayout } from "./head-builder";
import type { Settings } from "./options";
import { SectionScanner } from "./section-scanner";
import { CR, LF } from "./tables";

// Stream states. Those below S_BODY belong to a header (or trailer) section.
const S_START = 0; // before a message: empty lines allowed
const S_START_LF = 1;
const S_LINE = 2; // in the start line: the MessageKind has the details
const S_LINE_LF = 3;
const S_FIELDS = 4; // header or trailer fields: the SectionScanner has the details
const S_BODY = 5; // in the body: the BodyDecoder has the details
const S_UPGRADED = 6;

/** MessageKind.lineEnd: the start line goes on, its CR was read (LF due), or it ended. */
export const LINE_GOING = 0;
export const LINE_CR = 1;
export const LINE_DONE = 2;

/** How the message whose head was just read goes on; MessageKind.head fills it in. */
export interface Framing {
  chunked: boolean;
  /** The body runs until the connection closes. */
  untilClose: boolean;
  /** Bytes of a body framed by Content-Length; 0: none (or chunked, or until close). */
  length: number;
  /** After this message the bytes belong to the caller. */
  upgrade: boolean;
}

/**
 * Throws INVALID_ARGUMENT unless `handler` is an object with a `callback`
 * function: the one check a parser makes of its handler, where it is made.
 */
export function checkHandler(handler: unknown, parser: string, callback: string): void {
  if (
    handler === null ||
    typeof handler !== "object" ||
    typeof (handler as Record<string, unknown>)[callback] !== "function"
  ) {
    throw new HttpParserError(
      "INVALID_ARGUMENT",
      `@moonbridge/http-parser: ${parser}: handler must be an object with an ${callback} function`,
    );
  }
}

/** What a request and a response do differently; the stream calls it at fixed points. */
export interface MessageKind {
  /** "request" or "response", for messages. */
  readonly noun: string;
  /** "request line" or "status line", for messages. */
  readonly lineName: string;
  /** LINE_GOING, LINE_CR or LINE_DONE, after scanLine. */
  lineEnd: number;
  /** The start line has no obs-text (a response's reason may): the section text can be decoded as ASCII. */
  lineAscii: boolean;
  /** A start line begins at the section's first byte. */
  beginLine(): void;
  /** Scans start-line bytes from `start` to `stop`; `base` is the section's first byte. Returns the next index. */
  scanLine(data: Uint8Array, start: number, stop: number, base: number): number;
  /** A head section is complete: build the head, fill in `framing`, hand the head on. */
  head(layout: SectionLayout, framing: Framing): void;
  trailers(list: string[]): void;
  complete(): void;
  /** The error for a section over maxHeaderSize; `inLine`: still in the start line. */
  overflow(inLine: boolean): never;
}

/** Throws the HttpParserError of a rule; the stream gives it the parser's status. */
export function fail(code: HttpParserErrorCode, message: string): never {
  throw new HttpParserError(code, message);
}

export class MessageStream {
  readonly #kind: MessageKind;
  readonly #sink: BodySink;
  readonly #maxHeaderSize: number;
  readonly #allowBareLf: boolean;
  /** The status every error carries (502 for responses), or undefined: each code's own. */
  readonly #errorStatus: number | undefined;
  readonly #body: BodyDecoder;
  readonly #section: SectionScanner;
  readonly #framing: Framing = { chunked: false, untilClose: false, length: 0, upgrade: false };

  #state = S_START;
  #error: unknown;
  #executing = false;
  #paused = false;
  /** Whether the current message switches protocols once complete. */
  #upgrade = false;

  constructor(
    kind: MessageKind,
    sink: BodySink,
    settings: Settings,
    errorStatus: number | undefined,
  ) {
    this.#kind = kind;
    this.#sink = sink;
    this.#maxHeaderSize = settings.maxHeaderSize;
    this.#allowBareLf = settings.allowBareLf;
    this.#errorStatus = errorStatus;
    this.#body = new BodyDecoder(settings);
    this.#section = new SectionScanner(settings);
  }

  /** The parsers' execute: see RequestParser.execute. `name` is the parser's, for a misuse message. */
  execute(data: Uint8Array, name: string): number {
    if (this.#error !== undefined) throw this.#error;
    if (this.#executing) throw new Error(`${name}.execute called from inside a handler callback`);
    if (this.#state === S_UPGRADED) return 0;
    this.#executing = true;
    this.#paused = false;
    // Text decoded from an earlier call may describe bytes the caller has since overwritten.
    const section = this.#section;
    section.text.breakChain();
    let i = 0;
    try {
      section.rebase();
      const len = data.length;
      while (i < len) {
        i = this.#state < S_BODY ? this.#scanSection(data, i) : this.#scanBody(data, i);
        if (this.#paused || this.#state === S_UPGRADED) break;
      }
      if (section.inSection && i === len) section.save(data, len);
      return i;
    } catch (error) {
      this.#error = this.#withStatus(error);
      throw this.#error;
    } finally {
      this.#executing = false;
    }
  }

  /** The peer closed: completes a body that runs until the close; throws if a message is unfinished. */
  finish(): void {
    if (this.#error !== undefined) throw this.#error;
    const state = this.#state;
    if (state === S_BODY && this.#body.untilClose) {
      this.#state = S_START;
      this.#kind.complete();
      return;
    }
    if (state !== S_START && state !== S_START_LF && state !== S_UPGRADED) {
      this.#error = this.#withStatus(
        new HttpParserError(
          "HPE_INVALID_EOF_STATE",
          `connection closed in the middle of a ${this.#kind.noun}`,
        ),
      );
      throw this.#error;
    }
  }

  pause(): void {
    this.#paused = true;
  }

  /** An HttpParserError of this stream with its status (502 for responses); any other error as it is. */
  #withStatus(error: unknown): unknown {
    const status = this.#errorStatus;
    if (status === undefined || !(error instanceof HttpParserError) || error.status === status)
      return error;
    return new HttpParserError(error.code, error.message, status);
  }

  /** Scans the start line and header fields (or trailer fields) until the section ends or input runs out. */
  #scanSection(data: Uint8Array, start: number): number {
    let i = start;
    const len = data.length;
    const section = this.#section;
    // Bytes at or past `limit` would make the section longer than maxHeaderSize.
    let limit = section.inSection ? section.base + this.#maxHeaderSize : len;
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
              fail("HPE_CR_EXPECTED", `bare LF before the ${this.#kind.lineName}`);
            i++;
          } else {
            section.begin(i, false);
            this.#kind.beginLine();
            this.#state = S_LINE;
            limit = i + this.#maxHeaderSize;
            stop = Math.min(limit, len);
          }
          break;
        }
        case S_START_LF:
          if (data[i] !== LF) fail("HPE_LF_EXPECTED", "CR not followed by LF");
          this.#state = S_START;
          i++;
          break;
        case S_LINE: {
          const kind = this.#kind;
          i = kind.scanLine(data, i, stop, section.base);
          if (kind.lineEnd === LINE_CR) this.#state = S_LINE_LF;
          else if (kind.lineEnd === LINE_DONE) this.#state = S_FIELDS;
          break;
        }
        case S_LINE_LF:
          if (data[i] !== LF) fail("HPE_LF_EXPECTED", "CR not followed by LF");
          this.#state = S_FIELDS;
          i++;
          break;
        case S_FIELDS:
          i = section.scanFields(data, i, stop);
          if (section.ended) {
            this.#endSection(data, i);
            return i;
          }
          break;
      }
    }
    // A byte past the limit is here: the section is too long (at exactly the
    // end of the input, the next call finds out, so splits do not matter).
    if (i === limit && i < len && section.inSection)
      this.#kind.overflow(this.#state <= S_LINE_LF && !section.trailers);
    return i;
  }

  /** The section's last LF is at `end - 1`: hand on what it holds, then the body or the message's end. */
  #endSection(data: Uint8Array, end: number): void {
    const section = this.#section;
    const trailers = section.trailers;
    if (!trailers && !this.#kind.lineAscii) section.markNonAscii();
    const layout = section.end(data, end);
    if (trailers) {
      if (layout.fieldCount > 0) this.#kind.trailers(fieldList(layout));
      this.#complete();
      return;
    }
    // The head's section text was decoded: a next head without a body between may reuse it.
    const decoded = layout.text !== undefined;
    const framing = this.#framing;
    this.#kind.head(layout, framing);
    this.#upgrade = framing.upgrade;
    section.text.breakChain();
    if (framing.chunked) {
      this.#body.startChunked();
      this.#state = S_BODY;
    } else if (framing.length > 0) {
      this.#body.startLength(framing.length);
      this.#state = S_BODY;
    } else if (framing.untilClose) {
      this.#body.startUntilClose();
      this.#state = S_BODY;
    } else {
      if (decoded) section.text.continueChain();
      this.#complete();
    }
  }

  /** Body bytes, through the decoder; then the trailers or the message's end. */
  #scanBody(data: Uint8Array, start: number): number {
    const body = this.#body;
    const i = body.scan(data, start, this.#sink);
    if (body.state === B_DONE) this.#complete();
    else if (body.state === B_TRAILERS) {
      this.#section.begin(i, true);
      this.#state = S_FIELDS;
    }
    return i;
  }

  #complete(): void {
    this.#state = this.#upgrade ? S_UPGRADED : S_START;
    this.#kind.complete();
  }
}
