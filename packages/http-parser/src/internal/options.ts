// Checks RequestParserOptions once, when a parser is made, and fills in defaults.

import type { RequestParserOptions } from "../types";

export interface Limits {
  maxHeaderSize: number;
  maxBodySize: number;
  maxHeaderCount: number;
  maxChunkExtensionSize: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxHeaderSize: 80 * 1024,
  maxBodySize: Number.POSITIVE_INFINITY,
  maxHeaderCount: 100,
  maxChunkExtensionSize: 16 * 1024,
};

function positiveInteger(name: keyof Limits, value: unknown, allowInfinity: boolean): number {
  const ok =
    typeof value === "number" &&
    value >= 0 &&
    (Number.isSafeInteger(value) || (allowInfinity && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    throw new RangeError(
      `RequestParser option ${name} must be a non-negative integer${allowInfinity ? " or Infinity" : ""}, got ${String(value)}`,
    );
  }
  return value as number;
}

/** The limits a parser works with; throws a RangeError naming the first bad option. */
export function validateOptions(options: RequestParserOptions): Limits {
  if (options === null || typeof options !== "object") {
    throw new TypeError("RequestParser options must be an object");
  }
  const limits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const value = options[name];
    if (value !== undefined) limits[name] = positiveInteger(name, value, name === "maxBodySize");
  }
  if (limits.maxHeaderSize < 16) {
    throw new RangeError("RequestParser option maxHeaderSize must be at least 16 bytes");
  }
  return limits;
}
