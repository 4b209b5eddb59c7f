// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process (see dual.test.ts for their
// shared timers). A TimeoutError of either copy is the other's TimeoutError,
// its code kept. These run against the build (`pnpm --filter
// @moonbridge/timeout build`; turbo's test task builds first). Nothing here
// arms a timer: each call fails its argument check first.

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type * as Package from "../src/index";

type Copy = typeof Package;
const esm = (await import(new URL("../dist/index.js", import.meta.url).href)) as Copy;
const cjs = createRequire(import.meta.url)("../dist/index.cjs") as Copy;
const copies = { esm, cjs } as const;

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

it("the build is loaded twice: two copies of the class", () => {
  expect(esm.TimeoutError).not.toBe(cjs.TimeoutError);
});

describe.each([
  ["esm", "cjs"],
  ["cjs", "esm"],
] as const)("an error of the %s copy, seen by the %s copy", (made, seeing) => {
  const maker = copies[made];
  const seer = copies[seeing];

  it("a bad argument's INVALID_ARGUMENT is its TimeoutError, code kept", () => {
    for (const run of [() => maker.timeout(-1), () => maker.timeout(1, 5 as never)]) {
      const error = caught(run);
      expect(error).toBeInstanceOf(seer.TimeoutError);
      expect(error instanceof seer.TimeoutError && error.code).toBe("INVALID_ARGUMENT");
    }
    expect(maker.timeout()).toBe(0);
  });

  it("other things are not TimeoutErrors, whatever their code", () => {
    const lookalike = Object.assign(new RangeError("x"), { code: "INVALID_ARGUMENT" });
    for (const value of [lookalike, { code: "INVALID_ARGUMENT" }, null, undefined, "x", 1]) {
      expect(value instanceof seer.TimeoutError).toBe(false);
    }
  });

  it("a subclass keeps its own instanceof", () => {
    class Sub extends maker.TimeoutError {}
    expect(new Sub("INVALID_ARGUMENT", "x")).toBeInstanceOf(seer.TimeoutError);
    expect(new Sub("INVALID_ARGUMENT", "x")).toBeInstanceOf(Sub);
    expect(new seer.TimeoutError("INVALID_ARGUMENT", "x")).not.toBeInstanceOf(Sub);
  });
});
