// Bytes to strings, once per token. Header bytes are latin1 (obs-text keeps
// its byte value as the char code, as Node does). Names and methods repeat
// from request to request, so they go through a small cache that returns the
// same string for the same bytes without allocating.

const fromCharCode = String.fromCharCode;
// UTF-8 decodes ASCII exactly like latin1, and natively: far faster than
// String.fromCharCode.apply for anything but the shortest strings.
const utf8 = new TextDecoder();
/** Below this length, building a string char by char beats a TextDecoder call. */
const SHORT = 16;

/**
 * Node's Buffer (also Bun's and Deno's node:buffer), recognised by its own
 * `isBuffer`: its documented `toString("latin1", start, end)` is the fastest
 * decoding there is. Node's Buffer also has `latin1Slice(start, end)`, the
 * native call that toString makes after checking its arguments in JS; where
 * it is there, it is called directly (a head's decode costs a third less).
 * No import: any other Uint8Array takes TextDecoder.
 */
interface NodeBufferLike {
  toString(encoding: "latin1", start: number, end: number): string;
  latin1Slice?: (start: number, end: number) => string;
  constructor: { isBuffer?: (value: unknown) => boolean };
}

/** `bytes[from, to)` as a string with one native call; the bytes must be ASCII. */
export function decodeAscii(bytes: Uint8Array, from: number, to: number): string {
  const buffer = bytes as unknown as NodeBufferLike;
  if (buffer.constructor.isBuffer?.(bytes) === true) {
    return buffer.latin1Slice !== undefined
      ? buffer.latin1Slice(from, to)
      : buffer.toString("latin1", from, to);
  }
  if (from === 0 && to === bytes.length) return utf8.decode(bytes);
  // A plain view: Buffer#subarray would look up a species constructor.
  return utf8.decode(new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from));
}

/** The string of `bytes[start, end)`, which must all be ASCII. */
export function ascii(bytes: Uint8Array, start: number, end: number): string {
  return end - start <= SHORT ? latin1(bytes, start, end) : decodeAscii(bytes, start, end);
}

/** The latin1 string of `bytes[start, end)`: each byte becomes the char with that code. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += fromCharCode(bytes[i]);
  return s;
}

const CACHE_SLOTS = 1024;
const CACHE_MAX_LENGTH = 40;
const cacheKeys: (Uint8Array | undefined)[] = new Array(CACHE_SLOTS);
const cacheValues: string[] = new Array(CACHE_SLOTS);

/**
 * Like {@link ascii}, but returns a cached string when the same bytes were
 * seen recently (direct-mapped by hash; a collision just replaces the slot).
 */
export function internedAscii(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > CACHE_MAX_LENGTH) return ascii(bytes, start, end);
  let h = n;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
  const slot = (h ^ (h >>> 11)) & (CACHE_SLOTS - 1);
  const key = cacheKeys[slot];
  if (key !== undefined && key.length === n) {
    let i = 0;
    while (i < n && key[i] === bytes[start + i]) i++;
    if (i === n) return cacheValues[slot];
  }
  const value = ascii(bytes, start, end);
  cacheKeys[slot] = bytes.slice(start, end);
  cacheValues[slot] = value;
  return value;
}

/** Whether `bytes[start, end)` equals the lowercase ASCII `lower`, ignoring ASCII case. */
export function equalsIgnoreCase(
  bytes: Uint8Array,
  start: number,
  end: number,
  lower: string,
): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = bytes[start + i];
    const folded = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    if (folded !== lower.charCodeAt(i)) return false;
  }
  return true;
}
