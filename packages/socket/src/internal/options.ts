// MoonSocket's options, checked once where the socket is made: a bad value
// throws naming the option; a missing one takes its documented default.

import { MoonSocketError } from "../errors";

export interface ResolvedOptions {
  inputBufferLimit: number;
  outputBufferLimit: number;
  maxLineLength: number;
  closeTimeout: number;
}

export const DEFAULTS: Readonly<ResolvedOptions> = Object.freeze({
  inputBufferLimit: 64 * 1024,
  outputBufferLimit: 64 * 1024,
  maxLineLength: 64 * 1024,
  closeTimeout: 30,
});

export function invalid(message: string): MoonSocketError {
  return new MoonSocketError("INVALID_ARGUMENT", message);
}

/** A byte count: an integer >= `min`. */
export function checkSize(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw invalid(`${name} must be an integer >= ${min} (bytes), got ${String(value)}`);
  }
  return value;
}

/** A time: a finite number of seconds >= 0. */
export function checkSeconds(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(`${name} must be a finite number >= 0 (seconds), got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(
  options: Partial<Record<keyof ResolvedOptions, unknown>>,
): Readonly<ResolvedOptions> {
  const { inputBufferLimit, outputBufferLimit, maxLineLength, closeTimeout } = options;
  // The usual case, once per connection: nothing to check, nothing to allocate.
  if (
    inputBufferLimit === undefined &&
    outputBufferLimit === undefined &&
    maxLineLength === undefined &&
    closeTimeout === undefined
  ) {
    return DEFAULTS;
  }
  return {
    inputBufferLimit: checkSize(
      "inputBufferLimit",
      inputBufferLimit ?? DEFAULTS.inputBufferLimit,
      1,
    ),
    outputBufferLimit: checkSize(
      "outputBufferLimit",
      outputBufferLimit ?? DEFAULTS.outputBufferLimit,
      1,
    ),
    maxLineLength: checkSize("maxLineLength", maxLineLength ?? DEFAULTS.maxLineLength, 1),
    closeTimeout: checkSeconds("closeTimeout", closeTimeout ?? DEFAULTS.closeTimeout),
  };
}

/** `maxlen` of xread: a byte count, or undefined for no bound. */
export function checkMaxlen(maxlen: unknown): number {
  if (maxlen === undefined) return Number.POSITIVE_INFINITY;
  return checkSize("maxlen", maxlen, 0);
}

/** The terminator of xread as a byte value, or -1 for none. */
export function checkTerminator(terminator: unknown): number {
  if (terminator === undefined) return -1;
  if (typeof terminator === "string" && terminator.length === 1 && terminator.charCodeAt(0) < 256) {
    return terminator.charCodeAt(0);
  }
  if (
    typeof terminator === "number" &&
    Number.isInteger(terminator) &&
    terminator >= 0 &&
    terminator < 256
  ) {
    return terminator;
  }
  throw invalid("terminator must be a one-character string (code < 256) or a byte value 0-255");
}
