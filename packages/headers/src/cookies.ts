// Cookie header parsing (RFC 6265 section 4.2): name=value pairs separated by
// ";", as Moonbridge's request.cookies has them.

import { trimOws } from "./internal/ascii";
import { percentDecodeLenient } from "./internal/percent-decode";

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;

/**
 * Parses the values of one or more `Cookie` header lines into name -> value.
 *
 * - Pairs are separated by `;`; names and values are trimmed of SP and HTAB.
 * - A pair without `=` or with an empty name is skipped.
 * - A value in double quotes is unquoted.
 * - Percent-escapes that form valid UTF-8 are decoded; any other `%` is kept as sent.
 * - When a name occurs more than once, the first occurrence wins (browsers send
 *   the most specific cookie first).
 *
 * Names are case-sensitive. Runs in time linear in the input.
 *
 * @example
 * ```ts
 * parseCookies(["sid=abc; theme=dark", "sid=other"]).get("sid"); // "abc"
 * ```
 */
export function parseCookies(lines: string | readonly string[]): Map<string, string> {
  const cookies = new Map<string, string>();
  if (typeof lines === "string") parseCookieLine(lines, cookies);
  else for (const line of lines) parseCookieLine(line, cookies);
  return cookies;
}

function parseCookieLine(line: string, cookies: Map<string, string>): void {
  let start = 0;
  let equals = -1;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : SEMICOLON;
    if (c === EQUALS && equals < 0) {
      equals = i;
    } else if (c === SEMICOLON) {
      if (equals >= 0) addPair(line.slice(start, equals), line.slice(equals + 1, i), cookies);
      start = i + 1;
      equals = -1;
    }
  }
}

function addPair(rawName: string, rawValue: string, cookies: Map<string, string>): void {
  const name = trimOws(rawName);
  if (name.length === 0 || cookies.has(name)) return;
  let value = trimOws(rawValue);
  if (
    value.length >= 2 &&
    value.charCodeAt(0) === DQUOTE &&
    value.charCodeAt(value.length - 1) === DQUOTE
  ) {
    value = value.slice(1, -1);
  }
  cookies.set(name, percentDecodeLenient(value));
}
