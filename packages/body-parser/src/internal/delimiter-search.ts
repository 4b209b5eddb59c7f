// Finds multipart delimiters ("\r\n--" + boundary) in a stream of inputs with
// Boyer-Moore-Horspool: on data that is not a delimiter it looks at about one
// byte in every delimiter-length. Once a part's data has been long enough to
// pay for a table, a filter goes first: it reads the pair of bytes at every
// (delimiter-length - 1)-th position, and only where that pair occurs in the
// delimiter does Horspool look. The filter's reads do not depend on each
// other, where each Horspool step waits for the last one's byte: up to twice
// as fast on large parts. A delimiter may straddle inputs, so the bytes at the
// end of an input that could begin one are held back (copied) until the next
// input decides.

import { view } from "./view";

const CR = 0x0d;

/** Bytes of one part's data that pay for the filter's table (8 KiB), used from then on. */
const FILTER_AFTER = 16 * 1024;

export class DelimiterSearch {
  readonly #needle: Uint8Array;
  /** "--" + boundary: what a delimiter line starts with. */
  readonly dashBoundary: Uint8Array;
  /** How far the search window moves when its last byte is a given value. */
  readonly #skip = new Uint8Array(256);
  #held: Uint8Array;
  #spare: Uint8Array;
  #heldLength = 0;
  /** The held bytes are the header section's final CRLF, not data, if no delimiter follows. */
  #heldIsVirtual = false;
  /** The filter's table: bit `a | b << 8` is set if bytes a, b follow each other in the needle. */
  #pairs: Int32Array | undefined;
  /** Bytes searched since the last delimiter (until the table is built). */
  #searched = 0;
  /** The needle's first bytes as little-endian 32-bit words, to check a match four bytes at a time. */
  readonly #words: Int32Array;
  /** A DataView of the input being searched, kept while it is, and that input. */
  #dataView: DataView | undefined;
  #viewed: Uint8Array | undefined;

  /** After `find`: where the delimiter found begins in the input (the input's start if it began earlier). */
  matchStart = 0;
  /** After `find` found nothing: the input before this index is certainly not part of a delimiter. */
  safeEnd = 0;
  /** After `find`: how many held-back bytes turned out not to begin a delimiter (see {@link released}). */
  releasedLength = 0;

  constructor(boundary: string) {
    const needle = new Uint8Array(boundary.length + 4);
    needle.set([0x0d, 0x0a, 0x2d, 0x2d]);
    for (let i = 0; i < boundary.length; i++) needle[4 + i] = boundary.charCodeAt(i);
    this.#needle = needle;
    this.dashBoundary = needle.subarray(2);
    const n = needle.length;
    this.#skip.fill(n);
    for (let i = 0; i < n - 1; i++) this.#skip[needle[i] as number] = n - 1 - i;
    const needleView = new DataView(needle.buffer);
    this.#words = Int32Array.from({ length: n >> 2 }, (_, w) => needleView.getInt32(4 * w, true));
    this.#held = new Uint8Array(n);
    this.#spare = new Uint8Array(n);
    // The body's first delimiter needs no CRLF before it: pretend one was there.
    this.expectHeaderEnd();
  }

  /**
   * A part's header section just ended with CRLF CRLF: the last CRLF may be a
   * delimiter's, so hold it as if it were data, but drop it if no delimiter
   * follows (it was never data).
   */
  expectHeaderEnd(): void {
    this.#held[0] = 0x0d;
    this.#held[1] = 0x0a;
    this.#heldLength = 2;
    this.#heldIsVirtual = true;
  }

  /** The released bytes (a view valid until the next `find`). */
  released(): Uint8Array {
    return this.#spare.subarray(0, this.releasedLength);
  }

  /**
   * Looks for the next delimiter in `data` from `start`. Returns the index just
   * after it, or -1 (then `safeEnd` says how much of `data` is certainly not
   * part of one; the rest is held back).
   */
  find(data: Uint8Array, start: number): number {
    const needle = this.#needle;
    const n = needle.length;
    const end = data.length;
    this.releasedLength = 0;
    if (this.#heldLength > 0) {
      let k = this.#heldLength;
      let j = start;
      while (k < n && j < end && data[j] === needle[k]) {
        k++;
        j++;
      }
      if (k === n) {
        this.#heldLength = 0;
        this.#heldIsVirtual = false;
        this.#searched = 0;
        this.matchStart = start;
        return j;
      }
      if (j === end) {
        this.#held.set(view(data, start, end), this.#heldLength);
        this.#heldLength = k;
        this.safeEnd = start;
        return -1;
      }
      // Not a delimiter after all: the held bytes are data. (The needle has its
      // only CR first, so no later held byte can begin a delimiter either.)
      const released = this.#held;
      this.#held = this.#spare;
      this.#spare = released;
      // The virtual CRLF was never data: only what was held after it is.
      this.releasedLength = this.#heldIsVirtual ? 0 : this.#heldLength;
      if (this.#heldIsVirtual && this.#heldLength > 2) {
        this.#spare.copyWithin(0, 2, this.#heldLength);
        this.releasedLength = this.#heldLength - 2;
      }
      this.#heldLength = 0;
      this.#heldIsVirtual = false;
    }

    let found: number;
    if (this.#pairs !== undefined) found = this.#filter(data, start, end);
    else {
      found = this.#horspool(data, start, end);
      const searched = this.#searched + (found < 0 ? end : found) - start;
      if (searched >= FILTER_AFTER) this.#pairs = pairTable(needle);
      this.#searched = found < 0 ? searched : 0;
    }
    if (found >= 0) {
      this.matchStart = found;
      return found + n;
    }

    // Only the last CR in the final n-1 bytes can begin a delimiter here.
    let heldFrom = end;
    for (let p = end - 1; p >= start && p > end - n; p--) {
      if (data[p] !== CR) continue;
      let k = 1;
      while (p + k < end && data[p + k] === needle[k]) k++;
      if (p + k === end) heldFrom = p;
      break;
    }
    this.#held.set(view(data, heldFrom, end));
    this.#heldLength = end - heldFrom;
    this.safeEnd = heldFrom;
    return -1;
  }

  /** Where the first delimiter wholly inside `data[from, to)` begins, or -1. */
  #horspool(data: Uint8Array, from: number, to: number): number {
    const needle = this.#needle;
    const n = needle.length;
    const skip = this.#skip;
    const last = needle[n - 1];
    let pos = from + n - 1;
    while (pos < to) {
      const c = data[pos] as number;
      if (c === last && this.#isNeedleAt(data, pos - n + 1)) return pos - n + 1;
      pos += skip[c] as number;
    }
    return -1;
  }

  /** Whether `data[at, at + n)` is the needle. */
  #isNeedleAt(data: Uint8Array, at: number): boolean {
    let dataView = this.#dataView;
    if (this.#viewed !== data) {
      dataView = new DataView(data.buffer, data.byteOffset, data.length);
      this.#dataView = dataView;
      this.#viewed = data;
    }
    const words = this.#words;
    for (let w = 0; w < words.length; w++) {
      if ((dataView as DataView).getInt32(at + 4 * w, true) !== words[w]) return false;
    }
    const needle = this.#needle;
    for (let k = 4 * words.length; k < needle.length; k++) {
      if (data[at + k] !== needle[k]) return false;
    }
    return true;
  }

  /** Lets go of the last input (called once the parser is done with it). */
  forget(): void {
    this.#dataView = undefined;
    this.#viewed = undefined;
  }

  /**
   * As {@link #horspool}, with the filter first. It probes the pair of bytes
   * at every (n-1)-th position; a delimiter at `s` covers the n-1 pairs
   * starting at s, ..., s+n-2, so one of them is probed. A probed pair that is
   * not in the delimiter rules out every delimiter that would cover it.
   */
  #filter(data: Uint8Array, from: number, to: number): number {
    const pairs = this.#pairs as Int32Array;
    const n = this.#needle.length;
    const m = n - 1;
    let p = from + n - 2;
    // Two probes a round, one branch for both: most rounds find neither. (A
    // pair's bit is bit `pair & 31` of word `pair >>> 5`.)
    for (; p + m < to - 1; p += 2 * m) {
      const a = (data[p] as number) | ((data[p + 1] as number) << 8);
      const b = (data[p + m] as number) | ((data[p + m + 1] as number) << 8);
      if (
        (((pairs[a >>> 5] as number) >>> (a & 31)) | ((pairs[b >>> 5] as number) >>> (b & 31))) &
        1
      ) {
        // A delimiter may begin in [p-n+2, p+m]: it would end before p+m+n.
        const found = this.#horspool(data, p - n + 2, Math.min(to, p + m + n));
        if (found >= 0) return found;
      }
    }
    // The last probe, if its pair lies before `to`.
    if (p < to - 1) {
      const a = (data[p] as number) | ((data[p + 1] as number) << 8);
      if (((pairs[a >>> 5] as number) >>> (a & 31)) & 1) return this.#horspool(data, p - n + 2, to);
    }
    return -1;
  }
}

/** The filter's table for `needle`: see {@link DelimiterSearch}. */
function pairTable(needle: Uint8Array): Int32Array {
  const pairs = new Int32Array(65536 / 32);
  for (let i = 0; i + 1 < needle.length; i++) {
    const pair = (needle[i] as number) | ((needle[i + 1] as number) << 8);
    pairs[pair >>> 5] |= 1 << (pair & 31);
  }
  return pairs;
}
