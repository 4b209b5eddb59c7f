// timeout() in this process: remaining time, sub-timer results and errors,
// argument checks. Every timer here is long and disarmed after each test, so
// none can fire on the test runner.
import { afterEach, describe, expect, it } from "vitest";
import { lastReply, lastWords, resetTimeouts, TimeoutError, timeout } from "../src/index";

afterEach(() => resetTimeouts());

describe("timeout()", () => {
  it("is 0 with nothing armed", () => {
    expect(timeout()).toBe(0);
  });

  it("counts down the armed timer; timeout(0) disarms it", () => {
    timeout(60);
    const left = timeout();
    expect(left).toBeGreaterThan(59);
    expect(left).toBeLessThanOrEqual(60);
    timeout(0);
    expect(timeout()).toBe(0);
  });

  it("reports the earliest of timer and sub-timers", () => {
    timeout(60);
    const inner = timeout(30, () => timeout());
    expect(inner).toBeGreaterThan(29);
    expect(inner).toBeLessThanOrEqual(30);
    expect(timeout()).toBeGreaterThan(59);
  });

  it("is 0 again once a sub-timer's function returns", () => {
    expect(timeout(30, () => "done")).toBe("done");
    expect(timeout()).toBe(0);
  });

  it("removes a sub-timer when its function throws", () => {
    expect(() =>
      timeout(30, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(timeout()).toBe(0);
  });

  it("resolves to an async function's result and then removes the sub-timer", async () => {
    const pending = timeout(30, async () => {
      expect(timeout()).toBeGreaterThan(29);
      return 42;
    });
    expect(timeout()).toBeGreaterThan(29);
    await expect(pending).resolves.toBe(42);
    expect(timeout()).toBe(0);
  });

  it("rejects with an async function's error and removes the sub-timer", async () => {
    await expect(timeout(30, async () => Promise.reject(new Error("late")))).rejects.toThrow(
      "late",
    );
    expect(timeout()).toBe(0);
  });

  it("runs a function with seconds 0 without a sub-timer", () => {
    expect(timeout(0, () => timeout())).toBe(0);
  });

  it("is disarmed entirely by resetTimeouts()", () => {
    timeout(60);
    timeout(30, () => {
      resetTimeouts();
      expect(timeout()).toBe(0);
    });
    expect(timeout()).toBe(0);
  });

  it.each([
    [-1, "-1"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
    ["1", '"1"'],
    [null, "null"],
  ])("rejects seconds %s: TimeoutError INVALID_ARGUMENT, no timer changed", (seconds, shown) => {
    timeout(60);
    const error = caught(() => timeout(seconds as number));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: `@moonbridge/timeout: timeout(): seconds must be a finite number >= 0, got ${shown}`,
    });
    expect(caught(() => timeout(seconds as number, () => 1))).toBeInstanceOf(TimeoutError);
    expect(timeout()).toBeGreaterThan(59);
  });

  it("rejects a second argument that is not a function: TimeoutError INVALID_ARGUMENT, no timer armed", () => {
    const error = caught(() => timeout(1, "x" as unknown as () => void));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: '@moonbridge/timeout: timeout(): fn must be a function, got "x"',
    });
    expect(timeout()).toBe(0);
  });
});

describe("lastWords()", () => {
  it("gives every caller the same 16 shared bytes", () => {
    const words = lastWords(2);
    expect(words.length).toBe(16);
    expect(words.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(lastWords(2)).toBe(words);
  });

  it.each([
    [-1, "-1"],
    [1.5, "1.5"],
    ["3", '"3"'],
    [Number.NaN, "NaN"],
  ])("rejects the file descriptor %s: TimeoutError INVALID_ARGUMENT", (fd, shown) => {
    const error = caught(() => lastWords(fd as number));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: `@moonbridge/timeout: lastWords(): fd must be an integer >= 0, got ${shown}`,
    });
  });
});

describe("lastReply()", () => {
  it.each([
    [-1, new Uint8Array(1), "fd must be an integer >= 0, got -1"],
    ["3", new Uint8Array(1), 'fd must be an integer >= 0, got "3"'],
    [3, "text", 'bytes must be a Uint8Array of 1 to 16384 bytes, got "text"'],
    [3, new Uint8Array(0), "bytes must be a Uint8Array of 1 to 16384 bytes, got 0 bytes"],
    [3, new Uint8Array(16385), "bytes must be a Uint8Array of 1 to 16384 bytes, got 16385 bytes"],
  ])("rejects fd %s with bytes %s: TimeoutError INVALID_ARGUMENT", (fd, bytes, message) => {
    const error = caught(() => lastReply(fd as number, bytes as Uint8Array));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: `@moonbridge/timeout: lastReply(): ${message}`,
    });
  });

  it("takes a reply of 16384 bytes, and is withdrawn without arguments", () => {
    expect(() => lastReply(3, new Uint8Array(16384))).not.toThrow();
    expect(() => lastReply()).not.toThrow();
  });
});

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
