// The one error class of @moonbridge/headers: what it throws when the raw
// header list it was given is not a flat list of strings, or when
// serializeCookie is given a cookie it cannot write. The class is branded so
// that `instanceof` holds across the package's ESM and CJS copies.

/**
 * Stable codes of {@link HeadersError}; match on these, never on the message.
 *
 * - `HEADERS_INVALID_LIST`: a raw header list is not an array of strings of even length.
 * - `INVALID_ARGUMENT`: `serializeCookie` was given a name or value it cannot write.
 * - `INVALID_OPTION`: `serializeCookie` was given an option it cannot write
 *   (unknown, of the wrong type or out of range), or a combination browsers reject.
 */
export type HeadersErrorCode = "HEADERS_INVALID_LIST" | "INVALID_ARGUMENT" | "INVALID_OPTION";

/**
 * The brand of HeadersErrors, registered so that every copy of the package
 * knows the others'. Format 1: a TypeError with `code` (a {@link
 * HeadersErrorCode}) and `message`; a version that changes that must use
 * another number.
 */
const BRAND = Symbol.for("@moonbridge/headers/error/v1");

/**
 * Thrown when a raw header list is not an array of strings of even length, or
 * when `serializeCookie` is given a cookie it cannot write. Either is a
 * programming error of the caller, so it carries no HTTP status.
 * `instanceof HeadersError` holds for the errors of every copy of the
 * package in the process (one loaded through import, one through require).
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

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(HeadersError.prototype, BRAND, { value: true });
    Object.defineProperty(HeadersError, Symbol.hasInstance, { value: isHeadersError });
  }
}

/**
 * `instanceof HeadersError`: true for a HeadersError of any copy of this
 * package in the process, by the brand every copy puts on its errors'
 * prototype. `this` is the class asked about: a subclass keeps the ordinary
 * check.
 */
function isHeadersError(this: unknown, value: unknown): boolean {
  if (this !== HeadersError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
