// Finds multipart delimiters ("\r\n--" + boundary) in a stream of inputs with
// Boyer-Moore-Horspool: on data that is not a delimiter it looks at about one
// byte in every delimiter-length. A delimiter may straddle inputs, so the
// bytes at the end of an input that could begin one are held back (copied)
// until the next input decides.

import { view } from "./view";

const CR = 0x0d;

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

    const skip = this.#skip;
    const last = needle[n - 1];
    let pos = start + n - 1;
    while (pos < end) {
      const c = data[pos] as number;
      if (c === last) {
        let k = n - 2;
        let p = pos - 1;
        while (k >= 0 && data[p] === needle[k]) {
          k--;
          p--;
        }
        if (k < 0) {
          this.matchStart = pos - n + 1;
          return pos + 1;
        }
      }
      pos += skip[c] as number;
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
}
