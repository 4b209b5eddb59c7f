// The field names of a connection's last header section, by position. A
// client sends the same names in the same order on every request of a
// connection (a server, on every response), so the scanner first compares the
// bytes at a field's start with the name the same field had last time, four
// bytes per step: when they match, and a colon follows, the name needs no
// token check, its string is the one made last time, and which of the fields
// the parser acts on it is, is known already. Any difference just takes the
// usual path, and the new name is learned for the next section.

import { isPrintable } from "./word-scan";

/** Fields beyond this position are not remembered. */
export const MAX_FIELDS = 64;
/** Names longer than this are not remembered. */
const MAX_NAME = 64;
/** Bytes kept for names at first, and at most; when full at most, everything is forgotten and learned again. */
const ARENA_FIRST = 512;
const ARENA_MAX = 4096;

export class KnownNames {
  #arena = new Uint8Array(ARENA_FIRST);
  #view = new DataView(this.#arena.buffer);
  #used = 0;
  /** Per position: where the name's bytes lie in the arena, and their length (0: none known). */
  readonly #starts: number[] = new Array<number>(MAX_FIELDS).fill(0);
  readonly #lengths: number[] = new Array<number>(MAX_FIELDS).fill(0);
  /** Per position: the name's string, and what specialName said of it. */
  readonly strings: string[] = new Array<string>(MAX_FIELDS).fill("");
  readonly special = new Uint8Array(MAX_FIELDS);
  /** Per position of the current section: 1 where the scanner matched the known name. */
  readonly hits = new Uint8Array(MAX_FIELDS);
  /**
   * Per position, the shape of the last value: from the colon to its first
   * byte, and from there to the CR.
   */
  readonly #gaps: number[] = new Array<number>(MAX_FIELDS).fill(0);
  readonly #spans: number[] = new Array<number>(MAX_FIELDS).fill(0);

  /**
   * If the name known for field `k` lies at `i` in `data` (read through
   * `view`), followed by a colon before `stop`: the colon's index. Else -1.
   */
  match(
    data: Uint8Array,
    view: DataView<ArrayBufferLike>,
    i: number,
    stop: number,
    k: number,
  ): number {
    if (k >= MAX_FIELDS) return -1;
    const n = this.#lengths[k] as number;
    const end = i + n;
    if (n === 0 || end >= stop || data[end] !== 0x3a) return -1;
    const at = this.#starts[k] as number;
    if (n < 4) {
      const arena = this.#arena;
      for (let j = 0; j < n; j++) if (data[i + j] !== arena[at + j]) return -1;
      return end;
    }
    const known = this.#view;
    // Whole words, then the last word (overlapping the one before).
    for (let j = 0; j + 4 < n; j += 4) {
      if (view.getInt32(i + j, true) !== known.getInt32(at + j, true)) return -1;
    }
    return view.getInt32(end - 4, true) === known.getInt32(at + n - 4, true) ? end : -1;
  }

  /** Field `k`'s value began `gap` bytes after its colon, and its CR `span` bytes later. */
  shape(k: number, gap: number, span: number): void {
    if (k >= MAX_FIELDS) return;
    this.#gaps[k] = gap;
    this.#spans[k] = span;
  }

  /** Field `k`'s last value: from its first byte to its CR. */
  span(k: number): number {
    return this.#spans[k] as number;
  }

  /**
   * Field `k`'s name matched, ending at `colon`: if its value has the shape
   * the last one had (the same OWS, the same length, then CRLF, before
   * `stop`) and is printable ASCII with no OWS at either end, the index of
   * its CR. Else -1: the caller scans the value as usual. A value of the
   * same length is most values of a connection's requests, and checking a
   * range whose end is known takes no branch per word.
   */
  valueEnd(
    data: Uint8Array,
    view: DataView<ArrayBufferLike>,
    colon: number,
    stop: number,
    k: number,
  ): number {
    const start = colon + (this.#gaps[k] as number);
    const end = start + (this.#spans[k] as number);
    if (end <= start || end + 1 >= stop || data[end] !== 0x0d || data[end + 1] !== 0x0a) return -1;
    for (let i = colon + 1; i < start; i++) if (data[i] !== 0x20 && data[i] !== 0x09) return -1;
    if (data[start] === 0x20 || data[end - 1] === 0x20) return -1;
    return isPrintable(data, view, start, end) ? end : -1;
  }

  /** Remembers `bytes[start, end)`, whose string is `name`, as field `k`'s name. */
  learn(
    k: number,
    bytes: Uint8Array,
    start: number,
    end: number,
    name: string,
    special: number,
  ): void {
    const n = end - start;
    if (k >= MAX_FIELDS || n > MAX_NAME) return;
    if (this.#used + n > this.#arena.length) {
      if (this.#arena.length < ARENA_MAX) {
        const grown = new Uint8Array(this.#arena.length * 2);
        grown.set(this.#arena);
        this.#arena = grown;
        this.#view = new DataView(grown.buffer);
      } else {
        this.#lengths.fill(0);
        this.#used = 0;
      }
    }
    for (let j = 0; j < n; j++) this.#arena[this.#used + j] = bytes[start + j] as number;
    this.#starts[k] = this.#used;
    this.#lengths[k] = n;
    this.#used += n;
    this.strings[k] = name;
    this.special[k] = special;
  }
}
