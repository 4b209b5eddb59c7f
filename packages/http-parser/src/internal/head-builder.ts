// Turns the offsets the scanner recorded for a finished header section into a
// RequestHead: strings made once, then the framing and connection rules of
// RFC 9112 checked on the bytes. Throws HttpParserError; never calls the handler.

import { HttpParserError } from "../errors";
import type { RequestHead } from "../types";
import {
  addTransferCodings,
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  CONNECTION_UPGRADE,
  connectionFlags,
  expectation,
  hasElement,
  isAbsoluteForm,
  isHostPort,
  parseContentLength,
  type TransferCodings,
} from "./field-values";
import { type KnownNames, MAX_FIELDS } from "./known-names";
import { ascii, equalsIgnoreCase, internedAscii, latin1 } from "./text";

/** Where the tokens of a header section lie: offsets relative to `base` in `bytes`. */
export interface SectionLayout {
  bytes: Uint8Array;
  base: number;
  /** Per field: name start, name end, value start, value end. */
  fields: readonly number[];
  fieldCount: number;
  /** No obs-text (bytes >= 0x80) anywhere in the section. */
  asciiOnly: boolean;
  /** Some value spans an obs-fold (allowObsFold): its line breaks are made one SP. */
  folded: boolean;
  /**
   * The section's bytes already decoded (ASCII sections only), so tokens are
   * cheap slices of it: the token at offset `o` is at `text[o + textShift]`.
   * Undefined: make each token's string from the bytes.
   */
  text: string | undefined;
  textShift: number;
  /**
   * A header section's known names ({@link KnownNames}): where `hits[k]` is
   * 1, field k's name is `strings[k]`; the others are learned here. Undefined
   * for trailers.
   */
  names: KnownNames | undefined;
}

/** The request line's tokens, as offsets into the same section. */
export interface RequestLine {
  methodEnd: number;
  targetStart: number;
  targetEnd: number;
  targetHasBrackets: boolean;
  versionMinor: 0 | 1;
}

/** Flat `[name, value, ...]` of a section's fields. */
export function fieldList(layout: SectionLayout): string[] {
  const { bytes, base, fields, fieldCount, text, textShift: t, names } = layout;
  const list = new Array<string>(fieldCount * 2);
  for (let k = 0, f = 0; k < fieldCount; k++, f += 4) {
    if (names === undefined)
      list[2 * k] =
        text !== undefined
          ? text.slice(fields[f] + t, fields[f + 1] + t)
          : internedAscii(bytes, base + fields[f], base + fields[f + 1]);
    else if (k < MAX_FIELDS && names.hits[k] === 1) list[2 * k] = names.strings[k] as string;
    else list[2 * k] = learnName(names, k, bytes, base + fields[f], base + fields[f + 1]);
  }
  if (text !== undefined) {
    for (let k = 0, f = 2; k < fieldCount; k++, f += 4) {
      list[2 * k + 1] = text.slice(fields[f] + t, fields[f + 1] + t);
    }
  } else {
    const value = layout.asciiOnly ? ascii : latin1;
    for (let k = 0, f = 2; k < fieldCount; k++, f += 4) {
      list[2 * k + 1] = value(bytes, base + fields[f], base + fields[f + 1]);
    }
  }
  if (layout.folded) for (let k = 1; k < list.length; k += 2) list[k] = unfold(list[k] as string);
  return list;
}

/**
 * A name the scanner did not know: its string, made on its own (not a slice
 * of the section's text, which a remembered name would keep alive), and
 * remembered for the next section.
 */
function learnName(
  names: KnownNames,
  k: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): string {
  const name = internedAscii(bytes, start, end);
  names.learn(k, bytes, start, end, name, specialName(bytes, start, end));
  return name;
}

/** RFC 9112 section 5.2: each obs-fold (with the whitespace around it) becomes one SP; then OWS is trimmed. */
function unfold(value: string): string {
  return value.includes("\n")
    ? value.replace(/[ \t]*\r?\n[ \t]*/g, " ").replace(/^ | $/g, "")
    : value;
}

/** Whether a value holds a line break: it was folded. */
function isFolded(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] === 0x0a) return true;
  return false;
}

function fail(code: ConstructorParameters<typeof HttpParserError>[0], message: string): never {
  throw new HttpParserError(code, message);
}

const NAME_HOST = 1;
const NAME_CONTENT_LENGTH = 2;
const NAME_TRANSFER_ENCODING = 3;
const NAME_CONNECTION = 4;
const NAME_UPGRADE = 5;
const NAME_EXPECT = 6;

/** Which of the fields the parser acts on a name is, by length first (cheap), then bytes. */
function specialName(bytes: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 4:
      return equalsIgnoreCase(bytes, start, end, "host") ? NAME_HOST : 0;
    case 6:
      return equalsIgnoreCase(bytes, start, end, "expect") ? NAME_EXPECT : 0;
    case 7:
      return equalsIgnoreCase(bytes, start, end, "upgrade") ? NAME_UPGRADE : 0;
    case 10:
      return equalsIgnoreCase(bytes, start, end, "connection") ? NAME_CONNECTION : 0;
    case 14:
      return equalsIgnoreCase(bytes, start, end, "content-length") ? NAME_CONTENT_LENGTH : 0;
    case 17:
      return equalsIgnoreCase(bytes, start, end, "transfer-encoding") ? NAME_TRANSFER_ENCODING : 0;
    default:
      return 0;
  }
}

/** What the fields a parser acts on say, gathered by {@link readFields} (one object, reused). */
export const facts = {
  hostCount: 0,
  /** -1: no Content-Length. */
  contentLength: -1,
  codings: undefined as TransferCodings | undefined,
  /** CONNECTION_* bits. */
  connection: 0,
  hasUpgrade: false,
  expectContinue: false,
};

/**
 * Reads the fields that frame and route a message into {@link facts}:
 * Content-Length (identical repeats allowed), Transfer-Encoding, Connection,
 * Upgrade, and for a request (`request`) Host and Expect. Throws
 * HttpParserError for a value that breaks its rule.
 */
export function readFields(layout: SectionLayout, request: boolean, http11: boolean): void {
  const { bytes, base, fields, fieldCount, names } = layout;
  // Locals while scanning, stored once at the end: the loop stays in registers.
  let hostCount = 0;
  let contentLength = -1;
  let codings: TransferCodings | undefined;
  let connection = 0;
  let hasUpgrade = false;
  let expectContinue = false;
  for (let k = 0; k < fieldCount; k++) {
    const f = k * 4;
    const name =
      names !== undefined && k < MAX_FIELDS && names.hits[k] === 1
        ? (names.special[k] as number)
        : specialName(bytes, base + fields[f], base + fields[f + 1]);
    if (name === 0 || (!request && (name === NAME_HOST || name === NAME_EXPECT))) continue;
    const vs = base + fields[f + 2];
    const ve = base + fields[f + 3];
    // The fields this parser acts on are never unfolded: a peer that folds them may read them otherwise.
    if (layout.folded && isFolded(bytes, vs, ve))
      fail("HPE_INVALID_HEADER_TOKEN", "obs-fold in a field that frames or routes the message");
    switch (name) {
      case NAME_HOST:
        hostCount++;
        if (!isHostPort(bytes, vs, ve, false)) fail("HPE_INVALID_HOST", "Host is not host[:port]");
        break;
      case NAME_CONTENT_LENGTH: {
        const n = parseContentLength(bytes, vs, ve);
        if (n < 0)
          fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length is not a number of at most 2^53-1");
        if (contentLength >= 0 && n !== contentLength) {
          fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length lines disagree");
        }
        contentLength = n;
        break;
      }
      case NAME_TRANSFER_ENCODING:
        codings ??= {
          count: 0,
          chunkedCount: 0,
          lastIsChunked: false,
          unsupported: false,
          malformed: false,
        };
        addTransferCodings(bytes, vs, ve, codings);
        break;
      case NAME_CONNECTION:
        connection |= connectionFlags(bytes, vs, ve);
        break;
      case NAME_UPGRADE:
        // An Upgrade with no element names no protocol to switch to.
        if (hasElement(bytes, vs, ve)) hasUpgrade = true;
        break;
      case NAME_EXPECT: {
        const e = expectation(bytes, vs, ve);
        if (e < 0)
          fail("HPE_EXPECTATION_FAILED", "Expect holds an expectation other than 100-continue");
        if (e > 0 && http11) expectContinue = true;
        break;
      }
    }
  }
  facts.hostCount = hostCount;
  facts.contentLength = contentLength;
  facts.codings = codings;
  facts.connection = connection;
  facts.hasUpgrade = hasUpgrade;
  facts.expectContinue = expectContinue;
}

/** Whether the connection stays open after the message: HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`. */
export function isKeepAlive(http11: boolean, connection: number): boolean {
  return http11
    ? (connection & CONNECTION_CLOSE) === 0
    : (connection & (CONNECTION_KEEP_ALIVE | CONNECTION_CLOSE)) === CONNECTION_KEEP_ALIVE;
}

/**
 * The Transfer-Encoding checks of any message. RFC 9112 section 6.1:
 * Transfer-Encoding in an HTTP/1.0 message means faulty framing (an HTTP/1.0
 * hop before us could not have known chunked). Section 6.3: with
 * Content-Length too, it "ought to be handled as an error". Section 7:
 * chunked at most once, and every element a coding.
 */
export function checkCodings(
  codings: TransferCodings,
  http11: boolean,
  hasContentLength: boolean,
  what: "request" | "response",
): void {
  if (!http11) {
    fail(
      "HPE_INVALID_TRANSFER_ENCODING",
      `Transfer-Encoding in an HTTP/1.0 ${what}: its framing cannot be trusted`,
    );
  }
  if (hasContentLength) {
    fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Content-Length together with Transfer-Encoding");
  }
  if (codings.malformed || codings.count === 0 || codings.chunkedCount > 1) {
    fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding must end with chunked, once");
  }
}

/** Builds and checks a request head; `maxBodySize` rejects a Content-Length too large. */
export function buildHead(
  layout: SectionLayout,
  line: RequestLine,
  maxBodySize: number,
  allowMissingHost: boolean,
): RequestHead {
  const { bytes, base } = layout;
  const { text, textShift: t } = layout;
  const method =
    text !== undefined
      ? text.slice(t, line.methodEnd + t)
      : internedAscii(bytes, base, base + line.methodEnd);
  const targetStart = base + line.targetStart;
  const targetEnd = base + line.targetEnd;
  checkTargetForm(bytes, targetStart, targetEnd, line.targetHasBrackets, method);
  const http11 = line.versionMinor === 1;
  readFields(layout, true, http11);
  const { hostCount, contentLength, codings, connection, hasUpgrade, expectContinue } = facts;

  if (hostCount > 1) fail("HPE_INVALID_HOST", "Host sent more than once");
  if (hostCount === 0 && http11 && !allowMissingHost)
    fail("HPE_INVALID_HOST", "Host is required in HTTP/1.1");
  let chunked = false;
  if (codings !== undefined) {
    checkCodings(codings, http11, contentLength >= 0, "request");
    if (codings.chunkedCount !== 1 || !codings.lastIsChunked) {
      fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding must end with chunked, once");
    }
    if (codings.unsupported) {
      fail(
        "HPE_UNSUPPORTED_TRANSFER_ENCODING",
        "Transfer-Encoding other than chunked is not supported",
      );
    }
    chunked = true;
  }
  if (contentLength > maxBodySize) fail("HPE_BODY_TOO_LARGE", "Content-Length exceeds maxBodySize");

  const isConnect = method === "CONNECT";
  const keepAlive = isKeepAlive(http11, connection);

  return {
    method,
    target:
      text !== undefined
        ? text.slice(line.targetStart + t, line.targetEnd + t)
        : ascii(bytes, targetStart, targetEnd),
    versionMinor: line.versionMinor,
    headers: fieldList(layout),
    contentLength: contentLength >= 0 ? contentLength : undefined,
    chunked: chunked && !isConnect,
    keepAlive,
    upgrade: isConnect || (http11 && hasUpgrade && (connection & CONNECTION_UPGRADE) !== 0),
    expectContinue,
  };
}

/** RFC 9112 section 3.2: which request-target form each method may use. */
function checkTargetForm(
  bytes: Uint8Array,
  start: number,
  end: number,
  hasBrackets: boolean,
  method: string,
): void {
  const first = bytes[start];
  if (method === "CONNECT") {
    if (!isHostPort(bytes, start, end, true)) fail("HPE_INVALID_URL", "CONNECT needs host:port");
  } else if (first === 0x2f) {
    if (hasBrackets) fail("HPE_INVALID_URL", "brackets are only allowed in an authority");
  } else if (first === 0x2a && end - start === 1) {
    if (method !== "OPTIONS") fail("HPE_INVALID_URL", "asterisk-form is for OPTIONS only");
  } else if (!isAbsoluteForm(bytes, start, end)) {
    fail(
      "HPE_INVALID_URL",
      "request-target is not in origin-, absolute-, authority- or asterisk-form",
    );
  }
}
