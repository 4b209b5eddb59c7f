// The unread input of a socket: the chunks as they arrived, consumed from the
// front. Taking bytes that lie in one chunk returns a view (no copy); only a
// take that spans chunks copies, once, into a buffer of the exact size.

import { Buffer } from "node:buffer";

const EMPTY = Buffer.alloc(0);

/**
 * The chunks of an empty queue, never written: a queue's first chunk gets an
 * array of its own holding just it (an empty array's first push reserves 17
 * slots, 152 bytes an idle connection would keep), which then serves again.
 */
const NO_CHUNKS: Buffer[] = [];

export class ChunkQueue {
  #chunks: Buffer[] = NO_CHUNKS;
  /** Index of the first chunk still holding unread bytes. */
  #first = 0;
  /** Bytes of #chunks[#first] already taken. */
  #offset = 0;
  /** Unread bytes in all chunks. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#chunks === NO_CHUNKS) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * Position (counted from the first unread byte) of the first `byte` in
   * [from, to), or -1. Native `indexOf` per chunk: no per-byte loop here.
   */
  indexOf(byte: number, from: number, to: number): number {
    let base = 0;
    for (let i = this.#first; i < this.#chunks.length && base < to; i++) {
      const chunk = this.#chunks[i] as Buffer;
      const start = i === this.#first ? this.#offset : 0;
      const size = chunk.length - start;
      if (base + size > from) {
        const lo = from > base ? from - base : 0;
        const hi = Math.min(size, to - base);
        // A search to the chunk's end needs no view (the usual line read); a
        // bounded one does, or small reads in a big chunk would cost quadratic time.
        const at =
          hi === size
            ? chunk.indexOf(byte, start + lo) - start - lo
            : chunk.subarray(start + lo, start + hi).indexOf(byte);
        if (at >= 0) return base + lo + at;
      }
      base += size;
    }
    return -1;
  }

  /** Removes and returns the first `n` unread bytes; `n` must be <= length. */
  take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const head = this.#chunks[this.#first] as Buffer;
    if (this.#offset === 0 && head.length === n) {
      // A whole chunk (the usual read of a request): itself, no view made.
      this.#advance(n);
      return head;
    }
    if (head.length - this.#offset >= n) {
      const view = head.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#first] as Buffer;
      const count = Math.min(chunk.length - this.#offset, n - filled);
      chunk.copy(out, filled, this.#offset, this.#offset + count);
      filled += count;
      this.#advance(count);
    }
    return out;
  }

  /** Removes and returns every unread byte. */
  takeAll(): Buffer {
    return this.take(this.length);
  }

  /** Drops every chunk (on close): nothing is kept alive by a dead socket. */
  clear(): void {
    this.#chunks = NO_CHUNKS;
    this.#first = 0;
    this.#offset = 0;
    this.length = 0;
  }

  #advance(n: number): void {
    this.length -= n;
    this.#offset += n;
    const head = this.#chunks[this.#first] as Buffer;
    if (this.#offset < head.length) return;
    this.#offset = 0;
    this.#first++;
    // Compact now and then so a long-lived socket's array does not grow without end.
    if (this.#first === this.#chunks.length) {
      // Kept for the next chunk when it held one (pop is cheap; `length = 0` is a call
      // into V8's runtime), else a new one: a socket reads one chunk at a time mostly.
      if (this.#first === 1) this.#chunks.pop();
      else this.#chunks = NO_CHUNKS;
      this.#first = 0;
    } else if (this.#first >= 64 && this.#first * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
  }
}
