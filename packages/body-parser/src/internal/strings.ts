// Small character helpers shared by the Content-Type and part header parsers.

/** tchar of RFC 9110 section 5.6.2, as a 256-entry table (1 = token byte). */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TOKEN[c.charCodeAt(0)] = 1;
}

/** Whether the char code `c` is a tchar. */
export function isToken(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

/** SP or HTAB. */
export function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** The index of the first character at or after `i` that is not SP or HTAB. */
export function skipOws(s: string, i: number): number {
  let k = i;
  while (k < s.length && isOws(s.charCodeAt(k))) k++;
  return k;
}

/** `s` with A-Z lowercased and nothing else changed. */
export function lowerAscii(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : s[i];
  }
  return out;
}
