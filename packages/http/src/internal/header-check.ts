// Checks for response header names and values, shared by sendHeader() and
// the staticHeaders option: a name is an RFC 9110 token, a value has no CR,
// LF, NUL or other control byte but HTAB, so nothing can inject a line.

import { HttpError } from "../errors";

/** 1 for the bytes of an RFC 9110 token (tchar). */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** Throws INVALID_HEADER unless `name` is a non-empty token. */
export function checkHeaderName(name: unknown, what: string): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new HttpError("INVALID_HEADER", `${what}: a header name must be a non-empty string`);
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) {
      throw new HttpError(
        "INVALID_HEADER",
        `${what}: a header name may hold only token characters`,
      );
    }
  }
}

/** Throws INVALID_HEADER if `value` holds a control byte other than HTAB, or DEL, or a character above U+00FF. */
export function checkHeaderValue(value: string, what: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
      throw new HttpError(
        "INVALID_HEADER",
        `${what}: a header value may not hold control characters (CR, LF, NUL, ...) or characters above U+00FF`,
      );
    }
  }
}
