// Table-driven MultipartParser cases for the newer test files: each case runs
// whole, at every split offset and one byte at a time, and all must give the
// same parts (data joined) and the same error. (test/multipart.test.ts has
// its own copy of this loop, from before MultipartParser took options.)
import { expect, it } from "vitest";
import type { MultipartLimits, MultipartOptions } from "../../src/index";
import {
  type CollectedPart,
  type MultipartResult,
  parseMultipart,
  standardSplits,
} from "./collect";

export interface Case {
  what: string;
  input: string;
  boundary: string;
  limits?: MultipartLimits;
  multipart?: MultipartOptions;
  expected: { parts?: Partial<CollectedPart>[]; error?: MultipartResult["error"] };
}

export function runCases(cases: Case[]): void {
  it.each(cases)("$what", ({ input, boundary, limits, multipart, expected }) => {
    const whole = parseMultipart(input, boundary, { limits, multipart });
    expect(whole.error).toEqual(expected.error);
    expect(whole.parts.length).toBe(expected.parts?.length ?? 0);
    whole.parts.forEach((p, k) => {
      expect(p).toMatchObject(expected.parts?.[k] ?? {});
    });
    for (const cuts of standardSplits(input.length)) {
      expect(
        parseMultipart(input, boundary, { cuts, limits, multipart }),
        `cuts ${cuts.slice(0, 3)}`,
      ).toEqual(whole);
    }
  });
}

export const ok = (...parts: Partial<CollectedPart>[]) => ({ parts });
export const err = (code: string, status: number, ...parts: Partial<CollectedPart>[]) => ({
  parts,
  error: { code, status },
});
