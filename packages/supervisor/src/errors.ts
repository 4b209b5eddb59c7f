// The one error class of @moonbridge/supervisor: what listen() throws for bad
// options, for a call from inside a handler, in a worker without a supervisor,
// and for a listener it cannot bind. The class is branded so that
// `instanceof` holds across the package's ESM and CJS copies.

/** Stable codes of {@link SupervisorError}; match on these, never on the message. */
export type SupervisorErrorCode =
  /** An option of listen() is missing, of the wrong type or out of range, or unknown; the message names it. */
  | "INVALID_OPTION"
  /** listen() was called from a prepare, connect or finish handler. */
  | "LISTEN_IN_HANDLER"
  /** A listener could not be bound (address in use, permission, a non-socket file at a path). */
  | "BIND_FAILED"
  /** The process is marked as a worker (MOONBRIDGE_WORKER=1) but has no channel to a supervisor. */
  | "NO_SUPERVISOR";

/**
 * The brand of SupervisorErrors, registered so that every copy of the
 * package knows the others'. Format 1: an Error with `code` (a {@link
 * SupervisorErrorCode}), `message` and maybe `cause`; a version that changes
 * that must use another number.
 */
const BRAND = Symbol.for("@moonbridge/supervisor/error/v1");

/**
 * Thrown by listen() (bad options, a call from a handler) or the rejection of
 * `pool.ready` (a listener that cannot be bound, with the system error as `cause`).
 * `instanceof SupervisorError` holds for the errors of every copy of the
 * package in the process (one loaded through import, one through require).
 *
 * @example
 * ```ts
 * try { listen({ listeners: [], connect }); } catch (e) { if (e instanceof SupervisorError) e.code; }
 * ```
 */
export class SupervisorError extends Error {
  override readonly name = "SupervisorError";
  readonly code: SupervisorErrorCode;

  constructor(code: SupervisorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(SupervisorError.prototype, BRAND, { value: true });
    Object.defineProperty(SupervisorError, Symbol.hasInstance, { value: isSupervisorError });
  }
}

/**
 * `instanceof SupervisorError`: true for a SupervisorError of any copy of
 * this package in the process, by the brand every copy puts on its errors'
 * prototype. `this` is the class asked about: a subclass keeps the ordinary
 * check.
 */
function isSupervisorError(this: unknown, value: unknown): boolean {
  if (this !== SupervisorError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
