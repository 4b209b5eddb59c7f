// Percent-decoding of urlencoded names and values. The WHATWG parser turns
// `+` into a space, percent-decodes to bytes, and reads the bytes as UTF-8
// (U+FFFD for invalid sequences, no BOM sniffing). One walk writes the bytes
// into a reused scratch array and one TextDecoder call makes the string:
// measured faster than a UTF-8 decoder written out here, whose code units
// then cost a String.fromCharCode.apply, and faster than decodeURIComponent,
// which also throws on the malformed input the standard accepts.

import { decodeUtf8 } from "./utf8";

/** Value of an ASCII hex digit, or -1; indexed by char codes below 0x80 only. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;

// "UTF-8 decode without BOM": a leading U+FEFF is kept, not stripped.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Scratch is kept between calls up to this many bytes; a longer piece gets its own. */
const KEEP = 65536;
/** Views of the scratch's first n bytes are kept for n up to this. */
const VIEWS = 512;
let scratch = new Uint8Array(4096);
// views[n] is scratch.subarray(0, n): a view made per call costs a good part
// of decoding a short piece.
let views: Uint8Array[] = [];

function scratchFor(length: number): Uint8Array {
  if (length <= scratch.length) return scratch;
  if (length > KEEP) return new Uint8Array(length);
  let size = scratch.length;
  while (size < length) size *= 2;
  scratch = new Uint8Array(size);
  views = [];
  return scratch;
}

/** The UTF-8 decoding of `out[0, n)`. */
function decodeScratch(out: Uint8Array, n: number): string {
  if (n > VIEWS || out !== scratch) return utf8.decode(out.subarray(0, n));
  let view = views[n];
  if (view === undefined) {
    view = out.subarray(0, n);
    views[n] = view;
  }
  return utf8.decode(view);
}

/**
 * Decodes `s[start, end)` as a urlencoded name or value: `+` is a space,
 * `%XX` a byte, a malformed escape stays as it is, literal characters are
 * their UTF-8 bytes (a lone surrogate those of U+FFFD), and the bytes are
 * read as UTF-8 with U+FFFD for invalid sequences.
 */
export function decodeString(s: string, start: number, end: number): string {
  // At most 3 bytes per code unit (a surrogate pair is 4 bytes for 2).
  const out = scratchFor((end - start) * 3);
  let n = 0;
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === PERCENT && i + 2 < end) {
        const c1 = s.charCodeAt(i + 1);
        const c2 = s.charCodeAt(i + 2);
        const h1 = c1 < 0x80 ? HEX[c1] : -1;
        const h2 = c2 < 0x80 ? HEX[c2] : -1;
        if ((h1 | h2) >= 0) {
          out[n++] = (h1 << 4) | h2;
          i += 3;
          continue;
        }
      }
      out[n++] = c === PLUS ? SPACE : c;
      i++;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
      i++;
    } else if (c < 0xd800 || c > 0xdfff) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
      i++;
    } else {
      const d = c <= 0xdbff && i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        i += 2;
      } else {
        // A lone surrogate: the UTF-8 encoding of U+FFFD.
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
        i++;
      }
    }
  }
  return decodeScratch(out, n);
}

/**
 * Decodes `bytes[start, end)` as a urlencoded name or value, like
 * {@link decodeString}, the literal bytes being UTF-8 as they are.
 */
export function decodeBytes(bytes: Uint8Array, start: number, end: number): string {
  // Decoding never makes more bytes than it reads.
  const out = scratchFor(end - start);
  let n = 0;
  let i = start;
  while (i < end) {
    const c = bytes[i];
    if (c === PERCENT && i + 2 < end) {
      const c1 = bytes[i + 1];
      const c2 = bytes[i + 2];
      const h1 = c1 < 0x80 ? HEX[c1] : -1;
      const h2 = c2 < 0x80 ? HEX[c2] : -1;
      if ((h1 | h2) >= 0) {
        out[n++] = (h1 << 4) | h2;
        i += 3;
        continue;
      }
    }
    out[n++] = c === PLUS ? SPACE : c;
    i++;
  }
  return decodeScratch(out, n);
}

/** Up to this many bytes, building an ASCII string by hand beats a TextDecoder call. */
const SHORT = 24;

/**
 * The string of `bytes[start, end)`, which hold no `%` and no `+`: plain
 * UTF-8. `ascii` says that every byte is below 0x80.
 */
export function plainBytes(bytes: Uint8Array, start: number, end: number, ascii: boolean): string {
  if (ascii && end - start <= SHORT) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  return decodeUtf8(bytes, start, end);
}
