// The two halves of a MoonSocket as users see them: `socket.input` and
// `socket.output`, Moonbridge's Lua file handles in TypeScript. The classes
// behind them are internal; MoonSocket makes them.

import type { MoonSocketError } from "./errors";

/** A piece of output: bytes as given, strings as UTF-8, numbers as their decimal text. */
export type OutputData = Uint8Array | string | number;

/** A format of {@link MoonInput.read}: as in Lua's `file:read`. */
export type ReadFormat = "l" | "L" | "a" | number;

/**
 * `socket.input`: the bytes the peer sent, in order, whatever their chunking.
 * Reads wait for data; reading ahead stops once `inputBufferLimit` bytes are
 * buffered and nobody waits for more, so a fast sender cannot grow memory.
 */
export interface MoonInput {
  /**
   * Resolves with up to `maxlen` bytes: as soon as `maxlen` bytes are there, or
   * right after the `terminator` byte (included), or at end of stream with what
   * is left. `null` at end of stream with nothing left. `maxlen` 0 waits until a
   * byte or the end is there and resolves with an empty buffer (or `null`).
   * Rejects with a {@link MoonSocketError} on an I/O error (after any bytes that
   * arrived before it have been read).
   *
   * @param maxlen bytes; @default no bound
   * @param terminator a one-character string or a byte value
   * @example
   * ```ts
   * const line = await socket.input.xread(8192, "\n"); // Buffer | null
   * ```
   */
  xread(maxlen?: number, terminator?: string | number): Promise<Buffer | null>;

  /**
   * {@link xread} without waiting: from the bytes already buffered, up to
   * `maxlen` bytes, stopping after the `terminator`; an empty buffer when none
   * are buffered; `null` at end of stream with nothing left. Throws
   * `READ_PENDING` while an awaited read waits for its bytes.
   */
  xreadNb(maxlen?: number, terminator?: string | number): Buffer | null;

  /**
   * Waits for input without taking any: resolves `true` once at least one
   * byte is buffered, `false` at end of stream with nothing left; rejects
   * like {@link xread} on an I/O error (after the bytes before it) or when the
   * socket is closed meanwhile. Then {@link xreadNb} takes what came. Like
   * `xread(0)`, but resolving with a boolean (no Buffer to look `then` up on).
   */
  readable(): Promise<boolean>;

  /**
   * Lua's `file:read(format)`: `"l"` a line without its `"\n"` (the default),
   * `"L"` a line with it, both as UTF-8 strings and `null` at end of stream;
   * `"a"` every byte up to the end of stream (an empty buffer at the end); a
   * number `n`: `n` bytes (fewer only at the end), `null` at the end.
   * A line longer than `maxLineLength` bytes rejects with `LINE_TOO_LONG`.
   */
  read(format?: "l" | "L"): Promise<string | null>;
  read(format: "a"): Promise<Buffer>;
  read(format: number): Promise<Buffer | null>;

  /** Lua's `file:lines(format)`: an async iterator over lines (`"l"` or `"L"`). */
  lines(format?: "l" | "L"): AsyncIterableIterator<string>;

  /** Bytes received and not read yet. */
  readonly buffered: number;
  /** True once the peer's end of stream has been received (buffered bytes may remain). */
  readonly ended: boolean;
}

/**
 * `socket.output`: what the handler sends. `write` buffers (and coalesces small
 * writes into one system call); `flush` hands everything to the kernel.
 */
export interface MoonOutput {
  /**
   * Buffers `data` for sending and returns the stream for chaining. Buffers are
   * not copied: do not change one until it has been flushed. Once
   * `outputBufferLimit` bytes are buffered they go to the socket without waiting
   * for `flush`; await `flush()` to wait for the peer to take them.
   */
  write(...data: OutputData[]): this;

  /**
   * Resolves once everything written so far has been handed to the kernel;
   * rejects with the system's code (EPIPE, ECONNRESET, ...) if it cannot be.
   */
  flush(): Promise<void>;

  /**
   * Moonbridge's non-blocking write: sends as much of `data` as keeps the bytes
   * waiting for the kernel within `outputBufferLimit`, and returns the rest
   * (an empty buffer when everything was taken). Callers that wait for room
   * with {@link poll} get Moonbridge's backpressure exactly.
   */
  writeNb(...data: OutputData[]): Buffer;

  /**
   * Half-close: flushes, then sends FIN. The input stays readable. Resolves when
   * the FIN has been handed to the kernel. Writing afterwards throws `OUTPUT_CLOSED`.
   */
  close(): Promise<void>;

  /** Bytes written and not yet handed to the kernel (ours and Node's). */
  readonly buffered: number;
  /** True after `close()` (or the socket's). */
  readonly closed: boolean;
  /** The I/O error that ended the output (writes and flushes fail with it), if one did. */
  readonly error: MoonSocketError | undefined;
}
