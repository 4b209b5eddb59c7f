// The response side of a request: status, then headers, then body, framed by
// the server. A body known whole at finish() gets a Content-Length and goes
// out with the head in one write; a longer one is chunked (HTTP/1.1) or ends
// with the connection (HTTP/1.0). A Content-Length the application sends is
// held to: a byte too many is refused before it is written.

import { Buffer } from "node:buffer";
import type { RequestHead } from "@moonbridge/http-parser";
import { HttpError } from "../errors";
import type { Connection } from "./connection";
import { dateLine } from "./date-header";
import { checkHeaderName, checkHeaderValue } from "./header-check";
import { headerLine } from "./header-line";
import { CHUNKED, NO_FRAMING, responseHead } from "./response-head";
import { statusCode, statusLine } from "./status-text";

const RESOLVED = Promise.resolve();
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/** What sendData() takes: bytes as they are, anything else as its text. */
export type ResponseData = Uint8Array | string | number | bigint | boolean;

/** Whose response this is: the request, which reads its body before the response starts (see setBeforeOutput). */
export type ResponseOwner = object;

/** What a response runs before its first byte goes out, given its owner. */
type BeforeOutput = (owner: ResponseOwner) => Promise<void> | undefined;

let beforeOutput: BeforeOutput = () => undefined;

/**
 * Sets what every response runs before its first byte goes out: the
 * request's step that reads an unread body, unless reading was deferred.
 * Called once, by the static block of Request (request.ts), where the state
 * that step needs is private: one function for all responses, so neither
 * Request's public type nor each response carries it.
 */
export function setBeforeOutput(hook: BeforeOutput): void {
  beforeOutput = hook;
}

export class Response {
  readonly #conn: Connection;
  readonly #request: RequestHead;
  /** "200 OK", once sendStatus() was called. */
  #status = "";
  #code = 0;
  #headers = "";
  #contentLength: number | undefined;
  #hasDate = false;
  #closeRequested = false;
  /** HEAD, or a status without content: data is dropped (HEAD) or refused. */
  #bodyless = false;
  #chunked = false;
  #finished = false;
  #continueSent = false;
  /** Body data written and not yet sent, while all of it is text: joined (no array per response). */
  #pendingText = "";
  /** The same once bytes came too: each item as written (the text before them first). */
  #pendingItems: Array<string | Uint8Array> | undefined;
  #pendingBytes = 0;
  #sentBytes = 0;
  readonly #isHead: boolean;
  /** For HEAD: the body bytes the application wrote (and the server dropped). */
  #headBytes = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = false;
  readonly #owner: ResponseOwner;

  constructor(conn: Connection, request: RequestHead, owner: ResponseOwner) {
    this.#conn = conn;
    this.#request = request;
    this.#owner = owner;
    this.#isHead = request.method === "HEAD";
  }

  get statusSent(): boolean {
    return this.#code !== 0;
  }

  /** The status code sent, 0 before sendStatus(). */
  get code(): number {
    return this.#code;
  }

  /** Body bytes sent so far (none for HEAD), framing not counted. */
  get bodyBytes(): number {
    return this.#sentBytes;
  }

  get headSent(): boolean {
    return this.#conn.responseStarted;
  }

  get finished(): boolean {
    return this.#finished;
  }

  status(status: string | number): void {
    if (this.#code !== 0) throw new HttpError("STATUS_ORDER", "sendStatus was called already");
    const code = statusCode(status);
    this.#code = code;
    // A code alone gets its standard reason, or the SP of an empty one; a line with a reason goes as given.
    this.#status = typeof status === "number" || status.length === 3 ? statusLine(code) : status;
    this.#bodyless =
      this.#request.method === "HEAD" || code === 204 || code === 205 || code === 304;
  }

  header(name: string, value: unknown): void {
    this.#checkHeaderable();
    checkHeaderName(name, "sendHeader");
    const text = typeof value === "string" ? value : String(value);
    checkHeaderValue(text, "sendHeader");
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "date") this.#hasDate = true;
        break;
      case 10:
        if (name.toLowerCase() === "connection") {
          if (text.trim().toLowerCase() !== "close") {
            throw new HttpError(
              "INVALID_HEADER",
              'sendHeader: the server manages Connection; send "close" or call closeAfterFinish()',
            );
          }
          this.closeAfterFinish();
          return;
        }
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          this.#setContentLength(text);
          return;
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") {
          throw new HttpError(
            "INVALID_HEADER",
            "sendHeader: the server frames the body itself; no Transfer-Encoding",
          );
        }
        break;
    }
    this.#headers += headerLine(name, text);
  }

  closeAfterFinish(): void {
    if (this.#conn.responseStarted || this.#finished) {
      throw new HttpError(
        "HEADERS_FINISHED",
        "closeAfterFinish must come before the header section is finished",
      );
    }
    this.#closeRequested = true;
  }

  /** Buffers body data; sends a chunk once minimumOutputChunkSize bytes are there. */
  data(items: ResponseData[]): Promise<void> {
    this.#checkWritable();
    let bytes = 0;
    let allText = true;
    for (let i = 0; i < items.length; i++) {
      let item = items[i] as ResponseData;
      if (typeof item === "string") bytes += Buffer.byteLength(item);
      else if (item instanceof Uint8Array) {
        bytes += item.length;
        allText = false;
      } else {
        item = String(item);
        items[i] = item;
        bytes += Buffer.byteLength(item);
      }
    }
    if (bytes === 0) return RESOLVED;
    if (this.#isHead) {
      this.#headBytes += bytes; // dropped, but counted: a HEAD response gets the length a GET would
      return RESOLVED;
    }
    if (this.#bodyless) {
      throw new HttpError("BODY_NOT_ALLOWED", `a ${this.#code} response has no body`);
    }
    const length = this.#contentLength;
    if (length !== undefined && this.#sentBytes + this.#pendingBytes + bytes > length) {
      throw new HttpError(
        "CONTENT_LENGTH_MISMATCH",
        `sendData: more body bytes than the Content-Length of ${length} sent; none of this call was sent`,
      );
    }
    let pending = this.#pendingItems;
    if (pending === undefined && allText) {
      for (const item of items) this.#pendingText += item as string;
    } else {
      if (pending === undefined) {
        pending = this.#pendingText === "" ? [] : [this.#pendingText];
        this.#pendingItems = pending;
        this.#pendingText = "";
      }
      for (const item of items) pending.push(item as string | Uint8Array);
    }
    this.#pendingBytes += bytes;
    if (this.#pendingBytes < this.#conn.options.minimumOutputChunkSize) return RESOLVED;
    return this.#emit(false);
  }

  finishHeaders(): Promise<void> {
    if (this.#code === 0) return Promise.reject(orderError("finishHeaders"));
    if (this.#finished || this.#conn.responseStarted) return RESOLVED;
    return this.#emit(false);
  }

  flush(): Promise<void> {
    if (this.#code === 0) return Promise.reject(orderError("flush"));
    if (this.#finished) return RESOLVED;
    return this.#emit(false);
  }

  finish(): Promise<void> {
    if (this.#code === 0) return Promise.reject(orderError("finish"));
    if (this.#finished) return RESOLVED;
    return this.#emit(true);
  }

  /** Sends `100 Continue` before the body of an `Expect: 100-continue` request is first read. */
  continueIfExpected(): void {
    if (!this.#request.expectContinue || this.#continueSent || this.#conn.responseStarted) return;
    this.#continueSent = true;
    this.#conn.socket.write(CONTINUE);
    this.#conn.waitOn(this.#conn.socket.flush()).catch(() => {}); // a failure shows on the next read or write
  }

  #emit(final: boolean): Promise<void> {
    const before = beforeOutput(this.#owner);
    if (before === undefined) return this.#send(final);
    return before.then(() => this.#send(final));
  }

  #send(final: boolean): Promise<void> {
    try {
      this.#write(final);
    } catch (error) {
      // Sent as far as it is right to; flush that, then report the error.
      const failure = this.#conn.ioError(error);
      return this.#conn.socket.flush().then(
        () => Promise.reject(failure),
        () => Promise.reject(failure),
      );
    }
    const socket = this.#conn.socket;
    const flushed = socket.flush();
    // The kernel took it all at once (the usual small response): nothing to wait on, no extra promise.
    const output = socket.output;
    if (output.buffered === 0 && output.error === undefined && !socket.closed) return flushed;
    return this.#conn.waitOn(flushed);
  }

  /** Hands the head (first time), the pending data and, if `final`, the body's end to the socket. */
  #write(final: boolean): void {
    if (this.#finished) return;
    const socket = this.#conn.socket;
    let text = this.#conn.responseStarted ? "" : this.#head(final);
    const bytes = this.#pendingBytes;
    if (bytes > 0) {
      if (this.#chunked) text += `${bytes.toString(16)}\r\n`;
      const items = this.#pendingItems;
      if (items === undefined) text += this.#pendingText;
      else {
        if (text !== "") socket.write(text);
        text = "";
        socket.write(...items);
      }
      if (this.#chunked) text += "\r\n";
      this.#sentBytes += bytes;
      this.#pendingText = "";
      this.#pendingItems = undefined;
      this.#pendingBytes = 0;
    }
    if (final) {
      this.#finished = true;
      if (this.#chunked) text += "0\r\n\r\n";
    }
    if (text !== "") socket.write(text);
    if (
      final &&
      this.#contentLength !== undefined &&
      this.#sentBytes < this.#contentLength &&
      !this.#bodyless
    ) {
      this.keepAlive = false;
      throw new HttpError(
        "CONTENT_LENGTH_MISMATCH",
        `finish: ${this.#sentBytes} body bytes sent of the Content-Length of ${this.#contentLength}; the connection closes`,
      );
    }
  }

  /** The status line and header section, with the framing chosen now. */
  #head(final: boolean): string {
    this.#conn.startResponse();
    const request = this.#request;
    const http10 = request.versionMinor === 0;
    // A client that expects 100 Continue and gets a final status instead may
    // never send its body: the connection cannot be read past it, so it ends.
    const bodyWithheld =
      request.expectContinue && !this.#continueSent && !this.#conn.requestComplete;
    // A worker that is leaving (retiring, reloading, the server stopping) ends
    // each connection after the response it gives: a keep-alive client told
    // so sends its next request on a new connection, never into this one as
    // it closes. The lot says so whether or not this handler parks.
    let keepAlive =
      request.keepAlive &&
      !this.#closeRequested &&
      !this.#conn.upgraded &&
      !bodyWithheld &&
      this.#conn.socket.parking?.leaving !== true;
    let framing = NO_FRAMING;
    const code = this.#code;
    if (code === 205) framing = 0;
    else if (this.#contentLength !== undefined || code === 204 || code === 304)
      framing = NO_FRAMING;
    else if (this.#isHead) framing = final ? this.#headBytes : NO_FRAMING;
    else if (final) framing = this.#pendingBytes;
    else if (!http10) {
      this.#chunked = true;
      framing = CHUNKED;
    } else keepAlive = false; // HTTP/1.0 without a length: the end of the connection ends the body
    this.keepAlive = keepAlive;
    const connection = keepAlive
      ? http10
        ? "Connection: keep-alive\r\n"
        : ""
      : "Connection: close\r\n";
    const options = this.#conn.options;
    const date = this.#hasDate || options.staticDate ? "" : dateLine();
    return responseHead(
      this.#status,
      options.staticHeaders,
      date,
      this.#headers,
      framing,
      connection,
    );
  }

  #setContentLength(text: string): void {
    if (this.#contentLength !== undefined) {
      throw new HttpError("INVALID_HEADER", "sendHeader: Content-Length was sent already");
    }
    const value = text.trim();
    let valid = value.length > 0 && value.length <= 15;
    for (let i = 0; valid && i < value.length; i++) {
      const c = value.charCodeAt(i);
      valid = c >= 0x30 && c <= 0x39;
    }
    if (!valid)
      throw new HttpError(
        "INVALID_HEADER",
        "sendHeader: Content-Length must be a decimal number of bytes",
      );
    if (this.#code === 204)
      throw new HttpError("INVALID_HEADER", "sendHeader: a 204 response has no Content-Length");
    if (this.#code === 205)
      throw new HttpError(
        "INVALID_HEADER",
        "sendHeader: a 205 response gets Content-Length: 0 from the server",
      );
    this.#contentLength = Number(value);
    this.#headers += `Content-Length: ${value}\r\n`;
  }

  #checkHeaderable(): void {
    if (this.#code === 0) throw orderError("sendHeader");
    if (this.#conn.responseStarted || this.#finished) {
      throw new HttpError("HEADERS_FINISHED", "sendHeader after the header section was finished");
    }
  }

  #checkWritable(): void {
    if (this.#code === 0) throw orderError("sendData");
    if (this.#finished) throw new HttpError("RESPONSE_FINISHED", "sendData after finish");
  }
}

function orderError(what: string): HttpError {
  return new HttpError("STATUS_ORDER", `${what} before sendStatus`);
}
