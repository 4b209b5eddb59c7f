// Decodes ASCII header sections to strings with one native call, so that
// every token becomes a cheap slice. Pipelined requests share one decode: after
// a head without a body, the next heads in the same input are decoded ahead in
// one go, since every byte between them (heads, empty lines) is ASCII too.

import type { SectionLayout } from "./head-builder";
import { decodeAscii } from "./text";

/** Sections shorter than this make their few tokens one by one instead. */
const DECODE_MIN = 32;
/** How far ahead to decode once requests turn out to be pipelined. */
const AHEAD = 4096;

export class SectionText {
  #data: Uint8Array | undefined;
  #text = "";
  /** Index in `#data` of `#text[0]`, and of the first byte not decoded. */
  #start = 0;
  #end = 0;
  /** Every byte from `#start` up to the next section is ASCII: no body since. */
  #chain = false;

  /** Sets `layout.text` and `layout.textShift` for the section `[base, end)` of `data`, an ASCII section. */
  fill(layout: SectionLayout, data: Uint8Array, base: number, end: number): void {
    const chained = this.#chain && data === this.#data;
    if (!(chained && end <= this.#end)) {
      if (!chained && end - base < DECODE_MIN) {
        layout.text = undefined;
        this.#chain = false;
        return;
      }
      const to = chained ? Math.min(data.length, base + Math.max(AHEAD, end - base)) : end;
      this.#text = decodeAscii(data, base, to);
      this.#data = data;
      this.#start = base;
      this.#end = to;
    }
    layout.text = this.#text;
    layout.textShift = base - this.#start;
  }

  /** The section just filled ended a request with no body: the next head may reuse the text. */
  continueChain(): void {
    this.#chain = true;
  }

  /**
   * Something not decoded (a body, a split or non-ASCII section) comes between
   * heads, or a new input begins (the caller may have reused the same buffer).
   */
  breakChain(): void {
    this.#chain = false;
  }
}
