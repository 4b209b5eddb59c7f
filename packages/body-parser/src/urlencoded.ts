// application/x-www-form-urlencoded bodies and query strings, per the WHATWG
// URL standard's parser (https://url.spec.whatwg.org/#concept-urlencoded-parser).
// One pass over the input finds each piece's `&`, its first `=`, and whether
// a name or value holds anything to decode (`%`, `+`, a surrogate in a
// string); the common plain piece becomes a string by a single slice (or, for
// bytes, a single decode), the others by one call of the percent-decoder. Strings are walked as UTF-16
// code units rather than encoded to bytes first: the result is the same as
// the standard's "encode as UTF-8, then parse", without the copy.

import { BodyParserError } from "./errors";
import { validateUrlencodedLimits } from "./internal/limits";
import { decodeBytes, decodeString, plainBytes } from "./internal/percent-decode";
import type { UrlencodedLimits } from "./types";

// Classes of input bytes (of code units below 0x80, for strings). Those below
// C_ESCAPE end a name; the others are flags a piece collects as it is read.
const C_AMPERSAND = 1;
const C_EQUALS = 2;
/** `%` or `+`: the piece must be decoded. */
const C_ESCAPE = 4;
/** A byte or code unit at or above 0x80: its UTF-8 length differs from its count. */
const C_NON_ASCII = 8;
/** A surrogate code unit (strings only): decoded, as a lone one becomes U+FFFD. */
const C_SURROGATE = 16;
const DECODE = C_ESCAPE | C_SURROGATE;

const CLASS = new Uint8Array(256);
CLASS[0x26] = C_AMPERSAND;
CLASS[0x3d] = C_EQUALS;
CLASS[0x25] = C_ESCAPE;
CLASS[0x2b] = C_ESCAPE;
CLASS.fill(C_NON_ASCII, 0x80);

type Limits = Readonly<Required<UrlencodedLimits>>;

/**
 * Parses an `application/x-www-form-urlencoded` body or a query string (without
 * its `?`) as the WHATWG URL standard does, into a map from each name to all
 * of its values in order. Names keep the order of their first appearance;
 * `__proto__` and `constructor` are names like any other.
 *
 * The input is split on `&` (empty pieces are skipped); the first `=` of a
 * piece splits name from value (no `=`: the value is `""`). In both, `+` is a
 * space and `%XX` a byte; a `%` not followed by two hex digits stays as it
 * is; the bytes are read as UTF-8 with U+FFFD for invalid sequences, and a
 * leading BOM is kept. A string is read as its UTF-8 encoding (a lone
 * surrogate is U+FFFD). The result is what the standard's
 * `new URLSearchParams(input)` gives, except that a leading `?` is part of
 * the first name. (Node 20's URLSearchParams differs where a name or value
 * mixes an escape of invalid UTF-8 with a non-ASCII character.)
 *
 * Lengths are counted in bytes of the input as sent, before decoding: for a
 * string, the bytes of its UTF-8 encoding, so a string and its encoding
 * breach the same limits. The defaults are `maxFields` 1000, `maxNameLength`
 * 1024 bytes (1 KiB) and `maxValueLength` 1048576 bytes (1 MiB).
 *
 * @param input - The body as bytes, or a query string.
 * @param limits - Limits on the count of fields and on name and value length (bytes).
 * @returns A new map; every name has at least one value.
 * @throws {@link BodyParserError} `INVALID_OPTION` (status 500) naming the limit, if
 *   one is not an integer >= 0 or is unknown; `INVALID_ARGUMENT` if `input` is
 *   neither a string nor a Uint8Array.
 * @throws {@link BodyParserError} `URLENCODED_TOO_MANY_FIELDS`,
 *   `URLENCODED_NAME_TOO_LONG` or `URLENCODED_VALUE_TOO_LONG` (all status 413).
 *
 * @example
 * ```ts
 * const form = parseUrlencoded("name=J%C3%BCrgen+M&tag=a&tag=b&flag");
 * form.get("name"); // ["Jürgen M"]
 * form.get("tag"); // ["a", "b"]
 * form.get("flag"); // [""]
 * parseUrlencoded(new TextEncoder().encode("a=1"), { maxFields: 10 });
 * ```
 */
export function parseUrlencoded(
  input: string | Uint8Array,
  limits?: UrlencodedLimits,
): Map<string, string[]> {
  const checked = validateUrlencodedLimits(limits);
  if (typeof input === "string") return parseString(input, checked);
  if (input instanceof Uint8Array) return parseBytes(input, checked);
  throw new BodyParserError(
    "INVALID_ARGUMENT",
    "@moonbridge/body-parser: parseUrlencoded: input must be a string or a Uint8Array",
  );
}

/**
 * The first value of each name, in the same order: the form most
 * applications want when a name should occur once. Names without a value (an
 * empty array, which {@link parseUrlencoded} never makes) are left out.
 *
 * @param map - A map as returned by {@link parseUrlencoded}.
 * @returns A new map from each name to its first value.
 *
 * @example
 * ```ts
 * firstValues(parseUrlencoded("a=1&b=2&a=3")); // Map { "a" => "1", "b" => "2" }
 * ```
 */
export function firstValues(map: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, values] of map) {
    if (values.length > 0) out.set(name, values[0] as string);
  }
  return out;
}

function tooManyFields(limits: Limits): BodyParserError {
  return new BodyParserError(
    "URLENCODED_TOO_MANY_FIELDS",
    `urlencoded input has more than maxFields (${limits.maxFields}) fields`,
  );
}

function nameTooLong(limits: Limits): BodyParserError {
  return new BodyParserError(
    "URLENCODED_NAME_TOO_LONG",
    `urlencoded field name is longer than maxNameLength (${limits.maxNameLength} bytes)`,
  );
}

function valueTooLong(limits: Limits): BodyParserError {
  return new BodyParserError(
    "URLENCODED_VALUE_TOO_LONG",
    `urlencoded field value is longer than maxValueLength (${limits.maxValueLength} bytes)`,
  );
}

function add(map: Map<string, string[]>, name: string, value: string): void {
  const values = map.get(name);
  if (values === undefined) map.set(name, [value]);
  else values.push(value);
}

/** Whether `s[start, end)`, which holds a code unit at or above 0x80, is over `max` bytes in UTF-8. */
function utf8Over(s: string, start: number, end: number, max: number): boolean {
  // At most 3 bytes per code unit (a surrogate pair is 4 bytes for 2).
  if ((end - start) * 3 <= max) return false;
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes > max;
}

function parseString(input: string, limits: Limits): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const { maxFields, maxNameLength, maxValueLength } = limits;
  const n = input.length;
  let fields = 0;
  let i = 0;
  while (i < n) {
    // The name: up to `&`, `=` or the end.
    const start = i;
    let stop = 0;
    let flags = 0;
    for (; i < n; i++) {
      const c = input.charCodeAt(i);
      if (c < 0x80) {
        const k = CLASS[c];
        if (k === 0) continue;
        if (k < C_ESCAPE) {
          stop = k;
          break;
        }
        flags |= k;
      } else {
        flags |= c >= 0xd800 && c <= 0xdfff ? C_NON_ASCII | C_SURROGATE : C_NON_ASCII;
      }
    }
    const nameEnd = i;
    if (nameEnd === start && stop !== C_EQUALS) {
      i++; // an empty piece
      continue;
    }
    if (++fields > maxFields) throw tooManyFields(limits);
    if (
      nameEnd - start > maxNameLength ||
      ((flags & C_NON_ASCII) !== 0 && utf8Over(input, start, nameEnd, maxNameLength))
    ) {
      throw nameTooLong(limits);
    }
    const name =
      (flags & DECODE) === 0 ? input.slice(start, nameEnd) : decodeString(input, start, nameEnd);
    let value = "";
    if (stop === C_EQUALS) {
      // The value: up to `&` or the end; a further `=` is part of it.
      const valueStart = ++i;
      flags = 0;
      for (; i < n; i++) {
        const c = input.charCodeAt(i);
        if (c < 0x80) {
          const k = CLASS[c];
          if (k === 0) continue;
          if (k === C_AMPERSAND) break;
          if (k === C_ESCAPE) {
            // To be decoded anyway: only the end is left to find, and the
            // engine's search finds it faster. Non-ASCII is assumed, so the
            // length check counts bytes if the count might matter.
            flags |= C_ESCAPE | C_NON_ASCII;
            const amp = input.indexOf("&", i + 1);
            i = amp < 0 ? n : amp;
            break;
          }
          flags |= k;
        } else {
          flags |= c >= 0xd800 && c <= 0xdfff ? C_NON_ASCII | C_SURROGATE : C_NON_ASCII;
        }
      }
      if (
        i - valueStart > maxValueLength ||
        ((flags & C_NON_ASCII) !== 0 && utf8Over(input, valueStart, i, maxValueLength))
      ) {
        throw valueTooLong(limits);
      }
      value =
        (flags & DECODE) === 0 ? input.slice(valueStart, i) : decodeString(input, valueStart, i);
    }
    i++; // past the `&`
    add(map, name, value);
  }
  return map;
}

function parseBytes(input: Uint8Array, limits: Limits): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const { maxFields, maxNameLength, maxValueLength } = limits;
  const n = input.length;
  let fields = 0;
  let i = 0;
  while (i < n) {
    const start = i;
    let stop = 0;
    let flags = 0;
    for (; i < n; i++) {
      const k = CLASS[input[i]];
      if (k === 0) continue;
      if (k < C_ESCAPE) {
        stop = k;
        break;
      }
      flags |= k;
    }
    const nameEnd = i;
    if (nameEnd === start && stop !== C_EQUALS) {
      i++;
      continue;
    }
    if (++fields > maxFields) throw tooManyFields(limits);
    if (nameEnd - start > maxNameLength) throw nameTooLong(limits);
    const name =
      (flags & C_ESCAPE) === 0
        ? plainBytes(input, start, nameEnd, (flags & C_NON_ASCII) === 0)
        : decodeBytes(input, start, nameEnd);
    let value = "";
    if (stop === C_EQUALS) {
      const valueStart = ++i;
      flags = 0;
      for (; i < n; i++) {
        const k = CLASS[input[i]];
        if (k === 0) continue;
        if (k === C_AMPERSAND) break;
        if (k === C_ESCAPE) {
          flags |= C_ESCAPE;
          const amp = input.indexOf(0x26, i + 1);
          i = amp < 0 ? n : amp;
          break;
        }
        flags |= k;
      }
      if (i - valueStart > maxValueLength) throw valueTooLong(limits);
      value =
        (flags & C_ESCAPE) === 0
          ? plainBytes(input, valueStart, i, (flags & C_NON_ASCII) === 0)
          : decodeBytes(input, valueStart, i);
    }
    i++;
    add(map, name, value);
  }
  return map;
}
