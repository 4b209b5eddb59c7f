// Splits a header field value into its comma-separated list elements
// (RFC 9110 section 5.6.1), leaving commas inside quoted strings alone.

import { trimOws } from "./ascii";

const COMMA = 0x2c;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Appends every non-empty element of `value` to `out`, trimmed of SP and HTAB.
 * Quoted strings are kept as sent (quotes and escapes included); an unclosed
 * quote runs to the end of the value.
 */
export function splitCsvInto(value: string, out: string[]): void {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) quoted = false;
    } else if (c === DQUOTE) {
      quoted = true;
    } else if (c === COMMA) {
      pushElement(value.slice(start, i), out);
      start = i + 1;
    }
  }
  pushElement(start === 0 ? value : value.slice(start), out);
}

function pushElement(raw: string, out: string[]): void {
  const element = trimOws(raw);
  if (element.length > 0) out.push(element);
}
