// The one error class of @moonbridge/http: misuse of the request object (the
// order status -> headers -> body, a body read twice, a wrong Content-Length)
// and bad options. Errors of the client's request come from the parsers
// (HttpParserError, BodyParserError) and of the connection from the socket
// (MoonSocketError); they keep their own classes and codes.

/** Stable codes of {@link HttpError}. */
export type HttpErrorCode =
  /** An option of generateHandler() is missing, of the wrong type or out of range; the message names it. */
  | "INVALID_OPTION"
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
  | "NO_RESPONSE";

/**
 * Thrown when the request object is misused or an option is bad. Match on `code`.
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

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
