// Validates and skips chunk extensions (RFC 9112 section 7.1.1):
//   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// Extensions carry no meaning for us, so nothing is kept but a byte count,
// limited per request.

import { HttpParserError } from "../errors";
import { BACKSLASH, CR, DQUOTE, EQUALS, HTAB, LF, QDTEXT, SEMICOLON, SP, TOKEN } from "./tables";

const E_SEMI_BWS = 0; // whitespace, then ";"
const E_NAME_BWS = 1; // after ";": whitespace, then a name
const E_NAME = 2;
const E_AFTER_NAME_BWS = 3; // whitespace after a name: "=" or ";" follows
const E_VALUE_BWS = 4; // after "=": whitespace, then a value
const E_TOKEN_VALUE = 5;
const E_QUOTED = 6;
const E_QUOTED_ESCAPE = 7;
const E_AFTER_QUOTED = 8;

function invalid(message: string): never {
  throw new HttpParserError("HPE_INVALID_CHUNK_EXTENSION", message);
}

/** The chunk-extension part of one chunk-size line at a time. */
export class ChunkExtensionScanner {
  /** Whether the CR ending the chunk-size line has been consumed. */
  done = false;
  /** The line ended with a bare LF (allowBareLf), consumed too: no LF is due. */
  endedByLf = false;
  readonly #max: number;
  readonly #allowBareLf: boolean;
  #state = E_SEMI_BWS;
  #bytes = 0;

  constructor(maxBytesPerRequest: number, allowBareLf = false) {
    this.#max = maxBytesPerRequest;
    this.#allowBareLf = allowBareLf;
  }

  /** A new request: its extension bytes count from zero. */
  reset(): void {
    this.#bytes = 0;
  }

  /** The byte after the chunk size was `first` (";", SP or HTAB), already consumed. */
  begin(first: number): void {
    this.done = false;
    this.endedByLf = false;
    this.#state = first === SEMICOLON ? E_NAME_BWS : E_SEMI_BWS;
    this.#count(1);
  }

  #count(n: number): void {
    this.#bytes += n;
    if (this.#bytes > this.#max) {
      throw new HttpParserError(
        "HPE_CHUNK_EXTENSIONS_OVERFLOW",
        "chunk extensions exceed maxChunkExtensionSize",
      );
    }
  }

  /** Consumes extension bytes from `start`, up to and including the CR; returns the next index. */
  scan(data: Uint8Array, start: number): number {
    let i = start;
    let state = this.#state;
    for (; i < data.length; i++) {
      const c = data[i];
      const lineEnd = c === CR || (c === LF && this.#allowBareLf);
      if (lineEnd) {
        if (state !== E_NAME && state !== E_TOKEN_VALUE && state !== E_AFTER_QUOTED) {
          if (state === E_QUOTED) invalid("unterminated quoted string in a chunk extension");
          invalid("chunk extension ends where a name or value is due");
        }
        this.#count(i - start);
        this.done = true;
        this.endedByLf = c === LF;
        return i + 1;
      }
      if (c === LF) throw new HttpParserError("HPE_CR_EXPECTED", "bare LF in chunked framing");
      const space = c === SP || c === HTAB;
      switch (state) {
        case E_SEMI_BWS:
          if (c === SEMICOLON) state = E_NAME_BWS;
          else if (!space) invalid("chunk extension does not start with ;");
          break;
        case E_NAME_BWS:
          if (TOKEN[c] === 1) state = E_NAME;
          else if (!space) invalid("chunk extension name is not a token");
          break;
        case E_NAME:
          if (c === EQUALS) state = E_VALUE_BWS;
          else if (c === SEMICOLON) state = E_NAME_BWS;
          else if (space) state = E_AFTER_NAME_BWS;
          else if (TOKEN[c] !== 1) invalid("chunk extension name is not a token");
          break;
        case E_AFTER_NAME_BWS:
          if (c === EQUALS) state = E_VALUE_BWS;
          else if (c === SEMICOLON) state = E_NAME_BWS;
          else if (!space) invalid("chunk extension name is not followed by = or ;");
          break;
        case E_VALUE_BWS:
          if (c === DQUOTE) state = E_QUOTED;
          else if (TOKEN[c] === 1) state = E_TOKEN_VALUE;
          else if (!space) invalid("chunk extension value is not a token or quoted string");
          break;
        case E_TOKEN_VALUE:
          if (c === SEMICOLON) state = E_NAME_BWS;
          else if (space) state = E_SEMI_BWS;
          else if (TOKEN[c] !== 1) invalid("chunk extension value is not a token");
          break;
        case E_QUOTED:
          if (c === DQUOTE) state = E_AFTER_QUOTED;
          else if (c === BACKSLASH) state = E_QUOTED_ESCAPE;
          else if (QDTEXT[c] !== 1)
            invalid("chunk extension quoted string has a control character");
          break;
        case E_QUOTED_ESCAPE:
          if (QDTEXT[c] !== 1 && c !== DQUOTE && c !== BACKSLASH)
            invalid("bad escape in a chunk extension");
          state = E_QUOTED;
          break;
        case E_AFTER_QUOTED:
          if (c === SEMICOLON) state = E_NAME_BWS;
          else if (space) state = E_SEMI_BWS;
          else invalid("chunk extension quoted string is followed by junk");
          break;
      }
    }
    this.#count(i - start);
    this.#state = state;
    return i;
  }
}
