// A multipart part's header section, once complete: header lines parsed and
// checked, and what Content-Disposition, Content-Type and
// Content-Transfer-Encoding say about the part (RFC 7578 section 4, RFC 8187).

import { BodyParserError } from "../errors";
import type { PartMeta } from "../types";
import { equalsIgnoreCase, isOws, isToken, lowerAscii, skipOws } from "./strings";
import { view } from "./view";

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function invalid(message: string): never {
  throw new BodyParserError("MULTIPART_INVALID_PART_HEADER", message);
}

/**
 * Parses `bytes[from, to)`: header lines, each ending in CRLF, the last one
 * empty (the caller checked that every CR is followed by LF and that there are
 * no control characters but HTAB). The section is decoded once as UTF-8
 * (browsers send file names that way); names must be tokens; values are
 * trimmed of SP and HTAB.
 */
export function parsePartHeaders(bytes: Uint8Array, from: number, to: number): PartMeta {
  const text = utf8.decode(view(bytes, from, to - 2));
  const headers: string[] = [];
  let disposition: string | undefined;
  let contentType: string | undefined;
  let i = 0;
  while (i < text.length) {
    const lineEnd = text.indexOf("\r\n", i);
    let j = i;
    while (j < lineEnd && isToken(text.charCodeAt(j))) j++;
    if (j === i) invalid("part header line does not start with a name");
    if (text.charCodeAt(j) !== 0x3a) invalid("part header name is not followed by a colon");
    const name = text.slice(i, j);
    const valueStart = skipOws(text, j + 1);
    let valueEnd = lineEnd;
    while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const value = text.slice(valueStart, valueEnd);
    headers.push(name, value);
    if (equalsIgnoreCase(name, "content-disposition")) {
      if (disposition !== undefined) invalid("Content-Disposition given twice");
      disposition = value;
    } else if (equalsIgnoreCase(name, "content-type")) {
      if (contentType !== undefined) invalid("Content-Type given twice");
      contentType = value;
    } else if (
      equalsIgnoreCase(name, "content-transfer-encoding") &&
      !equalsIgnoreCase(value, "7bit") &&
      !equalsIgnoreCase(value, "8bit") &&
      !equalsIgnoreCase(value, "binary")
    ) {
      throw new BodyParserError(
        "MULTIPART_UNSUPPORTED_TRANSFER_ENCODING",
        "Content-Transfer-Encoding other than 7bit, 8bit or binary",
      );
    }
    i = lineEnd + 2;
  }
  if (disposition === undefined) invalid("part has no Content-Disposition");
  const { fieldName, fileName } = parseDisposition(disposition);
  return { fieldName, fileName, contentType, headers };
}

/**
 * `form-data; name="x"; filename="a.txt"; filename*=UTF-8''%E2%82%AC.txt`:
 * the disposition type must be form-data and `name` present; `filename*`
 * wins over `filename` (RFC 8187 section 4.2; RFC 7578 section 4.2).
 */
export function parseDisposition(value: string): {
  fieldName: string;
  fileName: string | undefined;
} {
  let i = skipOws(value, 0);
  const typeStart = i;
  while (i < value.length && isToken(value.charCodeAt(i))) i++;
  if (!equalsIgnoreCase(value.slice(typeStart, i), "form-data")) {
    invalid("Content-Disposition is not form-data");
  }
  let fieldName: string | undefined;
  let fileName: string | undefined;
  let extendedFileName: string | undefined;
  i = skipOws(value, i);
  while (i < value.length) {
    if (value.charCodeAt(i) !== 0x3b) invalid("Content-Disposition parameters are malformed");
    i = skipOws(value, i + 1);
    if (i === value.length) break; // a trailing ";" is tolerated, as browsers never send one but curl may
    const nameStart = i;
    while (i < value.length && isToken(value.charCodeAt(i))) i++;
    const name = value.slice(nameStart, i);
    i = skipOws(value, i);
    if (name.length === 0 || value.charCodeAt(i) !== 0x3d)
      invalid("Content-Disposition parameters are malformed");
    i = skipOws(value, i + 1);
    let param: string;
    if (value.charCodeAt(i) === 0x22) {
      const quoted = readQuoted(value, i);
      param = quoted.value;
      i = quoted.end;
    } else {
      const start = i;
      while (i < value.length && isToken(value.charCodeAt(i))) i++;
      if (i === start) invalid("Content-Disposition parameter has no value");
      param = value.slice(start, i);
    }
    i = skipOws(value, i);
    if (equalsIgnoreCase(name, "name")) {
      if (fieldName !== undefined) invalid("Content-Disposition has name twice");
      fieldName = param;
    } else if (equalsIgnoreCase(name, "filename")) {
      if (fileName !== undefined) invalid("Content-Disposition has filename twice");
      fileName = param;
    } else if (equalsIgnoreCase(name, "filename*")) {
      if (extendedFileName !== undefined) invalid("Content-Disposition has filename* twice");
      extendedFileName = decodeExtValue(param);
    }
  }
  if (fieldName === undefined) invalid("Content-Disposition has no name");
  return { fieldName, fileName: extendedFileName ?? fileName };
}

/** A quoted-string starting at `start` (the DQUOTE), unescaped; and the index after it. */
function readQuoted(s: string, start: number): { value: string; end: number } {
  let i = start + 1;
  let out = "";
  let runStart = i;
  for (;;) {
    if (i >= s.length) invalid("unterminated quoted string in Content-Disposition");
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c) {
      out += s.slice(runStart, i);
      i++;
      if (i >= s.length) invalid("unterminated quoted string in Content-Disposition");
      runStart = i;
    }
    i++;
  }
  return { value: out + s.slice(runStart, i), end: i + 1 };
}

/**
 * RFC 8187 ext-value `charset'language'pct-encoded`: UTF-8 or ISO-8859-1.
 * Malformed or in another charset: invalid (a client that sends `filename*`
 * means it; guessing would store files under wrong names).
 */
function decodeExtValue(ext: string): string {
  const first = ext.indexOf("'");
  const second = first < 0 ? -1 : ext.indexOf("'", first + 1);
  if (second < 0) invalid("filename* is not charset'language'value");
  const charset = lowerAscii(ext.slice(0, first));
  const encoded = ext.slice(second + 1);
  const bytes = new Uint8Array(encoded.length);
  let n = 0;
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(encoded.charCodeAt(i + 1));
      const lo = hexValue(encoded.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) invalid("filename* has a bad percent-escape");
      bytes[n++] = (hi << 4) | lo;
      i += 2;
    } else if (isAttrChar(c)) {
      bytes[n++] = c;
    } else {
      invalid("filename* has a character RFC 8187 does not allow");
    }
  }
  if (charset === "utf-8") return utf8.decode(bytes.subarray(0, n));
  if (charset === "iso-8859-1") {
    let s = "";
    for (let k = 0; k < n; k++) s += String.fromCharCode(bytes[k] as number);
    return s;
  }
  invalid("filename* charset is neither UTF-8 nor ISO-8859-1");
}

/** attr-char of RFC 8187: ALPHA DIGIT ! # $ & + - . ^ _ ` | ~ */
function isAttrChar(c: number): boolean {
  return isToken(c) && c !== 0x2a && c !== 0x27 && c !== 0x25;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
