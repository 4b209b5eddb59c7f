// A multipart part's header section, once complete: header lines parsed and
// checked, and what Content-Disposition, Content-Type and
// Content-Transfer-Encoding say about the part (RFC 7578 section 4, RFC 8187;
// RFC 2046 and RFC 5322 for the other multipart subtypes).

import { BodyParserError } from "../errors";
import type { MimePartMeta } from "../types";
import { baseName } from "./file-name";
import { isOws, isToken, lowerAscii, TOKEN } from "./strings";
import { decodeUtf8 } from "./utf8";

const utf8Encoder = new TextEncoder();

const CR = 0x0d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Lowercase names as bytes, for {@link equalsIgnoreCase}. */
const lower = (name: string): Uint8Array => utf8Encoder.encode(name);
const CONTENT_DISPOSITION = lower("content-disposition");
const CONTENT_TYPE_NAME = lower("content-type");
const CONTENT_TRANSFER_ENCODING = lower("content-transfer-encoding");
const SEVEN_BIT = lower("7bit");
const EIGHT_BIT = lower("8bit");
const BINARY = lower("binary");
const FORM_DATA = lower("form-data");
const NAME = lower("name");
const FILENAME = lower("filename");
const FILENAME_STAR = lower("filename*");

function invalid(message: string): never {
  throw new BodyParserError("MULTIPART_INVALID_PART_HEADER", message);
}

/** What the last header line was, for a folded line that continues it. */
const OTHER = 0;
const DISPOSITION = 1;
const CONTENT_TYPE = 2;

/**
 * Where the parsers below take their strings from: `bytes`, and the header
 * section's text when it decoded to one character per byte (then byte `k` is
 * character `k - base`: ASCII, or U+FFFD for a byte that is not UTF-8).
 * They find their way on the bytes, which is much cheaper than on a string,
 * and only look at ASCII bytes, where the text has the same characters.
 */
interface Source {
  bytes: Uint8Array;
  text: string | undefined;
  base: number;
  /** Where the quoted string {@link readQuoted} read last ends (saves a result object per part). */
  quotedEnd: number;
}

/**
 * The text of `bytes[start, end)`: a slice of the section's text, or the piece
 * decoded on its own. The two agree: a piece begins and ends at an ASCII byte
 * or at the section's ends, where no UTF-8 sequence is cut.
 */
function textOf(source: Source, start: number, end: number): string {
  return source.text === undefined
    ? decodeUtf8(source.bytes, start, end)
    : source.text.slice(start - source.base, end - source.base);
}

/**
 * Whether `bytes[start, end)` equals the lowercase ASCII `name`, ignoring
 * ASCII case. Setting bit 0x20 lowercases a letter; the only other bytes it
 * turns into a name's letters, digits, `-` and `*` are control bytes, which a
 * header section does not hold (HTAB, the one it may, becomes `)`).
 */
function equalsIgnoreCase(
  bytes: Uint8Array,
  start: number,
  end: number,
  name: Uint8Array,
): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) {
    if (((bytes[start + k] as number) | 0x20) !== name[k]) return false;
  }
  return true;
}

/** The index of the first byte at or after `i`, before `end`, that is not SP or HTAB. */
function skipOws(bytes: Uint8Array, i: number, end: number): number {
  let k = i;
  while (k < end && isOws(bytes[k] as number)) k++;
  return k;
}

/** The end of `bytes[start, end)` without its trailing SP and HTAB. */
function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  let k = end;
  while (k > start && isOws(bytes[k - 1] as number)) k--;
  return k;
}

/** The index of the first CR at or after `i`: the line's end (a CR is always one). */
function crFrom(bytes: Uint8Array, i: number): number {
  let k = i;
  while (bytes[k] !== CR) k++;
  return k;
}

/** The index just after the token that begins at `i` (`i` itself if there is none). */
function skipToken(bytes: Uint8Array, i: number, end: number): number {
  let k = i;
  while (k < end && TOKEN[bytes[k] as number] === 1) k++;
  return k;
}

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
  const end = to - 2; // the empty line
  const text = decodeUtf8(bytes, from, end);
  // UTF-8 never decodes to more UTF-16 units than bytes, and to as many only
  // when every byte is a character of its own (ASCII, or U+FFFD for a byte
  // that is not UTF-8): then byte k is character k - from.
  let source: Source = {
    bytes,
    text: text.length === end - from ? text : undefined,
    base: from,
    quotedEnd: 0,
  };
  const headers: string[] = [];
  let disposition: string | undefined;
  /** Where the Content-Disposition value lies in `bytes`, unless a folded line added to it. */
  let dispositionStart = 0;
  let dispositionEnd = -1;
  let contentType: string | undefined;
  let last = OTHER;
  let i = from;
  while (i < end) {
    if (isOws(bytes[i] as number)) {
      const lineEnd = crFrom(bytes, i);
      const moreStart = skipOws(bytes, i, lineEnd);
      const more = textOf(source, moreStart, trimEnd(bytes, moreStart, lineEnd));
      const value = unfold(headers, more, formData);
      if (last === DISPOSITION) {
        disposition = value;
        dispositionStart = 0;
        dispositionEnd = -1;
      } else if (last === CONTENT_TYPE) contentType = value;
      i = lineEnd + 2;
      continue;
    }
    const nameEnd = skipToken(bytes, i, end);
    if (nameEnd === i) invalid("part header line does not start with a name");
    if (bytes[nameEnd] !== 0x3a) invalid("part header name is not followed by a colon");
    const valueStart = skipOws(bytes, nameEnd + 1, end);
    const lineEnd = crFrom(bytes, valueStart);
    const valueEnd = trimEnd(bytes, valueStart, lineEnd);
    const value = textOf(source, valueStart, valueEnd);
    headers.push(textOf(source, i, nameEnd), value);
    last = OTHER;
    if (equalsIgnoreCase(bytes, i, nameEnd, CONTENT_DISPOSITION)) {
      if (disposition !== undefined) invalid("Content-Disposition given twice");
      disposition = value;
      dispositionStart = valueStart;
      dispositionEnd = valueEnd;
      last = DISPOSITION;
    } else if (equalsIgnoreCase(bytes, i, nameEnd, CONTENT_TYPE_NAME)) {
      if (contentType !== undefined) invalid("Content-Type given twice");
      contentType = value;
      last = CONTENT_TYPE;
    } else if (
      formData &&
      equalsIgnoreCase(bytes, i, nameEnd, CONTENT_TRANSFER_ENCODING) &&
      !equalsIgnoreCase(bytes, valueStart, valueEnd, SEVEN_BIT) &&
      !equalsIgnoreCase(bytes, valueStart, valueEnd, EIGHT_BIT) &&
      !equalsIgnoreCase(bytes, valueStart, valueEnd, BINARY)
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
  if (dispositionEnd < 0) {
    // A value joined from folded lines is parsed from its own bytes.
    const joined = utf8Encoder.encode(disposition);
    dispositionEnd = joined.length;
    source = { bytes: joined, text: undefined, base: 0, quotedEnd: 0 };
  }
  const meta: MimePartMeta = { fieldName: undefined, fileName: undefined, contentType, headers };
  parseDisposition(source, dispositionStart, dispositionEnd, formData, meta);
  return meta;
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

/**
 * `form-data; name="x"; filename="a.txt"; filename*=UTF-8''%E2%82%AC.txt`, a
 * Content-Disposition value at `bytes[start, end)` of `source`: with
 * `formData` the disposition type must be form-data and `name` present, else
 * any type will do; `filename*` wins over `filename` (RFC 8187 section 4.2;
 * RFC 7578 section 4.2), and the file name is reduced to its base name. The
 * names go to `meta`.
 */
function parseDisposition(
  source: Source,
  start: number,
  end: number,
  formData: boolean,
  meta: MimePartMeta,
): void {
  const bytes = source.bytes;
  let i = skipOws(bytes, start, end);
  const typeStart = i;
  i = skipToken(bytes, i, end);
  if (formData) {
    if (!equalsIgnoreCase(bytes, typeStart, i, FORM_DATA))
      invalid("Content-Disposition is not form-data");
  } else if (i === typeStart) invalid("Content-Disposition has no disposition type");
  let fieldName: string | undefined;
  let fileName: string | undefined;
  let extendedFileName: string | undefined;
  i = skipOws(bytes, i, end);
  while (i < end) {
    if (bytes[i] !== 0x3b) invalid("Content-Disposition parameters are malformed");
    i = skipOws(bytes, i + 1, end);
    if (i === end) break; // a trailing ";" is tolerated, as browsers never send one but curl may
    const nameStart = i;
    const nameEnd = skipToken(bytes, i, end);
    i = skipOws(bytes, nameEnd, end);
    if (nameEnd === nameStart || i === end || bytes[i] !== 0x3d)
      invalid("Content-Disposition parameters are malformed");
    i = skipOws(bytes, i + 1, end);
    const isFileName = equalsIgnoreCase(bytes, nameStart, nameEnd, FILENAME);
    let param: string;
    if (i < end && bytes[i] === DQUOTE) {
      param = readQuoted(source, i, end, isFileName);
      i = source.quotedEnd;
    } else {
      const valueStart = i;
      i = skipToken(bytes, i, end);
      if (i === valueStart) invalid("Content-Disposition parameter has no value");
      param = textOf(source, valueStart, i);
    }
    i = skipOws(bytes, i, end);
    if (equalsIgnoreCase(bytes, nameStart, nameEnd, NAME)) {
      if (fieldName !== undefined) invalid("Content-Disposition has name twice");
      fieldName = param;
    } else if (isFileName) {
      if (fileName !== undefined) invalid("Content-Disposition has filename twice");
      fileName = param;
    } else if (equalsIgnoreCase(bytes, nameStart, nameEnd, FILENAME_STAR)) {
      if (extendedFileName !== undefined) invalid("Content-Disposition has filename* twice");
      extendedFileName = decodeExtValue(param);
    }
  }
  if (formData && fieldName === undefined) invalid("Content-Disposition has no name");
  const named = extendedFileName ?? fileName;
  meta.fieldName = fieldName;
  meta.fileName = named === undefined ? undefined : baseName(named);
}

/**
 * A quoted-string starting at `start` (the DQUOTE), unescaped; the index after
 * it goes to `source.quotedEnd`. A quoted-pair `\c` is `c` (RFC 9110
 * section 5.6.4), but with `pathSeparators` (a `filename`) only `\"` and
 * `\\` are escapes and any other backslash stays: it is a Windows path
 * separator, as old Internet Explorer sends `"C:\files\a.txt"` unescaped. (No
 * Windows file name holds a `"`, so `\"` is never a separator before a
 * name's last character.)
 */
function readQuoted(source: Source, start: number, end: number, pathSeparators: boolean): string {
  const bytes = source.bytes;
  let i = start + 1;
  let out = "";
  let runStart = i;
  for (;;) {
    if (i >= end) invalid("unterminated quoted string in Content-Disposition");
    const c = bytes[i] as number;
    if (c === DQUOTE) break;
    if (c === BACKSLASH) {
      if (i + 1 >= end) invalid("unterminated quoted string in Content-Disposition");
      const next = bytes[i + 1] as number;
      if (!pathSeparators || next === DQUOTE || next === BACKSLASH) {
        out += textOf(source, runStart, i);
        i++;
        runStart = i;
      }
    }
    i++;
  }
  source.quotedEnd = i + 1;
  return out + textOf(source, runStart, i);
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
  if (charset === "utf-8") return decodeUtf8(bytes, 0, n);
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
