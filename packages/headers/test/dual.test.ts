// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process, as when an app imports it
// and a dependency requires it. A HeadersError of either copy is the other's
// HeadersError (and still a TypeError), its code kept. These run against the
// build (`pnpm --filter @moonbridge/headers build`; turbo's test task builds
// first). The package is pure, so its tests have no Node types: the few Node
// names used here are typed by hand.

import { describe, expect, it } from "vitest";
import type * as Package from "../src/index";

type Copy = typeof Package;
const here = (import.meta as { url: string }).url;
const { createRequire } = (await import("node:module" as string)) as {
  createRequire(from: string): (id: string) => unknown;
};
const esm = (await import("../dist/index.js" as string)) as Copy;
const cjs = createRequire(here)("../dist/index.cjs") as Copy;
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
  expect(esm.HeadersError).not.toBe(cjs.HeadersError);
});

describe.each([
  ["esm", "cjs"],
  ["cjs", "esm"],
] as const)("an error of the %s copy, seen by the %s copy", (made, seeing) => {
  const maker = copies[made];
  const seer = copies[seeing];

  it("a bad raw list's error is its HeadersError, code kept, and a TypeError", () => {
    const error = caught(() => new maker.HeaderViews(["Host"]));
    expect(error).toBeInstanceOf(seer.HeadersError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error instanceof seer.HeadersError && error.code).toBe("HEADERS_INVALID_LIST");
  });

  it("other things are not HeadersErrors, whatever their code", () => {
    const lookalike = Object.assign(new TypeError("x"), { code: "HEADERS_INVALID_LIST" });
    for (const value of [lookalike, { code: "HEADERS_INVALID_LIST" }, null, undefined, "x", 1]) {
      expect(value instanceof seer.HeadersError).toBe(false);
    }
  });

  it("a subclass keeps its own instanceof", () => {
    class Sub extends maker.HeadersError {}
    expect(new Sub("HEADERS_INVALID_LIST", "x")).toBeInstanceOf(seer.HeadersError);
    expect(new Sub("HEADERS_INVALID_LIST", "x")).toBeInstanceOf(Sub);
    expect(new seer.HeadersError("HEADERS_INVALID_LIST", "x")).not.toBeInstanceOf(Sub);
  });
});
