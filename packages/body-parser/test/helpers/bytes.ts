// Byte helpers shared by the generators and the tests: pseudo-random bytes
// from a seed, UTF-8 and latin1 conversions, joining, searching, and showing
// bytes in failure messages.

/**
 * `length` pseudo-random bytes from `seed` (mulberry32). Much faster than one
 * fast-check arbitrary per byte.
 */
export function expand(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed | 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return out;
}

/** A mulberry32 stream: each call gives the next pseudo-random unsigned 32-bit integer. */
export function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const encoder = new TextEncoder();
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** Bytes to a latin1 string (one char per byte). */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** A latin1 string (chars 0-255) to bytes. */
export function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

export function concat(pieces: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of pieces) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The input as a JSON string literal of its latin1 text, to paste into a test (long ones cut). */
export function showBytes(bytes: Uint8Array, max = 2000): string {
  const s = latin1(bytes.subarray(0, max));
  return JSON.stringify(s) + (bytes.length > max ? ` ... (${bytes.length} bytes)` : "");
}

/** Offset of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const n = needle.length;
  if (n === 0) return from;
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first as number, from);
    i !== -1;
    i = hay.indexOf(first as number, i + 1)
  ) {
    if (i + n > hay.length) return -1;
    for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
