// The one error class of @moonbridge/body-parser: every way a form body can be
// malformed or too large, with a stable code and the status to answer.

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
  /** Content-Type has no boundary parameter, or an empty or malformed one. */
  MULTIPART_NO_BOUNDARY: 400,
  /** The boundary is longer than 70 characters (RFC 2046 section 5.1.1). */
  MULTIPART_BOUNDARY_TOO_LONG: 400,
  /** A delimiter line or part header section is not well-formed. */
  MULTIPART_MALFORMED: 400,
  /** The body ended (`end()`) before the closing delimiter. */
  MULTIPART_TRUNCATED: 400,
  /** A part header is not `name: value`, or Content-Disposition is missing, not form-data, or has no name. */
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
} as const;

/** Stable codes of {@link BodyParserError}; match on these, never on the message. */
export type BodyParserErrorCode = keyof typeof ERROR_STATUS;

/**
 * Thrown for a malformed or too large form body. `status` is the response a
 * server should send (400, 413 or 415). A parser that threw throws the same
 * error for any further input.
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
  /** The HTTP status a server should answer with. */
  readonly status: number;

  constructor(code: BodyParserErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}
