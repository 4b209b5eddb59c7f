// The status line and header section of a response, as sent. The last one
// made in this process is kept with what it was made of: a worker's responses
// mostly repeat their status, headers and framing (within each second's Date
// line), and a repeat is handed out whole instead of joined again from seven
// pieces, each join a string on the heap of a process that wakes per request.
// Module state: with the package loaded twice (import and require) each copy
// keeps its own last head, which is merely a second cache, never a wrong one.

/** How the body is framed: a Content-Length of this many bytes when 0 or more, else one of these. */
export const NO_FRAMING = -1;
export const CHUNKED = -2;

let lastHead = "";
let lastStatus = "";
let lastStaticHeaders = "";
let lastDate = "";
let lastHeaders = "";
let lastFraming = Number.NaN;
let lastConnection = "";

/**
 * `HTTP/1.1 <status>\r\n` and the header lines, framing and Connection
 * included, with the empty line that ends the section. Every argument but
 * `framing` is header text (lines with their CRLF, or "").
 */
export function responseHead(
  status: string,
  staticHeaders: string,
  date: string,
  headers: string,
  framing: number,
  connection: string,
): string {
  if (
    framing === lastFraming &&
    status === lastStatus &&
    date === lastDate &&
    headers === lastHeaders &&
    connection === lastConnection &&
    staticHeaders === lastStaticHeaders
  ) {
    return lastHead;
  }
  const framingLine =
    framing >= 0
      ? `Content-Length: ${framing}\r\n`
      : framing === CHUNKED
        ? "Transfer-Encoding: chunked\r\n"
        : "";
  lastHead = `HTTP/1.1 ${status}\r\n${staticHeaders}${date}${headers}${framingLine}${connection}\r\n`;
  lastStatus = status;
  lastStaticHeaders = staticHeaders;
  lastDate = date;
  lastHeaders = headers;
  lastFraming = framing;
  lastConnection = connection;
  return lastHead;
}
