import { describe, expect, it } from "vitest";
import { dateLine } from "../src/internal/date-header";

/** The second a Date line names, as epoch milliseconds. */
function secondOf(line: string): number {
  const match = /^Date: (.+)\r\n$/.exec(line);
  expect(match).not.toBeNull();
  return Date.parse((match as RegExpExecArray)[1] as string);
}

describe("the Date header line", () => {
  it("names the current second in IMF-fixdate", () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const line = dateLine();
    const after = Math.floor(Date.now() / 1000) * 1000;
    expect(line).toMatch(
      /^Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n$/,
    );
    expect(secondOf(line)).toBeGreaterThanOrEqual(before);
    expect(secondOf(line)).toBeLessThanOrEqual(after);
  });

  it("is the same line within a second and moves on with the clock", async () => {
    const first = dateLine();
    // Wait until the wall clock is in a later second, then the line must name it.
    const next = (Math.floor(Date.now() / 1000) + 1) * 1000;
    while (Date.now() < next) await new Promise((resolve) => setTimeout(resolve, 20));
    const later = dateLine();
    expect(secondOf(later)).toBeGreaterThan(secondOf(first));
    expect(secondOf(later)).toBeLessThanOrEqual(Date.now());
    expect(dateLine()).toBe(dateLine());
  });
});
