// Checks UrlencodedLimits once per parse, before the first byte is read, and
// fills in defaults. A call without limits uses the frozen defaults as is.

import type { UrlencodedLimits } from "../types";

export const DEFAULT_URLENCODED_LIMITS: Readonly<Required<UrlencodedLimits>> = Object.freeze({
  maxFields: 1000,
  maxNameLength: 1024,
  maxValueLength: 1024 * 1024,
});

const NAMES = Object.keys(DEFAULT_URLENCODED_LIMITS) as (keyof UrlencodedLimits)[];

/** The limits to use; throws a RangeError naming the first option that is not a non-negative integer. */
export function validateUrlencodedLimits(
  limits: UrlencodedLimits | undefined,
): Readonly<Required<UrlencodedLimits>> {
  if (limits === undefined) return DEFAULT_URLENCODED_LIMITS;
  if (limits === null || typeof limits !== "object") {
    throw new TypeError("parseUrlencoded limits must be an object");
  }
  const result = { ...DEFAULT_URLENCODED_LIMITS };
  for (const name of NAMES) {
    const value = limits[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `parseUrlencoded limit ${name} must be a non-negative integer, got ${String(value)}`,
      );
    }
    result[name] = value;
  }
  return result;
}
