// The one error class of @moonbridge/headers: what it throws when the raw
// header list it was given is not a flat list of strings.

/** Stable codes of {@link HeadersError}; match on these, never on the message. */
export type HeadersErrorCode = "HEADERS_INVALID_LIST";

/**
 * Thrown when a raw header list is not an array of strings of even length.
 * This is a programming error of the caller, so it carries no HTTP status.
 *
 * @example
 * ```ts
 * try { new HeaderViews(["Host"]); } catch (e) { if (e instanceof HeadersError) e.code; }
 * ```
 */
export class HeadersError extends TypeError {
  override readonly name = "HeadersError";
  readonly code: HeadersErrorCode;

  constructor(code: HeadersErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
