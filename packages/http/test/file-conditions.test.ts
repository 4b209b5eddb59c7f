// The pure parts of sendFile: byte ranges, conditional GETs and If-Range,
// against RFC 9110's rules (sections 13.1 and 14).

import { describe, expect, it } from "vitest";
import { byteRange, fileEtag, ifRangeHolds, notModified } from "../src/internal/file-conditions";

describe("byteRange", () => {
  it.each([
    ["bytes=0-0", { start: 0, end: 0 }],
    ["bytes=0-99", { start: 0, end: 99 }],
    ["bytes=10-", { start: 10, end: 99 }],
    ["bytes=-10", { start: 90, end: 99 }],
    ["bytes=-500", { start: 0, end: 99 }],
    ["bytes=90-500", { start: 90, end: 99 }],
    [" Bytes = 5 - 6 ", { start: 5, end: 6 }],
    ["bytes=100-", "unsatisfiable"],
    ["bytes=100-200", "unsatisfiable"],
    ["bytes=-0", "unsatisfiable"],
    ["bytes=5-4", undefined],
    ["bytes=-", undefined],
    ["bytes=0-1,3-4", undefined],
    ["items=0-1", undefined],
    ["bytes=a-b", undefined],
    [undefined, undefined],
  ] as const)("%s of 100 bytes: %j", (range, expected) => {
    expect(byteRange(range, 100)).toEqual(expected);
  });

  it("finds nothing to send in an empty file", () => {
    expect(byteRange("bytes=0-", 0)).toBe("unsatisfiable");
    expect(byteRange("bytes=-1", 0)).toBe("unsatisfiable");
  });
});

describe("conditions", () => {
  const etag = fileEtag(1_700_000_000_123, 4096);
  const validators = { etag, lastModified: 1_700_000_000 };
  const date = (seconds: number) => new Date(seconds * 1000).toUTCString();

  it("makes a strong ETag of the modification time and size", () => {
    expect(etag).toBe(`"${(1_700_000_000_123).toString(16)}-1000"`);
  });

  it("is not modified for a matching If-None-Match (weakly) or *, else by If-Modified-Since", () => {
    expect(notModified(etag, undefined, validators)).toBe(true);
    expect(notModified(`W/${etag}`, undefined, validators)).toBe(true);
    expect(notModified(`"a", ${etag}`, undefined, validators)).toBe(true);
    expect(notModified("*", undefined, validators)).toBe(true);
    expect(notModified('"a"', date(1_800_000_000), validators)).toBe(false);
    expect(notModified(undefined, date(1_700_000_000), validators)).toBe(true);
    expect(notModified(undefined, date(1_699_999_999), validators)).toBe(false);
    expect(notModified(undefined, "not a date", validators)).toBe(false);
    expect(notModified(undefined, undefined, validators)).toBe(false);
    expect(notModified(etag, undefined, { etag: undefined, lastModified: undefined })).toBe(false);
  });

  it("holds If-Range for the same strong ETag or the exact date only", () => {
    expect(ifRangeHolds(undefined, validators)).toBe(true);
    expect(ifRangeHolds(etag, validators)).toBe(true);
    expect(ifRangeHolds(`W/${etag}`, validators)).toBe(false);
    expect(ifRangeHolds('"other"', validators)).toBe(false);
    expect(ifRangeHolds(date(1_700_000_000), validators)).toBe(true);
    expect(ifRangeHolds(date(1_700_000_001), validators)).toBe(false);
  });
});
