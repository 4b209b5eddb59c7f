// Lenient percent-decoding for cookie values: every run of %XX escapes is
// decoded as UTF-8 where the bytes form valid UTF-8, and any escape that does
// not is kept exactly as sent. Never throws (unlike decodeURIComponent).

const PERCENT = 0x25;

/** Value of a hex digit's char code, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The byte of a `%XX` escape starting at `i`, or -1 if there is none. */
function escapeAt(s: string, i: number): number {
  if (s.charCodeAt(i) !== PERCENT || i + 2 >= s.length) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/** `s` with valid UTF-8 percent-escapes decoded and invalid ones left as sent. */
export function percentDecodeLenient(s: string): string {
  if (s.indexOf("%") < 0) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    if (escapeAt(s, i) < 0) {
      out += s[i];
      i++;
      continue;
    }
    const bytes: number[] = [];
    const runStart = i;
    for (let b = escapeAt(s, i); b >= 0; b = escapeAt(s, i)) {
      bytes.push(b);
      i += 3;
    }
    out += decodeRun(s, runStart, bytes);
  }
  return out;
}

/** Decodes one run of escaped bytes; `runStart` locates their source text. */
function decodeRun(s: string, runStart: number, bytes: number[]): string {
  let out = "";
  let j = 0;
  while (j < bytes.length) {
    const length = utf8SequenceLength(bytes, j);
    if (length === 0) {
      out += s.slice(runStart + 3 * j, runStart + 3 * j + 3);
      j++;
    } else {
      out += String.fromCodePoint(codePointAt(bytes, j, length));
      j += length;
    }
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence at `j` (RFC 3629 table), or 0. */
function utf8SequenceLength(bytes: number[], j: number): number {
  const lead = bytes[j] as number;
  if (lead < 0x80) return 1;
  let length: number;
  let min = 0x80;
  let max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) min = 0xa0;
    if (lead === 0xed) max = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) min = 0x90;
    if (lead === 0xf4) max = 0x8f;
  } else return 0;
  if (j + length > bytes.length) return 0;
  const second = bytes[j + 1] as number;
  if (second < min || second > max) return 0;
  for (let k = 2; k < length; k++) {
    const c = bytes[j + k] as number;
    if (c < 0x80 || c > 0xbf) return 0;
  }
  return length;
}

function codePointAt(bytes: number[], j: number, length: number): number {
  const lead = bytes[j] as number;
  if (length === 1) return lead;
  let cp = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) cp = (cp << 6) | ((bytes[j + k] as number) & 0x3f);
  return cp;
}
