// The one error class of @moonbridge/supervisor: what listen() throws for bad
// options, for a call from inside a handler, in a worker without a supervisor,
// and for a listener it cannot bind.

/** Stable codes of {@link SupervisorError}; match on these, never on the message. */
export type SupervisorErrorCode =
  /** An option of listen() is missing, of the wrong type or out of range; the message names it. */
  | "INVALID_OPTION"
  /** listen() was called from a prepare, connect or finish handler. */
  | "LISTEN_IN_HANDLER"
  /** A listener could not be bound (address in use, permission, a non-socket file at a path). */
  | "BIND_FAILED"
  /** The process is marked as a worker (MOONBRIDGE_WORKER=1) but has no channel to a supervisor. */
  | "NO_SUPERVISOR";

/**
 * Thrown by listen() (bad options, a call from a handler) or the rejection of
 * `pool.ready` (a listener that cannot be bound, with the system error as `cause`).
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
}
