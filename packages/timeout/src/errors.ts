// The one error class of @moonbridge/timeout: what timeout() throws for a bad
// argument. The package takes no options, so its one code is
// INVALID_ARGUMENT; the class exists so that it is matched like every other
// package's errors (`instanceof` and `code`), and is branded so that
// `instanceof` holds across the package's ESM and CJS copies.

/** Stable codes of {@link TimeoutError}; match on these, never on the message. */
export type TimeoutErrorCode =
  /** `seconds` is not a finite number >= 0, or `fn` is not a function; the message names it. */
  "INVALID_ARGUMENT";

/**
 * The brand of TimeoutErrors, registered so that every copy of the package
 * knows the others'. Format 1: an Error with `code` (a {@link
 * TimeoutErrorCode}) and `message`; a version that changes that must use
 * another number.
 */
const BRAND = Symbol.for("@moonbridge/timeout/error/v1");

/**
 * Thrown by `timeout()` for a bad argument, synchronously, before any timer
 * changes. `instanceof TimeoutError` holds for the errors of every copy of
 * the package in the process (one loaded through import, one through
 * require). A timer that runs out throws nothing: it kills the process.
 *
 * @example
 * ```ts
 * try { timeout(Number(input)); } catch (e) {
 *   if (e instanceof TimeoutError && e.code === "INVALID_ARGUMENT") { ... } // not a number of seconds
 * }
 * ```
 */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly code: TimeoutErrorCode;

  constructor(code: TimeoutErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(TimeoutError.prototype, BRAND, { value: true });
    Object.defineProperty(TimeoutError, Symbol.hasInstance, { value: isTimeoutError });
  }
}

/**
 * `instanceof TimeoutError`: true for a TimeoutError of any copy of this
 * package in the process, by the brand every copy puts on its errors'
 * prototype. `this` is the class asked about: a subclass keeps the ordinary
 * check.
 */
function isTimeoutError(this: unknown, value: unknown): boolean {
  if (this !== TimeoutError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
