// The one error class of @moonbridge/http: misuse of the request object (the
// order status -> headers -> body, a body read twice, a wrong Content-Length)
// and bad options. Errors of the client's request come from the parsers
// (HttpParserError, BodyParserError) and of the connection from the socket
// (MoonSocketError); they keep their own classes and codes. The class is
// branded so that `instanceof` holds across the package's ESM and CJS copies.

/** Stable codes of {@link HttpError}. */
export type HttpErrorCode =
  /** An option of generateHandler() is of the wrong type, out of range, or unknown; the message names it. */
  | "INVALID_OPTION"
  /** An argument that is not an option is missing or of the wrong type (no request callback, a stream callback that is not a function); the message names it. */
  | "INVALID_ARGUMENT"
  /** A header or body was sent before sendStatus(), or sendStatus() was called twice. */
  | "STATUS_ORDER"
  /** sendStatus() got something that is not a 3-digit final status (200-999) with an optional reason, or a reason with CR, LF or another control character. */
  | "INVALID_STATUS"
  /** sendHeader() got a name or value a header cannot carry, or a header the server manages itself. */
  | "INVALID_HEADER"
  /** A header, or closeAfterFinish(), after the header section was finished. */
  | "HEADERS_FINISHED"
  /** Data after finish(). */
  | "RESPONSE_FINISHED"
  /** Body data for a status that has none (204, 205, 304). */
  | "BODY_NOT_ALLOWED"
  /** More or fewer body bytes than the Content-Length the application sent. */
  | "CONTENT_LENGTH_MISMATCH"
  /** The request body was used one way and is asked for another (body after postParams, ...). */
  | "BODY_CONSUMED"
  /** A POST field stream handler registered after the body was processed. */
  | "BODY_PROCESSED"
  /** The request is faulty (an I/O error or timeout ended its connection) and is used again. */
  | "REQUEST_FAULTY"
  /** The callback returned without sending a status. */
  | "NO_RESPONSE"
  /** upgrade() on a request that does not ask to switch protocols, or once its response has begun; or the request used after upgrade() took the connection. */
  | "UPGRADE_INVALID"
  /** request.json() or text(): the body's Content-Type is not one it reads (json(): not JSON; either: a charset it cannot decode). `status` 415. */
  | "UNSUPPORTED_MEDIA_TYPE"
  /** request.json() or text(): the body is not what its Content-Type says (bytes that are not text in its charset, text that is not JSON). `status` 400. */
  | "BODY_INVALID";

/**
 * The status each code of the client's fault answers with (`error.status`):
 * thrown from the callback and not caught, the server sends it and the
 * worker serves on, as for a malformed request.
 */
const CLIENT_STATUS: Partial<Record<HttpErrorCode, number>> = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_INVALID: 400,
};

/**
 * The brand of HttpErrors, registered so that every copy of the package
 * knows the others'. Format 1: an Error with `code` (an {@link
 * HttpErrorCode}), `message` and maybe `cause`; a version that changes that
 * must use another number.
 */
const BRAND = Symbol.for("@moonbridge/http/error/v1");

/**
 * Thrown when the request object is misused or an option is bad. Match on
 * `code`. `instanceof HttpError` holds for the errors of every copy of the
 * package in the process (one loaded through import, one through require).
 *
 * @example
 * ```ts
 * try { request.sendHeader("X-A", "b"); } catch (e) {
 *   if (e instanceof HttpError && e.code === "STATUS_ORDER") { ... } // sendStatus() first
 * }
 * ```
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly code: HttpErrorCode;
  /** For the client's faults (UNSUPPORTED_MEDIA_TYPE, BODY_INVALID): the status the server answers them with; else undefined. */
  readonly status: number | undefined;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = CLIENT_STATUS[code];
  }

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(HttpError.prototype, BRAND, { value: true });
    Object.defineProperty(HttpError, Symbol.hasInstance, { value: isHttpError });
  }
}

/**
 * `instanceof HttpError`: true for an HttpError of any copy of this package
 * in the process, by the brand every copy puts on its errors' prototype.
 * `this` is the class asked about: a subclass keeps the ordinary check.
 */
function isHttpError(this: unknown, value: unknown): boolean {
  if (this !== HttpError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
