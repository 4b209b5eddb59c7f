// Finds where a header field value ends. Values are most of a request
// head's bytes (cookies, user agents), so they are checked sixteen bytes at a
// time, as four 32-bit words tested together (SWAR), then four at a time;
// only the last few bytes one by one. The words are read through one
// DataView of the input, made at most once per input buffer: a DataView reads
// at any offset, so no byte-by-byte start is needed to reach an aligned one.

import { HTAB } from "./tables";

const LANES_HIGH = 0x80808080;

/** Per byte of `w`, the high bit set where the byte is below 0x20 or above 0x7E. */
function unprintableLanes(w: number): number {
  // `| 0` keeps every step in int32, so V8 never falls back to doubles.
  const below = ((w - 0x20202020) | 0) & ~w;
  const above = (w + 0x01010101) | 0 | w;
  return (below | above) & LANES_HIGH;
}

const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

export class WordScanner {
  #data: Uint8Array | undefined;
  #view: DataView<ArrayBufferLike> = EMPTY_VIEW;

  /**
   * The index of the first byte from `start` that cannot be in a field value
   * (field-vchar, SP, HTAB, obs-text), or `stop`. Returns -1 instead when it
   * meets obs-text (0x80-0xFF) and `asciiOnly` is set, so the caller can note
   * it and scan again with `asciiOnly` false.
   */
  valueEnd(data: Uint8Array, start: number, stop: number, asciiOnly: boolean): number {
    let i = start;
    if (stop - i >= 4) {
      const view = this.#viewOf(data);
      while (
        i + 16 <= stop &&
        (unprintableLanes(view.getInt32(i, true)) |
          unprintableLanes(view.getInt32(i + 4, true)) |
          unprintableLanes(view.getInt32(i + 8, true)) |
          unprintableLanes(view.getInt32(i + 12, true))) ===
          0
      ) {
        i += 16;
      }
      while (i + 4 <= stop && unprintableLanes(view.getInt32(i, true)) === 0) i += 4;
    }
    for (; i < stop; i++) {
      const c = data[i];
      if (c >= 0x20 && c < 0x7f) continue;
      if (c === HTAB) continue;
      if (c < 0x80) break;
      if (asciiOnly) return -1;
    }
    return i;
  }

  /** A DataView of `data`'s bytes, kept while the same input comes back. */
  #viewOf(data: Uint8Array): DataView<ArrayBufferLike> {
    if (this.#data !== data) {
      this.#data = data;
      this.#view = new DataView(data.buffer, data.byteOffset, data.length);
    }
    return this.#view;
  }
}
