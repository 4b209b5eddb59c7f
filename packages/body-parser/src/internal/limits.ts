// Checks MultipartLimits once, when a parser is made, and fills in defaults.

import type { MultipartLimits } from "../types";

export const DEFAULT_MULTIPART_LIMITS: Readonly<Required<MultipartLimits>> = {
  maxParts: 1000,
  maxPartHeaderSize: 16 * 1024,
  maxFieldSize: 1024 * 1024,
  maxFileSize: 1024 * 1024 * 1024,
  maxTotalSize: 1024 * 1024 * 1024,
};

/** The limits to use; throws a RangeError naming the first option that is not a non-negative integer. */
export function validateLimits(limits: MultipartLimits): Required<MultipartLimits> {
  if (limits === null || typeof limits !== "object") {
    throw new TypeError("MultipartParser limits must be an object");
  }
  const result = { ...DEFAULT_MULTIPART_LIMITS };
  for (const name of Object.keys(DEFAULT_MULTIPART_LIMITS) as (keyof MultipartLimits)[]) {
    const value = limits[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `MultipartParser limit ${name} must be a non-negative integer, got ${String(value)}`,
      );
    }
    result[name] = value;
  }
  return result;
}
