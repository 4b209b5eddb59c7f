// A multipart part's header section, once complete: header lines parsed and
// checked, and what Content-Disposition, Content-Type and
// Content-Transfer-Encoding say about the part (RFC 7578 section 4, RFC 8187;
// RFC 2046 and RFC 5322 for the other multipart subtypes).

import { BodyParserError } from "../errors";
import type { MimePartMeta } from "../types";
import { baseName } from "./file-name";
import { equalsIgnoreCase, isOws, isToken, lowerAscii, skipOws } from "./strings";
import { view } from "./view";

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function invalid(message: string): never {
  throw new BodyParserError("MULTIPART_INVALID_PART_HEADER", message);
}

/** What the last header line was, for a folded line that continues it. */
const OTHER = 0;
const DISPOSITION = 1;
const CONTENT_TYPE = 2;

/**
 * Parses `bytes[from, to)`: header lines, each ending in CRLF, the last one
 * empty (the caller checked that every CR is followed by LF and that there are
 * no control characters but HTAB). The section is decoded once as UTF-8
 * (browsers send file names that way); names must be tokens; values are
 * trimmed of SP and HTAB.
 *
 * `formData`: the rules of RFC 7578 (a form-data Content-Disposition with a
 * name, no folded lines, no Content-Transfer-Encoding but 7bit, 8bit,
 * binary); the meta then always has a `fieldName`. Otherwise those of RFC
 * 2046: Content-Disposition is optional, a line starting with SP or HTAB
 * continues the one before (RFC 5322 section 2.2.3: the fold becomes one SP),
 * and the data is passed on as sent.
 */
export function parsePartHeaders(
  bytes: Uint8Array,
  from: number,
  to: number,
  formData: boolean,
): MimePartMeta {
  const text = utf8.decode(view(bytes, from, to - 2));
  const headers: string[] = [];
  let disposition: string | undefined;
  let contentType: string | undefined;
  let last = OTHER;
  let i = 0;
  while (i < text.length) {
    const lineEnd = text.indexOf("\r\n", i);
    if (isOws(text.charCodeAt(i))) {
      const value = unfold(headers, trimmed(text, i, lineEnd), formData);
      if (last === DISPOSITION) disposition = value;
      else if (last === CONTENT_TYPE) contentType = value;
      i = lineEnd + 2;
      continue;
    }
    let j = i;
    while (j < lineEnd && isToken(text.charCodeAt(j))) j++;
    if (j === i) invalid("part header line does not start with a name");
    if (text.charCodeAt(j) !== 0x3a) invalid("part header name is not followed by a colon");
    const name = text.slice(i, j);
    const value = trimmed(text, j + 1, lineEnd);
    headers.push(name, value);
    last = OTHER;
    if (equalsIgnoreCase(name, "content-disposition")) {
      if (disposition !== undefined) invalid("Content-Disposition given twice");
      disposition = value;
      last = DISPOSITION;
    } else if (equalsIgnoreCase(name, "content-type")) {
      if (contentType !== undefined) invalid("Content-Type given twice");
      contentType = value;
      last = CONTENT_TYPE;
    } else if (
      formData &&
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
  if (disposition === undefined) {
    if (formData) invalid("part has no Content-Disposition");
    return { fieldName: undefined, fileName: undefined, contentType, headers };
  }
  const { fieldName, fileName } = parseDisposition(disposition, formData);
  return { fieldName, fileName, contentType, headers };
}

/**
 * A folded line (obs-fold: one that starts with SP or HTAB), `more` its text
 * trimmed, joined to the last header's value with one SP; returns that value.
 * Obsolete in a form (RFC 9112 section 5.2), the ordinary way to write a long
 * header field elsewhere (RFC 5322 section 2.2.3). Kept out of
 * parsePartHeaders, which every part goes through.
 */
function unfold(headers: string[], more: string, formData: boolean): string {
  if (formData) invalid("a folded part header line (obs-fold) in multipart/form-data");
  if (headers.length === 0) invalid("part header section starts with a folded line");
  const previous = headers[headers.length - 1] as string;
  if (more === "") return previous;
  const value = previous === "" ? more : `${previous} ${more}`;
  headers[headers.length - 1] = value;
  return value;
}

/** `s[start, end)` without leading and trailing SP and HTAB. */
function trimmed(s: string, start: number, end: number): string {
  const valueStart = skipOws(s, start);
  let valueEnd = end;
  while (valueEnd > valueStart && isOws(s.charCodeAt(valueEnd - 1))) valueEnd--;
  return s.slice(valueStart, valueEnd);
}

/**
 * `form-data; name="x"; filename="a.txt"; filename*=UTF-8''%E2%82%AC.txt`:
 * with `formData` the disposition type must be form-data and `name` present,
 * else any type will do; `filename*` wins over `filename` (RFC 8187 section
 * 4.2; RFC 7578 section 4.2), and the file name is reduced to its base name.
 */
export function parseDisposition(
  value: string,
  formData: boolean,
): {
  fieldName: string | undefined;
  fileName: string | undefined;
} {
  let i = skipOws(value, 0);
  const typeStart = i;
  while (i < value.length && isToken(value.charCodeAt(i))) i++;
  if (formData) {
    if (!equalsIgnoreCase(value.slice(typeStart, i), "form-data"))
      invalid("Content-Disposition is not form-data");
  } else if (i === typeStart) invalid("Content-Disposition has no disposition type");
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
    const isFileName = equalsIgnoreCase(name, "filename");
    let param: string;
    if (value.charCodeAt(i) === 0x22) {
      const quoted = readQuoted(value, i, isFileName);
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
    } else if (isFileName) {
      if (fileName !== undefined) invalid("Content-Disposition has filename twice");
      fileName = param;
    } else if (equalsIgnoreCase(name, "filename*")) {
      if (extendedFileName !== undefined) invalid("Content-Disposition has filename* twice");
      extendedFileName = decodeExtValue(param);
    }
  }
  if (formData && fieldName === undefined) invalid("Content-Disposition has no name");
  const named = extendedFileName ?? fileName;
  return { fieldName, fileName: named === undefined ? undefined : baseName(named) };
}

/**
 * A quoted-string starting at `start` (the DQUOTE), unescaped; and the index
 * after it. A quoted-pair `\c` is `c` (RFC 9110 section 5.6.4), but with
 * `pathSeparators` (a `filename`) only `\"` and `\\` are escapes and any
 * other backslash stays: it is a Windows path separator, as old Internet
 * Explorer sends `"C:\files\a.txt"` unescaped. (No Windows file name holds a
 * `"`, so `\"` is never a separator before a name's last character.)
 */
function readQuoted(
  s: string,
  start: number,
  pathSeparators: boolean,
): { value: string; end: number } {
  let i = start + 1;
  let out = "";
  let runStart = i;
  for (;;) {
    if (i >= s.length) invalid("unterminated quoted string in Content-Disposition");
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c === 0x5c) {
      if (i + 1 >= s.length) invalid("unterminated quoted string in Content-Disposition");
      const next = s.charCodeAt(i + 1);
      if (!pathSeparators || next === 0x22 || next === 0x5c) {
        out += s.slice(runStart, i);
        i++;
        runStart = i;
      }
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
