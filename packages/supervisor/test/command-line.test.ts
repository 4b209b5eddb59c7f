// The pool sizes and worker recycling of the moonbridge command line
// (--min-fork, --max-fork, --max-requests, --max-requests-jitter, in the
// supervisor's environment) over the application's options.

import { describe, expect, it } from "vitest";
import { withCommandLine } from "../src/internal/command-line";
import { resolveOptions } from "../src/options";

const app = { listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }], connect: () => true };

function sizes(options: object, env: Record<string, string>) {
  const { preFork, minFork, maxFork } = resolveOptions(withCommandLine(options, env));
  return { preFork, minFork, maxFork };
}

describe("the command line's pool sizes", () => {
  it("leave the options as they are when none is given", () => {
    const options = { ...app, minFork: 4 };
    expect(withCommandLine(options, {})).toBe(options);
  });

  it("override the application's, moving the other bound as far as it must", () => {
    expect(sizes({ ...app, minFork: 4, maxFork: 8 }, { MOONBRIDGE_MIN_FORK: "6" })).toEqual({
      preFork: 1,
      minFork: 6,
      maxFork: 8,
    });
    expect(sizes({ ...app, minFork: 4, maxFork: 8 }, { MOONBRIDGE_MIN_FORK: "12" })).toEqual({
      preFork: 1,
      minFork: 12,
      maxFork: 12,
    });
    expect(sizes({ ...app, preFork: 4, minFork: 6 }, { MOONBRIDGE_MAX_FORK: "3" })).toEqual({
      preFork: 3,
      minFork: 3,
      maxFork: 3,
    });
    expect(sizes(app, { MOONBRIDGE_MAX_FORK: "1" })).toEqual({
      preFork: 1,
      minFork: 1,
      maxFork: 1,
    });
    expect(sizes(app, { MOONBRIDGE_MIN_FORK: "2", MOONBRIDGE_MAX_FORK: "5" })).toEqual({
      preFork: 1,
      minFork: 2,
      maxFork: 5,
    });
  });
});

describe("the command line's worker recycling", () => {
  it("overrides the application's maxRequests and maxRequestsJitter, 0 included", () => {
    const recycling = (options: object, env: Record<string, string>) => {
      const { maxRequests, maxRequestsJitter } = resolveOptions(withCommandLine(options, env));
      return { maxRequests, maxRequestsJitter };
    };
    const options = { ...app, maxRequests: 100, maxRequestsJitter: 10 };
    expect(recycling(options, { MOONBRIDGE_MAX_REQUESTS: "500" })).toEqual({
      maxRequests: 500,
      maxRequestsJitter: 10,
    });
    expect(
      recycling(options, { MOONBRIDGE_MAX_REQUESTS: "0", MOONBRIDGE_MAX_REQUESTS_JITTER: "0" }),
    ).toEqual({ maxRequests: 0, maxRequestsJitter: 0 });
    expect(recycling(app, {})).toEqual({ maxRequests: 0, maxRequestsJitter: 0 });
  });
});
