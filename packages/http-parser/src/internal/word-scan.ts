// Finds where a header field value ends. Values are most of a request
// head's bytes (cookies, user agents), so after a short byte-wise start, long
// values are checked four bytes at a time (SWAR) through one Int32Array view
// of the input, made at most once per input buffer.

import { NO_INTS } from "./empty";
import { HTAB } from "./tables";

/** Bytes checked one by one before switching to words: most values end sooner. */
const VALUE_BYTEWISE_FIRST = 16;

const LANES_HIGH = 0x80808080;

/** Whether all four bytes of `w` are 0x20-0x7E: one test finds a byte below 0x20 or above 0x7E. */
function isPrintableWord(w: number): boolean {
  // `| 0` keeps every step in int32, so V8 never falls back to doubles.
  const below = ((w - 0x20202020) | 0) & ~w;
  const above = (w + 0x01010101) | 0 | w;
  return ((below | above) & LANES_HIGH) === 0;
}

export class WordScanner {
  #data: Uint8Array | undefined;
  #words: Int32Array<ArrayBufferLike> = NO_INTS;
  /** Index in `#data` of the first byte of `#words[0]`. */
  #wordStart = 0;

  /**
   * The index of the first byte from `start` that cannot be in a field value
   * (field-vchar, SP, HTAB, obs-text), or `stop`. Returns -1 instead when it
   * meets obs-text (0x80-0xFF) and `asciiOnly` is set, so the caller can note
   * it and scan again with `asciiOnly` false.
   */
  valueEnd(data: Uint8Array, start: number, stop: number, asciiOnly: boolean): number {
    let i = start;
    const quick = Math.min(stop, start + VALUE_BYTEWISE_FIRST);
    while (i < quick && data[i] >= 0x20 && data[i] < 0x7f) i++;
    if (i === quick && stop - i >= VALUE_BYTEWISE_FIRST) i = this.#skipPrintable(data, i, stop);
    for (; i < stop; i++) {
      const c = data[i];
      if (c >= 0x20 && c < 0x7f) continue;
      if (c === HTAB) continue;
      if (c < 0x80) break;
      if (asciiOnly) return -1;
    }
    return i;
  }

  #skipPrintable(data: Uint8Array, start: number, stop: number): number {
    this.#view(data);
    let i = start;
    while (i < stop && ((i - this.#wordStart) & 3) !== 0) {
      if (data[i] < 0x20 || data[i] >= 0x7f) return i;
      i++;
    }
    const words = this.#words;
    let k = (i - this.#wordStart) >> 2;
    const last = (stop - this.#wordStart) >> 2;
    while (k < last && isPrintableWord(words[k])) k++;
    return Math.max(i, this.#wordStart + k * 4);
  }

  /** Makes sure `#words` views `data`. */
  #view(data: Uint8Array): void {
    if (this.#data !== data) {
      const first = (data.byteOffset + 3) & ~3;
      const count = Math.max(0, (data.byteOffset + data.length - first) >> 2);
      this.#data = data;
      this.#words = new Int32Array(data.buffer, first, count);
      this.#wordStart = first - data.byteOffset;
    }
  }
}
