// The header-section machinery RequestParser and ResponseParser share: the
// field-line state machine (with its fast path for whole lines), the offsets
// it records, the copy of a section split across calls, and the SectionLayout
// handed to the head builders. The start line is each parser's own; it scans
// it against `base` and then hands the rest of the section to scanFields.

import { HttpParserError, type HttpParserErrorCode } from "../errors";
import { NO_BYTES } from "./empty";
import type { SectionLayout } from "./head-builder";
import { KnownNames, MAX_FIELDS } from "./known-names";
import type { Settings } from "./options";
import { SectionText } from "./section-text";
import { COLON, CR, HTAB, LF, SP, TOKEN } from "./tables";
import { WordScanner } from "./word-scan";

// Field-line states.
const F_START = 0;
const F_NAME = 1;
const F_OWS = 2;
const F_VALUE = 3;
const F_LF = 4;
const F_SECTION_LF = 5;

function fail(code: HttpParserErrorCode, message: string): never {
  throw new HttpParserError(code, message);
}

export class SectionScanner {
  /**
   * Offsets are relative to the section's first byte, which is at index
   * `base` of the current input (negative when the section began in an
   * earlier call; those bytes are in the saved copy).
   */
  base = 0;
  /** A section (head or trailers) has begun and not ended. */
  inSection = false;
  /** The current section is a trailer section. */
  trailers = false;
  /** scanFields read the section's last LF: the caller ends it. */
  ended = false;
  /** Decoded section text, shared by consecutive bodiless messages. */
  readonly text = new SectionText();

  readonly #maxHeaderSize: number;
  readonly #maxHeaderCount: number;
  readonly #allowObsFold: boolean;
  readonly #allowBareLf: boolean;
  readonly #words = new WordScanner();
  readonly #layout: SectionLayout = {
    bytes: NO_BYTES,
    base: 0,
    fields: [],
    fieldCount: 0,
    asciiOnly: true,
    folded: false,
    text: undefined,
    textShift: 0,
    names: undefined,
  };
  /**
   * The last header section's names (trailer sections neither use nor change
   * them): made when a second head ends, so a parser that sees one message
   * never pays for them.
   */
  #names: KnownNames | undefined;
  #heads = 0;
  #state = F_START;
  #savedLength = 0;
  #saved: Uint8Array = NO_BYTES;
  /**
   * Per field: name start, name end, value start, value end. A plain array
   * (always written in order, so it grows packed) is far cheaper for a new
   * parser than a typed array's ArrayBuffer.
   */
  readonly #fields: number[] = [];
  #fieldCount = 0;
  #tokenStart = 0;
  #valueEnd = 0;
  #asciiOnly = true;
  /** A field of the section was continued by obs-fold (allowObsFold). */
  #folded = false;

  constructor(settings: Settings) {
    this.#maxHeaderSize = settings.maxHeaderSize;
    this.#maxHeaderCount = settings.maxHeaderCount;
    this.#allowObsFold = settings.allowObsFold;
    this.#allowBareLf = settings.allowBareLf;
  }

  /** A section begins at index `base` of the input: its start line, or (trailers) its fields. */
  begin(base: number, trailers: boolean): void {
    this.inSection = true;
    this.trailers = trailers;
    this.ended = false;
    this.base = base;
    this.#savedLength = 0;
    this.#fieldCount = 0;
    this.#asciiOnly = true;
    this.#folded = false;
    this.#state = F_START;
  }

  /** The start line holds obs-text (a response's reason phrase): its strings are made as latin1. */
  markNonAscii(): void {
    this.#asciiOnly = false;
  }

  /** A new input begins: a section under way now starts before it, in the saved copy. */
  rebase(): void {
    if (this.inSection) this.base = -this.#savedLength;
  }

  /** Keeps the unfinished section's bytes of this input for the next call. */
  save(data: Uint8Array, len: number): void {
    const from = Math.max(this.base, 0);
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

  /**
   * Scans field lines (after the start line, or of trailers) from `start`
   * until `stop` or the section's end; sets `ended` after its last LF.
   */
  scanFields(data: Uint8Array, start: number, stop: number): number {
    let i = start;
    while (i < stop) {
      switch (this.#state) {
        case F_LF:
        case F_SECTION_LF: {
          if (data[i] !== LF) fail("HPE_LF_EXPECTED", "CR not followed by LF");
          i++;
          if (this.#state === F_SECTION_LF) {
            this.ended = true;
            return i;
          }
          this.#fieldCount++;
          this.#state = F_START;
          break;
        }
        case F_START: {
          const c = data[i];
          if (c === CR) {
            this.#state = F_SECTION_LF;
            i++;
            break;
          }
          if (TOKEN[c] !== 1) {
            if (c === LF) {
              if (!this.#allowBareLf) fail("HPE_CR_EXPECTED", "header line ends in a bare LF");
              this.ended = true;
              return i + 1;
            }
            if (c === SP || c === HTAB) {
              if (this.#allowObsFold && this.#fieldCount > 0) {
                this.#continueField();
                break;
              }
              fail("HPE_UNEXPECTED_SPACE", "obs-fold or whitespace before a header field");
            }
            fail("HPE_INVALID_HEADER_TOKEN", "header name is not a token");
          }
          if (this.#fieldCount >= this.#maxHeaderCount) {
            fail("HPE_TOO_MANY_HEADERS", "more header fields than maxHeaderCount");
          }
          const next = this.#wholeFields(data, i, stop);
          if (next > i) {
            i = next;
            break;
          }
          this.#tokenStart = i - this.base;
          this.#state = F_NAME;
          i++;
          break;
        }
        case F_NAME: {
          while (i < stop && TOKEN[data[i]] === 1) i++;
          if (i === stop) break;
          if (data[i] !== COLON)
            fail("HPE_INVALID_HEADER_TOKEN", "header name is not a token followed by a colon");
          this.#recordName(i - this.base);
          this.#state = F_OWS;
          i++;
          break;
        }
        case F_OWS: {
          while (i < stop && (data[i] === SP || data[i] === HTAB)) i++;
          if (i === stop) break;
          const at = i - this.base;
          this.#tokenStart = at;
          this.#valueEnd = at;
          this.#state = F_VALUE;
          break;
        }
        case F_VALUE:
          i = this.#scanValue(data, i, stop);
          break;
      }
    }
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
    const base = this.base;
    const max = this.#maxHeaderCount;
    const words = this.#words;
    const fields = this.#fields;
    let count = this.#fieldCount;
    const names = this.trailers ? undefined : this.#names;
    const view = words.viewOf(data);
    let line = start;
    while (count < max) {
      let i = line;
      const known = names === undefined ? -1 : names.match(data, view, i, stop, count);
      if (names !== undefined && known >= 0) {
        const cr = names.valueEnd(data, view, known, stop, count);
        if (cr >= 0) {
          // The value is shaped as last time: printable, nothing to trim, then CRLF.
          const f = count * 4;
          fields[f] = line - base;
          fields[f + 1] = known - base;
          fields[f + 2] = cr - names.span(count) - base;
          fields[f + 3] = cr - base;
          names.hits[count] = 1;
          count++;
          line = cr + 2;
          continue;
        }
        i = known;
      } else {
        if (i >= stop || TOKEN[data[i]] !== 1) break;
        i++;
        while (i < stop && TOKEN[data[i]] === 1) i++;
        if (i >= stop || data[i] !== COLON) break;
      }
      const nameEnd = i;
      i++;
      while (i < stop && (data[i] === SP || data[i] === HTAB)) i++;
      const valueStart = i;
      const end = words.valueEnd(data, view, i, stop, true);
      if (end < 0 || end + 1 >= stop || data[end] !== CR || data[end + 1] !== LF) break;
      let valueEnd = end;
      while (valueEnd > valueStart && (data[valueEnd - 1] === SP || data[valueEnd - 1] === HTAB)) {
        valueEnd--;
      }
      const f = count * 4;
      fields[f] = line - base;
      fields[f + 1] = nameEnd - base;
      fields[f + 2] = valueStart - base;
      fields[f + 3] = valueEnd - base;
      if (names !== undefined && count < MAX_FIELDS) {
        names.hits[count] = known >= 0 ? 1 : 0;
        names.shape(count, valueStart - nameEnd, end - valueStart);
      }
      count++;
      line = end + 2;
    }
    this.#fieldCount = count;
    return line;
  }

  #scanValue(data: Uint8Array, start: number, stop: number): number {
    const words = this.#words;
    const view = words.viewOf(data);
    let i = words.valueEnd(data, view, start, stop, this.#asciiOnly);
    if (i < 0) {
      this.#asciiOnly = false;
      i = words.valueEnd(data, view, start, stop, false);
    }
    // Trailing SP and HTAB are not part of the value (RFC 9112 section 5).
    let end = i;
    while (end > start && (data[end - 1] === SP || data[end - 1] === HTAB)) end--;
    if (end > start) this.#valueEnd = end - this.base;
    if (i === stop) return i;
    const c = data[i];
    if (c === CR) {
      this.#recordValue();
      this.#state = F_LF;
      return i + 1;
    }
    if (c === LF) {
      if (!this.#allowBareLf) fail("HPE_CR_EXPECTED", "header line ends in a bare LF");
      this.#recordValue();
      this.#fieldCount++;
      this.#state = F_START;
      return i + 1;
    }
    fail("HPE_INVALID_HEADER_TOKEN", "header value has a control character");
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
    this.#state = F_VALUE;
  }

  #recordName(nameEnd: number): void {
    const f = this.#fieldCount * 4;
    this.#fields[f] = this.#tokenStart;
    this.#fields[f + 1] = nameEnd;
    if (this.#names !== undefined && this.#fieldCount < MAX_FIELDS) {
      this.#names.hits[this.#fieldCount] = 0;
    }
  }

  #recordValue(): void {
    const f = this.#fieldCount * 4;
    this.#fields[f + 2] = this.#tokenStart;
    this.#fields[f + 3] = this.#valueEnd;
  }

  /** The section's last LF is at `end - 1`: its layout, for the head builder (reused per section). */
  end(data: Uint8Array, end: number): SectionLayout {
    const split = this.#savedLength > 0;
    if (split) this.save(data, end);
    const layout = this.#layout;
    layout.bytes = split ? this.#saved : data;
    layout.base = split ? 0 : this.base;
    layout.fields = this.#fields;
    layout.fieldCount = this.#fieldCount;
    layout.asciiOnly = this.#asciiOnly;
    layout.folded = this.#folded;
    if (!this.trailers && this.#names === undefined && ++this.#heads === 2) {
      this.#names = new KnownNames();
    }
    layout.names = this.trailers ? undefined : this.#names;
    if (this.#asciiOnly && !split) this.text.fill(layout, data, this.base, end);
    else {
      layout.text = undefined;
      this.text.breakChain();
    }
    this.inSection = false;
    this.ended = false;
    this.#savedLength = 0;
    return layout;
  }
}
