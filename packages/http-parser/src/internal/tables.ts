// Byte classes of RFC 9110/9112/3986 as 256-entry lookup tables, so the hot
// loops test a byte with one load instead of a chain of comparisons.

const DIGITS = "0123456789";
const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function table(chars: string, value = 1): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = value;
  return t;
}

/** tchar (RFC 9110 section 5.6.2): 1 for bytes allowed in a token. */
export const TOKEN = table(`!#$%&'*+-.^_\`|~${DIGITS}${ALPHA}`);

/**
 * Request-target bytes (RFC 3986): 1 for unreserved, sub-delims, ":", "@",
 * "/", "?"; PERCENT and BRACKET mark the bytes that need a closer look; 0 is
 * anything else.
 */
export const TARGET = table(`-._~!$&'()*+,;=:@/?${DIGITS}${ALPHA}`);
export const TARGET_PERCENT = 2;
export const TARGET_BRACKET = 3;
TARGET[0x25] = TARGET_PERCENT;
TARGET[0x5b] = TARGET_BRACKET;
TARGET[0x5d] = TARGET_BRACKET;

/** Field-value bytes: VISIBLE (VCHAR), SPACE (SP, HTAB), OBS_TEXT (0x80-0xFF); 0 is forbidden. */
export const FIELD = new Uint8Array(256);
export const FIELD_VISIBLE = 1;
export const FIELD_SPACE = 2;
export const FIELD_OBS_TEXT = 3;
for (let c = 0x21; c <= 0x7e; c++) FIELD[c] = FIELD_VISIBLE;
for (let c = 0x80; c <= 0xff; c++) FIELD[c] = FIELD_OBS_TEXT;
FIELD[0x20] = FIELD_SPACE;
FIELD[0x09] = FIELD_SPACE;

/** Value of a hex digit, or -1. */
export const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

/** Host bytes besides brackets and ":" (RFC 3986 reg-name, IPv4, and IPv6 digits): unreserved, sub-delims, "%". */
export const HOST = table(`-._~!$&'()*+,;=%${DIGITS}${ALPHA}`);

/** qdtext and quoted-pair bytes of a quoted-string (RFC 9110 section 5.6.4), obs-text included. */
export const QDTEXT = new Uint8Array(256);
for (let c = 0x20; c <= 0xff; c++) QDTEXT[c] = c === 0x22 || c === 0x5c || c === 0x7f ? 0 : 1;
QDTEXT[0x09] = 1;

export const SP = 0x20;
export const HTAB = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;
export const COMMA = 0x2c;
export const EQUALS = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
