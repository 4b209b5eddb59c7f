// The status line's text after the version, for sendStatus() and for the
// server's own error responses: RFC 9112's `status-code SP [ reason-phrase ]`,
// with the SP there even when the reason is empty, and the standard reason
// (RFC 9110, section 15) when the application gave only a code. Also the
// check of what sendStatus() takes, so the rules live in one place.

import { HttpError } from "../errors";

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/** The error statuses (4xx and 5xx) with a standard reason above: those the errorPage option is asked for. */
export const ERROR_CODES: readonly number[] = Object.keys(REASONS)
  .map(Number)
  .filter((code) => code >= 400);

/** "404 Not Found" for every code above, by code: made once, not per response. */
const LINES: string[] = [];
for (const code in REASONS) LINES[Number(code)] = `${code} ${REASONS[code]}`;

/**
 * The status line's text after the version, for a code from 100 to 999:
 * "404 Not Found", or "599 " (the SP and an empty reason) for a code
 * without a standard reason.
 */
export function statusLine(status: number): string {
  return LINES[status] ?? `${status} `;
}

/**
 * The code of a sendStatus() argument: a number, a code alone ("200") or a
 * code, SP and reason ("404 Not Found", "200 "). The code is a final status
 * (200 to 999: interim 1xx responses are the server's); the reason holds
 * HTAB, SP, visible characters and obs-text only (RFC 9112's reason-phrase),
 * so no CR or LF can end the line early. Throws HttpError INVALID_STATUS.
 */
export function statusCode(status: unknown): number {
  let code = Number.NaN;
  if (typeof status === "number") code = status;
  else if (typeof status === "string") {
    code = leadingCode(status);
    if (status.length > 3) {
      if (status.charCodeAt(3) !== 0x20) code = Number.NaN;
      else checkReason(status);
    }
  }
  // An integer from 200 to 999 has three digits: no String(code) per response to tell.
  if (!Number.isInteger(code) || code < 200 || code > 999) {
    throw new HttpError(
      "INVALID_STATUS",
      'sendStatus needs a final status from 200 to 999: a number, a code ("200") or a code and a reason ("200 OK"); interim 1xx responses are the server\'s',
    );
  }
  return code;
}

/** The code a status string starts with ("404 Not Found": 404), or NaN unless it starts with three digits. */
function leadingCode(status: string): number {
  let code = 0;
  for (let i = 0; i < 3; i++) {
    const digit = status.charCodeAt(i) - 0x30;
    if (!(digit >= 0 && digit <= 9)) return Number.NaN; // NaN past the end too
    code = code * 10 + digit;
  }
  return code;
}

/** Throws INVALID_STATUS unless the reason after "NNN " is HTAB, SP, VCHAR or obs-text (up to U+00FF). */
function checkReason(status: string): void {
  for (let i = 4; i < status.length; i++) {
    const c = status.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
      throw new HttpError(
        "INVALID_STATUS",
        "sendStatus: a reason phrase may not hold CR, LF or another control character, or a character above U+00FF",
      );
    }
  }
}
