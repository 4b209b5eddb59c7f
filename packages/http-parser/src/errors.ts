// The one error class of @moonbridge/http-parser. Codes follow llhttp's HPE_*
// names where one fits; `status` is the response a server should send (for a
// ResponseParser's errors, always 502: a gateway's answer to a bad upstream). The
// class is branded so that `instanceof` holds across the package's ESM and
// CJS copies.

/** What went wrong, as a stable code, and the status a server answers with. */
export const ERROR_STATUS = {
  /** Method is empty or not a token. */
  HPE_INVALID_METHOD: 400,
  /** Request-target has a forbidden character, a bad percent-escape, or the wrong form for the method. */
  HPE_INVALID_URL: 400,
  /** Protocol version is not `HTTP/DIGIT.DIGIT`. */
  HPE_INVALID_VERSION: 400,
  /** A well-formed version other than HTTP/1.0 and HTTP/1.1. */
  HPE_UNSUPPORTED_VERSION: 505,
  /** Two spaces, or a space where none may be, in the request line; obs-fold or whitespace before the first header. */
  HPE_UNEXPECTED_SPACE: 400,
  /** A bare LF (a line ended without CR), or chunk data not followed by CRLF. */
  HPE_CR_EXPECTED: 400,
  /** A CR not followed by LF. */
  HPE_LF_EXPECTED: 400,
  /** Header name is empty or not a token, whitespace before the colon, missing colon, or a forbidden byte in a value. */
  HPE_INVALID_HEADER_TOKEN: 400,
  /** Content-Length is not digits, is too large, or lines disagree. */
  HPE_INVALID_CONTENT_LENGTH: 400,
  /** Content-Length together with Transfer-Encoding. */
  HPE_UNEXPECTED_CONTENT_LENGTH: 400,
  /** Transfer-Encoding without `chunked` last, `chunked` twice, or empty. */
  HPE_INVALID_TRANSFER_ENCODING: 400,
  /** A transfer coding other than `chunked` (we decode no other). */
  HPE_UNSUPPORTED_TRANSFER_ENCODING: 501,
  /** Chunk size is not hex, or too large. */
  HPE_INVALID_CHUNK_SIZE: 400,
  /** Chunk extension is malformed. */
  HPE_INVALID_CHUNK_EXTENSION: 400,
  /** Chunk extensions of one request exceed `maxChunkExtensionSize`. */
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  /** Host missing on HTTP/1.1, sent more than once, or not a valid host[:port]. */
  HPE_INVALID_HOST: 400,
  /** Expect has a value other than `100-continue`. */
  HPE_EXPECTATION_FAILED: 417,
  /** Request line longer than `maxHeaderSize`. */
  HPE_URI_TOO_LONG: 414,
  /** Request line plus header section (or a trailer section) longer than `maxHeaderSize`. */
  HPE_HEADER_OVERFLOW: 431,
  /** More header (or trailer) fields than `maxHeaderCount`. */
  HPE_TOO_MANY_HEADERS: 431,
  /** Decoded body longer than `maxBodySize`. */
  HPE_BODY_TOO_LARGE: 413,
  /** Status line of a response is not `HTTP/1.x SP 3DIGIT SP reason` (status 100-999, reason of HTAB, SP, VCHAR, obs-text). */
  HPE_INVALID_STATUS: 502,
  /** The peer closed (`finish()`) in the middle of a request. */
  HPE_INVALID_EOF_STATE: 400,
  /** An option of `new RequestParser()` is of the wrong type or out of range, or unknown; the message names it. The server's fault. */
  INVALID_OPTION: 500,
  /** An argument (not an option) is of the wrong type, such as a handler without `onRequestHead`. The server's fault. */
  INVALID_ARGUMENT: 500,
} as const;

/** Stable codes of {@link HttpParserError}; match on these, never on the message. */
export type HttpParserErrorCode = keyof typeof ERROR_STATUS;

/**
 * The brand of HttpParserErrors, registered so that every copy of the
 * package knows the others'. Format 1: an Error with `code` (an {@link
 * HttpParserErrorCode}), `status` and `message`; a version that changes that
 * must use another number.
 */
const BRAND = Symbol.for("@moonbridge/http-parser/error/v1");

/**
 * Thrown by {@link RequestParser} for input that is not a valid HTTP/1.1
 * request, or that breaks a limit. `status` is the response a server should
 * send before closing the connection. Thrown by {@link ResponseParser} for a
 * response that is not valid: the same codes, but `status` is always 502
 * (Bad Gateway, RFC 9110 section 15.6.3: what a gateway or proxy answers its
 * own client when the upstream response is invalid). Once thrown, the parser throws it again
 * for any further input. A bad option or argument of the parser is
 * `INVALID_OPTION` or `INVALID_ARGUMENT`, status 500: the server's own
 * mistake, thrown where the parser is made. `instanceof HttpParserError`
 * holds for the errors of every copy of the package in the process (one
 * loaded through import, one through require).
 *
 * @example
 * ```ts
 * try { parser.execute(bytes); } catch (e) {
 *   if (e instanceof HttpParserError) respond(e.status); // then close
 * }
 * ```
 */
export class HttpParserError extends Error {
  override readonly name = "HttpParserError";
  readonly code: HttpParserErrorCode;
  /** The HTTP status a server should answer with: 400, 413, 414, 417, 431, 501 or 505 (500 for a bad option or argument); 502 for any error of a ResponseParser. */
  readonly status: number;

  /** `status` defaults to the code's entry in {@link ERROR_STATUS}. */
  constructor(code: HttpParserErrorCode, message: string, status: number = ERROR_STATUS[code]) {
    super(message);
    this.code = code;
    this.status = status;
  }

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(HttpParserError.prototype, BRAND, { value: true });
    Object.defineProperty(HttpParserError, Symbol.hasInstance, { value: isHttpParserError });
  }
}

/**
 * `instanceof HttpParserError`: true for an HttpParserError of any copy of
 * this package in the process, by the brand every copy puts on its errors'
 * prototype. `this` is the class asked about: a subclass keeps the ordinary
 * check.
 */
function isHttpParserError(this: unknown, value: unknown): boolean {
  if (this !== HttpParserError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
