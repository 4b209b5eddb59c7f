// getBoundary: the boundary parameter of a multipart/form-data Content-Type
// (RFC 7578 section 4.1, RFC 2046 section 5.1.1, parameter syntax of RFC 9110
// section 5.6.6), or of any multipart/* one when asked.

import { BodyParserError } from "./errors";
import { validateBoundaryOptions } from "./internal/limits";
import { isToken, lowerAscii, skipOws } from "./internal/strings";
import type { BoundaryOptions } from "./types";

/** bcharsnospace of RFC 2046: DIGIT ALPHA ' ( ) + _ , - . / : = ? (and SP, but not last). */
function isBoundaryChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    "'()+_,-./:=? ".includes(String.fromCharCode(c))
  );
}

const MAX_BOUNDARY_LENGTH = 70;

/** Whether `type` (lowercased) is `multipart/` and a token: any multipart subtype. */
function isMultipart(type: string): boolean {
  if (!type.startsWith("multipart/") || type.length === 10) return false;
  for (let k = 10; k < type.length; k++) if (!isToken(type.charCodeAt(k))) return false;
  return true;
}

/**
 * The boundary of a `multipart/form-data` Content-Type, or, with
 * `anySubtype`, of any `multipart/*` one (mixed, related, a nested part's). The media type and the parameter names are case-insensitive,
 * parameters may come in any order, and the value may be a token or a quoted
 * string.
 *
 * Throws {@link BodyParserError}: `MULTIPART_NOT_FORM_DATA` (415) for another
 * media type (`MULTIPART_NOT_MULTIPART` with `anySubtype`),
 * `MULTIPART_NO_BOUNDARY` (400) when the boundary is missing, empty, given
 * twice or has characters RFC 2046 does not allow,
 * `MULTIPART_BOUNDARY_TOO_LONG` (400) beyond 70 characters; `INVALID_OPTION`
 * for a bad or unknown option.
 *
 * @example
 * ```ts
 * getBoundary('multipart/form-data; charset=utf-8; boundary="----x"'); // "----x"
 * getBoundary("multipart/mixed; boundary=y", { anySubtype: true }); // "y"
 * ```
 */
export function getBoundary(contentType: string, options: BoundaryOptions = {}): string {
  const anySubtype = validateBoundaryOptions(options);
  const s = String(contentType);
  let i = skipOws(s, 0);
  const typeStart = i;
  while (i < s.length && s.charCodeAt(i) !== 0x3b) i++;
  let typeEnd = i;
  while (
    typeEnd > typeStart &&
    (s.charCodeAt(typeEnd - 1) === 0x20 || s.charCodeAt(typeEnd - 1) === 0x09)
  ) {
    typeEnd--;
  }
  const type = lowerAscii(s.slice(typeStart, typeEnd));
  if (anySubtype) {
    if (!isMultipart(type))
      throw new BodyParserError("MULTIPART_NOT_MULTIPART", "Content-Type is not multipart/*");
  } else if (type !== "multipart/form-data") {
    throw new BodyParserError("MULTIPART_NOT_FORM_DATA", "Content-Type is not multipart/form-data");
  }
  let boundary: string | undefined;
  while (i < s.length) {
    // At ";": a parameter follows.
    i = skipOws(s, i + 1);
    const nameStart = i;
    while (i < s.length && isToken(s.charCodeAt(i))) i++;
    const name = lowerAscii(s.slice(nameStart, i));
    if (name.length === 0 || s.charCodeAt(i) !== 0x3d) {
      throw new BodyParserError("MULTIPART_NO_BOUNDARY", "Content-Type parameters are malformed");
    }
    i++;
    let value = "";
    if (s.charCodeAt(i) === 0x22) {
      i++;
      for (;;) {
        if (i >= s.length) {
          throw new BodyParserError(
            "MULTIPART_NO_BOUNDARY",
            "unterminated quoted string in Content-Type",
          );
        }
        const c = s.charCodeAt(i);
        if (c === 0x22) break;
        if (c === 0x5c && i + 1 < s.length) i++;
        value += s[i];
        i++;
      }
      i++;
    } else {
      const valueStart = i;
      while (i < s.length && isToken(s.charCodeAt(i))) i++;
      value = s.slice(valueStart, i);
    }
    i = skipOws(s, i);
    if (i < s.length && s.charCodeAt(i) !== 0x3b) {
      throw new BodyParserError("MULTIPART_NO_BOUNDARY", "Content-Type parameters are malformed");
    }
    if (name === "boundary") {
      if (boundary !== undefined) {
        throw new BodyParserError("MULTIPART_NO_BOUNDARY", "boundary given twice");
      }
      boundary = value;
    }
  }
  if (boundary === undefined || boundary.length === 0) {
    throw new BodyParserError("MULTIPART_NO_BOUNDARY", "Content-Type has no boundary");
  }
  if (boundary.length > MAX_BOUNDARY_LENGTH) {
    throw new BodyParserError(
      "MULTIPART_BOUNDARY_TOO_LONG",
      "boundary is longer than 70 characters",
    );
  }
  for (let k = 0; k < boundary.length; k++) {
    if (!isBoundaryChar(boundary.charCodeAt(k))) {
      throw new BodyParserError(
        "MULTIPART_NO_BOUNDARY",
        "boundary has a character RFC 2046 does not allow",
      );
    }
  }
  if (boundary.charCodeAt(boundary.length - 1) === 0x20) {
    throw new BodyParserError("MULTIPART_NO_BOUNDARY", "boundary ends in a space");
  }
  return boundary;
}
