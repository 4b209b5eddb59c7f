// The one error class of @moonbridge/socket. Moonbridge's Lua methods return
// `nil, message` on failure; here they throw a MoonSocketError whose `code`
// is either one of ours (misuse, limits) or the system's (ECONNRESET, EPIPE,
// ...) with the system error as `cause`.

/** Codes for misuse and limits; I/O failures carry the system's code instead. */
export type MoonSocketUsageCode =
  /** The socket was closed, cancelled or detached, and is used again. */
  | "SOCKET_CLOSED"
  /** A write after `output.close()` (the FIN is sent; nothing may follow). */
  | "OUTPUT_CLOSED"
  /** A line longer than `maxLineLength` bytes; the bytes read so far are consumed. */
  | "LINE_TOO_LONG"
  /** A synchronous read while an awaited read is still waiting for its bytes. */
  | "READ_PENDING"
  /** A write on a socket with no connection (an interval or main handler's). */
  | "NO_CONNECTION"
  /** park() without an open parking lot: the socket has none, or it is full or closing. */
  | "PARK_UNAVAILABLE"
  /** An option (an entry of an options object) of the wrong type or out of range, or an unknown key; the message names it. */
  | "INVALID_OPTION"
  /** An argument (not an options entry) of the wrong type or out of range; the message names it. */
  | "INVALID_ARGUMENT"
  /** `readProxyHeader()`: the connection does not begin with a valid PROXY protocol header; the message says why. */
  | "PROXY_HEADER_INVALID";

/** Stable codes of {@link MoonSocketError}: ours, or a system error code such as `"ECONNRESET"`. */
export type MoonSocketErrorCode = MoonSocketUsageCode | `E${string}`;

/**
 * The brand of MoonSocketErrors, registered so that every copy of the package
 * knows the others'. Format 1: an Error with `code` (a {@link
 * MoonSocketErrorCode}), `message` and maybe `cause`; a version that changes
 * that must use another number.
 */
const BRAND = Symbol.for("@moonbridge/socket/error/v1");

/**
 * Thrown (or the rejection) when a socket operation fails. Match on `code`.
 * `instanceof MoonSocketError` holds for the errors of every copy of the
 * package loaded in the process (through import and through require).
 *
 * @example
 * ```ts
 * try { await socket.flush(); } catch (e) {
 *   if (e instanceof MoonSocketError && e.code === "EPIPE") { ... } // the peer has gone
 * }
 * ```
 */
export class MoonSocketError extends Error {
  override readonly name = "MoonSocketError";
  readonly code: MoonSocketErrorCode;

  constructor(code: MoonSocketErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  static {
    // On the prototype: an error costs nothing more to make.
    Object.defineProperty(MoonSocketError.prototype, BRAND, { value: true });
    Object.defineProperty(MoonSocketError, Symbol.hasInstance, { value: isMoonSocketError });
  }
}

/**
 * `instanceof MoonSocketError`: true for a MoonSocketError of any copy of
 * this package in the process (it may be loaded twice: through import and
 * through require), by the brand every copy puts on its errors' prototype.
 * Chosen over a brand check in ioError alone, so that `instanceof
 * MoonSocketError` in user code and in the packages built on this one
 * (@moonbridge/http tells a socket's failure from its handler's so) holds for
 * the other copy's errors too. `this` is the class asked about: a subclass
 * keeps the ordinary check.
 */
function isMoonSocketError(this: unknown, value: unknown): boolean {
  if (this !== MoonSocketError) return Function.prototype[Symbol.hasInstance].call(this, value);
  return (
    typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}

/** Wraps an error from Node's socket, keeping the system code when there is one. */
export function ioError(cause: unknown): MoonSocketError {
  // Another copy's MoonSocketError too (see Symbol.hasInstance): kept, with its code.
  if (cause instanceof MoonSocketError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const systemCode = typeof code === "string" && code.startsWith("E") ? code : "EIO";
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MoonSocketError(systemCode as `E${string}`, `socket I/O error: ${detail}`, { cause });
}
