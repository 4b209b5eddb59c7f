// The server's own error responses: a bad request (400, 413, 431, ...), a
// timeout (408), the application's exception (500), and the 503 the timeout
// watchdog writes when a timer kills the worker mid-request (lastReply of
// @moonbridge/timeout). Each is the status line, the static headers, and a
// body: the errorPage option's page for its status, or a line of text.
// Made once per handler, when it is generated: the option is asked for every
// error status then, so a page that throws or is malformed fails there.

import { statusLine } from "./status-text";

/** A page for an error status: its media type and content. */
export interface ErrorPage {
  type: string;
  body: string | Uint8Array;
}

/** The errorPage option: a page for `status`, or undefined for the short text. */
export type ErrorPageFn = (status: number) => ErrorPage | undefined;

/** The status of the reply a timer's kill leaves (the request could not finish: the server cannot serve it now). */
export const KILLED_STATUS = 503;

/** Bytes the watchdog can send (@moonbridge/timeout's lastReply limit). */
const REPLY_LIMIT = 16384;

interface Response {
  /** Content-Type through the blank line: follows the status line, static headers and Date. */
  tail: string;
  body: Buffer;
}

export class ErrorPages {
  readonly #staticHeaders: string;
  readonly #pages = new Map<number, Response>();
  /** The reply a timer's kill leaves, with and without its body (a HEAD request's). */
  readonly killReply: Buffer;
  readonly killReplyToHead: Buffer;

  /**
   * `pages`: the option's page for each status in `codes` (called once each);
   * throws an Error whose message says what is wrong with one.
   */
  constructor(staticHeaders: string, pages: ErrorPageFn | undefined, codes: readonly number[]) {
    this.#staticHeaders = staticHeaders;
    for (const status of codes) {
      const page = pages === undefined ? undefined : checked(pages, status);
      this.#pages.set(status, responseOf(status, page));
    }
    const killed = this.#response(KILLED_STATUS);
    // No Date: it would be stale by the time it is sent (a 5xx may omit it, RFC 9110 6.6.1).
    const head = `HTTP/1.1 ${statusLine(KILLED_STATUS)}\r\n${staticHeaders}${killed.tail}`;
    this.killReplyToHead = Buffer.from(head, "latin1");
    this.killReply = Buffer.concat([this.killReplyToHead, killed.body]);
    if (this.killReply.length > REPLY_LIMIT)
      throw new Error(
        `errorPage(${KILLED_STATUS}) is sent by the timeout watchdog, which sends ${REPLY_LIMIT} bytes at most with the head; it has ${this.killReply.length}`,
      );
  }

  #response(status: number): Response {
    let response = this.#pages.get(status);
    if (response === undefined) {
      response = responseOf(status, undefined);
      this.#pages.set(status, response);
    }
    return response;
  }

  /** The head of the error response for `status`, `date` (a Date line, or "") in it. */
  head(status: number, date: string): string {
    return `HTTP/1.1 ${statusLine(status)}\r\n${this.#staticHeaders}${date}${this.#response(status).tail}`;
  }

  /** The body of the error response for `status`. */
  body(status: number): Buffer {
    return this.#response(status).body;
  }
}

function responseOf(status: number, page: ErrorPage | undefined): Response {
  const type = page?.type ?? "text/plain; charset=utf-8";
  const body =
    page === undefined
      ? Buffer.from(`${statusLine(status)}\n`, "latin1")
      : typeof page.body === "string"
        ? Buffer.from(page.body)
        : Buffer.from(page.body.buffer, page.body.byteOffset, page.body.byteLength);
  return {
    tail: `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    body,
  };
}

/** The option's page for `status`, checked. */
function checked(pages: ErrorPageFn, status: number): ErrorPage | undefined {
  let page: unknown;
  try {
    page = pages(status);
  } catch (error) {
    throw new Error(`errorPage(${status}) threw: ${(error as Error)?.message ?? String(error)}`);
  }
  if (page === undefined) return undefined;
  const type = typeof page === "object" && page !== null ? (page as ErrorPage).type : undefined;
  if (typeof type !== "string")
    throw new Error(
      `errorPage(${status}) must return { type, body } or undefined, got ${page === null ? "null" : typeof page}`,
    );
  const body = (page as ErrorPage).body;
  // A media type as a header value holds it: visible ASCII and spaces, nothing that ends the line.
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(type))
    throw new Error(`errorPage(${status}): type must be a media type, got ${JSON.stringify(type)}`);
  if (typeof body !== "string" && !(body instanceof Uint8Array))
    throw new Error(`errorPage(${status}): body must be a string or a Uint8Array`);
  return { type, body };
}
