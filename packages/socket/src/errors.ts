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
  /** An argument or option out of range; the message names it. */
  | "INVALID_ARGUMENT";

/** Stable codes of {@link MoonSocketError}: ours, or a system error code such as `"ECONNRESET"`. */
export type MoonSocketErrorCode = MoonSocketUsageCode | `E${string}`;

/**
 * Thrown (or the rejection) when a socket operation fails. Match on `code`.
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
}

/** Wraps an error from Node's socket, keeping the system code when there is one. */
export function ioError(cause: unknown): MoonSocketError {
  if (cause instanceof MoonSocketError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const systemCode = typeof code === "string" && code.startsWith("E") ? code : "EIO";
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MoonSocketError(systemCode as `E${string}`, `socket I/O error: ${detail}`, { cause });
}
