// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process, as when an app imports it
// and a dependency requires it. A BodyParserError of either copy is the
// other's BodyParserError, code and status kept, so that a server built on
// one copy answers the other's errors with their status. These run against
// the build (`pnpm --filter @moonbridge/body-parser build`; turbo's test task
// builds first).

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
  expect(esm.BodyParserError).not.toBe(cjs.BodyParserError);
});

describe.each([
  ["esm", "cjs"],
  ["cjs", "esm"],
] as const)("an error of the %s copy, seen by the %s copy", (made, seeing) => {
  const maker = copies[made];
  const seer = copies[seeing];

  it("a bad limit's INVALID_OPTION is its BodyParserError, code and status kept", () => {
    const error = caught(() => maker.parseUrlencoded("a", { maxFields: -1 }));
    expect(error).toBeInstanceOf(seer.BodyParserError);
    expect(error instanceof seer.BodyParserError && [error.code, error.status]).toEqual([
      "INVALID_OPTION",
      500,
    ]);
  });

  it("a form over a limit is its BodyParserError", () => {
    const error = caught(() => maker.parseUrlencoded("a&b", { maxFields: 1 }));
    expect(error).toBeInstanceOf(seer.BodyParserError);
    expect(error).toMatchObject({ code: "URLENCODED_TOO_MANY_FIELDS", status: 413 });
  });

  it("other things are not BodyParserErrors, whatever their code", () => {
    const lookalike = Object.assign(new Error("x"), { code: "MULTIPART_MALFORMED", status: 400 });
    for (const value of [lookalike, { code: "INVALID_OPTION" }, null, undefined, "x", 1]) {
      expect(value instanceof seer.BodyParserError).toBe(false);
    }
  });

  it("a subclass keeps its own instanceof", () => {
    class Sub extends maker.BodyParserError {}
    expect(new Sub("MULTIPART_MALFORMED", "x")).toBeInstanceOf(seer.BodyParserError);
    expect(new Sub("MULTIPART_MALFORMED", "x")).toBeInstanceOf(Sub);
    expect(new seer.BodyParserError("MULTIPART_MALFORMED", "x")).not.toBeInstanceOf(Sub);
  });
});
