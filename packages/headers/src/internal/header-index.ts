// The one pass over a raw header list that every header view shares:
// lowercased name -> the values of its lines, in the order received.

import { HeadersError } from "../errors";
import { toLowerAscii } from "./ascii";

/** Lowercased header name -> values, one per line; names in order of first appearance. */
export type HeaderIndex = Map<string, string[]>;

/** Throws unless `raw` can be a flat `[name, value, ...]` list (checked in O(1)). */
export function assertRawList(raw: unknown): asserts raw is readonly string[] {
  if (!Array.isArray(raw) || raw.length % 2 !== 0) {
    throw new HeadersError(
      "HEADERS_INVALID_LIST",
      "raw headers must be a flat array [name, value, name, value, ...] of even length",
    );
  }
}

/** Indexes a flat raw header list by lowercased name. */
export function indexHeaders(raw: readonly string[]): HeaderIndex {
  const index: HeaderIndex = new Map();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (typeof name !== "string" || typeof value !== "string") {
      throw new HeadersError(
        "HEADERS_INVALID_LIST",
        `raw headers must hold only strings (entry ${typeof name !== "string" ? i : i + 1} does not)`,
      );
    }
    const key = toLowerAscii(name);
    const lines = index.get(key);
    if (lines === undefined) index.set(key, [value]);
    else lines.push(value);
  }
  return index;
}
