// Finds where a header field value ends. Values are most of a request head's
// bytes (cookies, user agents), so after a short byte-wise start, long values
// are checked four bytes at a time through one Int32Array view of the input,
// made at most once per input buffer.

import { HTAB } from "./tables";

/** Bytes checked one by one before switching to words: most values end sooner. */
const BYTEWISE_FIRST = 16;

export class ValueScanner {
  #data: Uint8Array | undefined;
  #words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Index in `#data` of the first byte of `#words[0]`. */
  #wordStart = 0;

  /**
   * The index of the first byte from `start` that cannot be in a field value
   * (field-vchar, SP, HTAB, obs-text), or `stop`. Returns -1 instead when it
   * meets obs-text (0x80-0xFF) and `asciiOnly` is set, so the caller can note
   * it and scan again with `asciiOnly` false.
   */
  end(data: Uint8Array, start: number, stop: number, asciiOnly: boolean): number {
    let i = start;
    const quick = Math.min(stop, start + BYTEWISE_FIRST);
    while (i < quick && data[i] >= 0x20 && data[i] < 0x7f) i++;
    if (i === quick && stop - i >= BYTEWISE_FIRST) i = this.#skipWords(data, i, stop);
    for (; i < stop; i++) {
      const c = data[i];
      if (c >= 0x20 && c < 0x7f) continue;
      if (c === HTAB) continue;
      if (c < 0x80) break;
      if (asciiOnly) return -1;
    }
    return i;
  }

  /**
   * Skips whole aligned 32-bit words whose four bytes are all 0x20-0x7E (SWAR:
   * one test per word finds a byte below 0x20 or above 0x7E) and returns where
   * byte-wise scanning goes on.
   */
  #skipWords(data: Uint8Array, start: number, stop: number): number {
    if (this.#data !== data) this.#view(data);
    let i = start;
    while (i < stop && ((i - this.#wordStart) & 3) !== 0) {
      if (data[i] < 0x20 || data[i] >= 0x7f) return i;
      i++;
    }
    const words = this.#words;
    let k = (i - this.#wordStart) >> 2;
    const last = (stop - this.#wordStart) >> 2;
    for (; k < last; k++) {
      const w = words[k];
      if ((((w - 0x20202020) & ~w) | (w + 0x01010101) | w) & 0x80808080) break;
    }
    return Math.max(i, this.#wordStart + k * 4);
  }

  #view(data: Uint8Array): void {
    const first = (data.byteOffset + 3) & ~3;
    const count = Math.max(0, (data.byteOffset + data.length - first) >> 2);
    this.#data = data;
    this.#words = new Int32Array(data.buffer, first, count);
    this.#wordStart = first - data.byteOffset;
  }
}
