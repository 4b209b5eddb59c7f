// The one error class of @moonbridge/body-parser: every way a form body can be
// malformed or too large, with a stable code and the status to answer, and
// the server's own mistakes (a bad limit or argument). The class is branded
// so that `instanceof` holds across the package's ESM and CJS copies.

/** Stable codes of {@link BodyParserError} and the HTTP status each one answers with. */
export const ERROR_STATUS = {
  /** More urlencoded fields than `maxFields`. */
  URLENCODED_TOO_MANY_FIELDS: 413,
  /** An urlencoded field name longer than `maxNameLength` bytes (as sent, before decoding). */
  URLENCODED_NAME_TOO_LONG: 413,
  /** An urlencoded field value longer than `maxValueLength` bytes (as sent, before decoding). */
  URLENCODED_VALUE_TOO_LONG: 413,
  /** Content-Type is not multipart/form-data. */
  MULTIPART_NOT_FORM_DATA: 415,
  /** Content-Type is not multipart/* (`getBoundary` with `anySubtype`). */
  MULTIPART_NOT_MULTIPART: 415,
  /** Content-Type has no boundary parameter, or an empty or malformed one. */
  MULTIPART_NO_BOUNDARY: 400,
  /** The boundary is longer than 70 characters (RFC 2046 section 5.1.1). */
  MULTIPART_BOUNDARY_TOO_LONG: 400,
  /** A delimiter line or part header section is not well-formed. */
  MULTIPART_MALFORMED: 400,
  /** The body ended (`end()`) before the closing delimiter. */
  MULTIPART_TRUNCATED: 400,
  /** A part header is not `name: value`, or is folded (form-data); Content-Disposition is malformed, or (form-data) missing, not form-data, or without a name. */
  MULTIPART_INVALID_PART_HEADER: 400,
  /** Content-Transfer-Encoding other than 7bit, 8bit or binary. */
  MULTIPART_UNSUPPORTED_TRANSFER_ENCODING: 415,
  /** More parts than `maxParts`. */
  MULTIPART_TOO_MANY_PARTS: 413,
  /** A part's header section is longer than `maxPartHeaderSize`. */
  MULTIPART_PART_HEADER_TOO_LARGE: 413,
  /** A field (a part without a file name) is longer than `maxFieldSize`. */
  MULTIPART_FIELD_TOO_LARGE: 413,
  /** A file part is longer than `maxFileSize`. */
  MULTIPART_FILE_TOO_LARGE: 413,
  /** The body is longer than `maxTotalSize`. */
  MULTIPART_BODY_TOO_LARGE: 413,
  /** A limit or option given to `MultipartParser`, `parseMultipart`, `getBoundary` or `parseUrlencoded` is of the wrong type or out of range, or is unknown; the message names it. The server's fault. */
  INVALID_OPTION: 500,
  /** An argument (not a limit) is of the wrong type or out of range: a boundary, a handler, the input, a source or one of its chunks. The server's fault. */
  INVALID_ARGUMENT: 500,
  /** A part's body was read after `parseMultipart`'s iteration had moved past the part (or stopped). The server's fault. */
  MULTIPART_PART_SKIPPED: 500,
} as const;

/** Stable codes of {@link BodyParserError}; match on these, never on the message. */
export type BodyParserErrorCode = keyof typeof ERROR_STATUS;

/**
 * The brand of BodyParserErrors, registered so that every copy of the
 * package knows the others'. Format 1: an Error with `code` (a {@link
 * BodyParserErrorCode}), `status` and `message`; a version that changes that
 * must use another number.
 */
const BRAND = Symbol.for("@moonbridge/body-parser/error/v1");

/**
 * Thrown for a malformed or too large form body. `status` is the response a
 * server should send (400, 413 or 415). A parser that threw throws the same
 * error for any further input. A bad limit or argument is `INVALID_OPTION`
 * or `INVALID_ARGUMENT`, status 500: the server's own mistake, thrown by the
 * call that took it. `instanceof BodyParserError` holds for the errors of
 * every copy of the package in the process (one loaded through import, one
 * through require).
 *
 * @example
 * ```ts
 * try { parser.write(chunk); } catch (e) {
 *   if (e instanceof BodyParserError) respond(e.status);
 * }
 * ```
 */
export class BodyParserError extends Error {
  override readonly name = "BodyParserError";
  readonly code: BodyParserErrorCode;
  /** The HTTP status a server should answer with (500 for a bad limit or argument). */
  readonly status: number;

  constructor(code: BodyParserErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
  }

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(BodyParserError.prototype, BRAND, { value: true });
    Object.defineProperty(BodyParserError, Symbol.hasInstance, { value: isBodyParserError });
  }
}

/**
 * `instanceof BodyParserError`: true for a BodyParserError of any copy of
 * this package in the process, by the brand every copy puts on its errors'
 * prototype. `this` is the class asked about: a subclass keeps the ordinary
 * check.
 */
function isBodyParserError(this: unknown, value: unknown): boolean {
  if (this !== BodyParserError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
