// The values the parser itself must understand (RFC 9110/9112): Content-Length,
// Transfer-Encoding, Connection, Expect, Host, and the request-target forms.
// All work on bytes of the finished head; none allocates strings.

import { COLON, COMMA, HOST, HTAB, SEMICOLON, SP, TOKEN } from "./tables";
import { equalsIgnoreCase } from "./text";

/** Where {@link nextElement} found its element: `[start, end)` of the bytes. */
export const element = { start: 0, end: 0 };

/**
 * Finds the next non-empty element of a comma-separated list (RFC 9110
 * section 5.6.1) at or after `from`, trimmed of OWS, and puts it in
 * {@link element}. Returns where to look for the one after, or -1 when the
 * list has no more. (Out-parameters instead of a callback: no closure per call.)
 */
export function nextElement(bytes: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end) {
    let stop = i;
    while (stop < end && bytes[stop] !== COMMA) stop++;
    let a = i;
    let b = stop;
    while (a < b && (bytes[a] === SP || bytes[a] === HTAB)) a++;
    while (b > a && (bytes[b - 1] === SP || bytes[b - 1] === HTAB)) b--;
    i = stop + 1;
    if (b > a) {
      element.start = a;
      element.end = b;
      return i;
    }
  }
  return -1;
}

/**
 * The number in a Content-Length value, or -1 if invalid. A comma-separated
 * list is accepted only as the same number repeated (RFC 9110 section 8.6);
 * an empty element is not a number, so it is invalid too.
 */
export function parseContentLength(bytes: Uint8Array, start: number, end: number): number {
  let value = -1;
  let i = start;
  for (;;) {
    while (i < end && (bytes[i] === SP || bytes[i] === HTAB)) i++;
    let n = 0;
    const digits = i;
    for (; i < end; i++) {
      const d = bytes[i] - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === digits || n > Number.MAX_SAFE_INTEGER || (value >= 0 && value !== n)) return -1;
    value = n;
    while (i < end && (bytes[i] === SP || bytes[i] === HTAB)) i++;
    if (i === end) return value;
    if (bytes[i] !== COMMA) return -1;
    i++;
  }
}

/** Whether a list value has at least one non-empty element. */
export function hasElement(bytes: Uint8Array, start: number, end: number): boolean {
  return nextElement(bytes, start, end) >= 0;
}

/** What the Transfer-Encoding lines of one request say, accumulated line by line. */
export interface TransferCodings {
  count: number;
  chunkedCount: number;
  lastIsChunked: boolean;
  /** A coding we do not decode (anything but chunked). */
  unsupported: boolean;
  /** An element that is not a coding at all, or chunked with parameters. */
  malformed: boolean;
}

export function addTransferCodings(
  bytes: Uint8Array,
  start: number,
  end: number,
  into: TransferCodings,
): void {
  for (let q = nextElement(bytes, start, end); q >= 0; q = nextElement(bytes, q, end)) {
    const a = element.start;
    const b = element.end;
    let nameEnd = a;
    while (nameEnd < b && TOKEN[bytes[nameEnd]] === 1) nameEnd++;
    into.count++;
    const chunked = equalsIgnoreCase(bytes, a, nameEnd, "chunked");
    if (nameEnd === a) into.malformed = true;
    else if (nameEnd < b) {
      // Parameters (token *( OWS ";" OWS param )): none are defined for chunked.
      let p = nameEnd;
      while (p < b && (bytes[p] === SP || bytes[p] === HTAB)) p++;
      if (bytes[p] !== SEMICOLON || chunked) into.malformed = true;
      else into.unsupported = true;
    } else if (!chunked) into.unsupported = true;
    if (chunked) into.chunkedCount++;
    into.lastIsChunked = chunked;
  }
}

export const CONNECTION_CLOSE = 1;
export const CONNECTION_KEEP_ALIVE = 2;
export const CONNECTION_UPGRADE = 4;

/** The Connection options we act on, as bits. */
export function connectionFlags(bytes: Uint8Array, start: number, end: number): number {
  // The usual values, whole, before the general list walk.
  if (equalsIgnoreCase(bytes, start, end, "keep-alive")) return CONNECTION_KEEP_ALIVE;
  if (equalsIgnoreCase(bytes, start, end, "close")) return CONNECTION_CLOSE;
  let flags = 0;
  for (let p = nextElement(bytes, start, end); p >= 0; p = nextElement(bytes, p, end)) {
    const a = element.start;
    const b = element.end;
    if (equalsIgnoreCase(bytes, a, b, "close")) flags |= CONNECTION_CLOSE;
    else if (equalsIgnoreCase(bytes, a, b, "keep-alive")) flags |= CONNECTION_KEEP_ALIVE;
    else if (equalsIgnoreCase(bytes, a, b, "upgrade")) flags |= CONNECTION_UPGRADE;
  }
  return flags;
}

/** 1 if an Expect value is `100-continue`, 0 if it has no members, -1 for any other expectation. */
export function expectation(bytes: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let p = nextElement(bytes, start, end); p >= 0; p = nextElement(bytes, p, end)) {
    if (!equalsIgnoreCase(bytes, element.start, element.end, "100-continue")) return -1;
    result = 1;
  }
  return result;
}

/**
 * Whether `bytes[start, end)` is `uri-host [":" port]` (RFC 3986 section 3.2.2):
 * an IP-literal in brackets or reg-name/IPv4 characters, then an optional port
 * of digits (required, and the host non-empty, when `authorityForm`).
 */
export function isHostPort(
  bytes: Uint8Array,
  start: number,
  end: number,
  authorityForm: boolean,
): boolean {
  let i = start;
  if (i < end && bytes[i] === 0x5b) {
    i++;
    while (i < end && bytes[i] !== 0x5d) {
      const c = bytes[i];
      if (HOST[c] !== 1 && c !== COLON) return false;
      i++;
    }
    if (i === end || i === start + 1) return false;
    i++;
  } else {
    while (i < end && HOST[bytes[i]] === 1) i++;
  }
  const hostEnd = i;
  if (i === end) return !authorityForm;
  if (bytes[i] !== COLON) return false;
  i++;
  const portStart = i;
  while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) i++;
  if (i !== end) return false;
  return !authorityForm || (hostEnd > start && i > portStart);
}

/**
 * Whether a target that is not origin- or asterisk-form is absolute-form with
 * an authority, `scheme "://" ...` (the hier-part HTTP uses; RFC 9112 section
 * 3.2.2). This keeps `host:port` (authority-form) out of other methods.
 */
export function isAbsoluteForm(bytes: Uint8Array, start: number, end: number): boolean {
  const first = bytes[start] | 0x20;
  if (first < 0x61 || first > 0x7a) return false;
  for (let i = start + 1; i < end; i++) {
    const c = bytes[i];
    if (c === COLON) return i + 2 < end && bytes[i + 1] === 0x2f && bytes[i + 2] === 0x2f;
    const isAlnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
    if (!isAlnum && c !== 0x2b && c !== 0x2d && c !== 0x2e) return false;
  }
  return false;
}
