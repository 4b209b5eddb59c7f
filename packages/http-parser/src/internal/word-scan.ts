// Finds where a header field value ends. Values are most of a request
// head's bytes (cookies, user agents), so they are checked sixteen bytes at a
// time, as four 32-bit words tested together (SWAR), then four at a time;
// only the last few bytes one by one. The words are read through one
// DataView of the input, made at most once per input buffer: a DataView reads
// at any offset, so no byte-by-byte start is needed to reach an aligned one.

import { HTAB } from "./tables";

const LANES_HIGH = 0x80808080;
const LANES_0X20 = 0x20202020;
const LANES_ONE = 0x01010101;

// A word's lanes (bytes) that are below 0x20 set their high bit in
// `w - LANES_0X20`; those above 0x7E set it in `w + LANES_ONE` (0xFF, which
// carries out, sets it in the first). A borrow or carry crosses into a lane
// only from a lane below it that is itself set, so a word with no lane set
// in either holds printable bytes only. Bitwise operators keep it in int32.

/** The word at `i`: its lanes' high bits set as above (and others, only above a set lane). */
function lanes4(view: DataView<ArrayBufferLike>, i: number): number {
  const w = view.getInt32(i, true);
  return (w - LANES_0X20) | (w + LANES_ONE);
}

/** The same for the four words from `i`, together. */
function lanes16(view: DataView<ArrayBufferLike>, i: number): number {
  const a = view.getInt32(i, true);
  const b = view.getInt32(i + 4, true);
  const c = view.getInt32(i + 8, true);
  const d = view.getInt32(i + 12, true);
  return (
    (a - LANES_0X20) |
    (a + LANES_ONE) |
    (b - LANES_0X20) |
    (b + LANES_ONE) |
    (c - LANES_0X20) |
    (c + LANES_ONE) |
    (d - LANES_0X20) |
    (d + LANES_ONE)
  );
}
/**
 * Whether `data[start, end)` (at least one byte, read through `view`) is all
 * printable ASCII, 0x20 to 0x7E. The words' lanes are gathered without a
 * branch per word: a range whose length is known ahead needs none.
 */
export function isPrintable(
  data: Uint8Array,
  view: DataView<ArrayBufferLike>,
  start: number,
  end: number,
): boolean {
  if (end - start < 4) {
    for (let i = start; i < end; i++) {
      const c = data[i] as number;
      if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
  }
  let lanes = 0;
  let i = start;
  for (; i + 16 <= end; i += 16) lanes |= lanes16(view, i);
  for (; i + 4 <= end; i += 4) lanes |= lanes4(view, i);
  // The last few bytes: the range's last word, overlapping the one before.
  lanes |= lanes4(view, end - 4);
  return (lanes & LANES_HIGH) === 0;
}

const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

export class WordScanner {
  #data: Uint8Array | undefined;
  #view: DataView<ArrayBufferLike> = EMPTY_VIEW;

  /**
   * The index of the first byte from `start` that cannot be in a field value
   * (field-vchar, SP, HTAB, obs-text), or `stop`. Returns -1 instead when it
   * meets obs-text (0x80-0xFF) and `asciiOnly` is set, so the caller can note
   * it and scan again with `asciiOnly` false. `view` is `viewOf(data)`.
   */
  valueEnd(
    data: Uint8Array,
    view: DataView<ArrayBufferLike>,
    start: number,
    stop: number,
    asciiOnly: boolean,
  ): number {
    let i = start;
    if (stop - i >= 4) {
      while (i + 16 <= stop && (lanes16(view, i) & LANES_HIGH) === 0) i += 16;
      while (i + 4 <= stop && (lanes4(view, i) & LANES_HIGH) === 0) i += 4;
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
  viewOf(data: Uint8Array): DataView<ArrayBufferLike> {
    if (this.#data !== data) {
      this.#data = data;
      this.#view = new DataView(data.buffer, data.byteOffset, data.length);
    }
    return this.#view;
  }
}
