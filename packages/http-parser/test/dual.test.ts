// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process, as when an app imports it
// and a dependency requires it. An HttpParserError of either copy is the
// other's HttpParserError, code and status kept, so that a server built on
// one copy answers the other's errors with their status. These run against
// the build (`pnpm --filter @moonbridge/http-parser build`; turbo's test task
// builds first).

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type * as Package from "../src/index";

type Copy = typeof Package;
const esm = (await import(new URL("../dist/index.js", import.meta.url).href)) as Copy;
const cjs = createRequire(import.meta.url)("../dist/index.cjs") as Copy;
const copies = { esm, cjs } as const;
const handler = { onRequestHead: () => {} };

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

it("the build is loaded twice: two copies of the class", () => {
  expect(esm.HttpParserError).not.toBe(cjs.HttpParserError);
});

describe.each([
  ["esm", "cjs"],
  ["cjs", "esm"],
] as const)("an error of the %s copy, seen by the %s copy", (made, seeing) => {
  const maker = copies[made];
  const seer = copies[seeing];

  it("a bad option's INVALID_OPTION is its HttpParserError, code and status kept", () => {
    const error = caught(() => new maker.RequestParser(handler, { maxHeaderSize: -1 }));
    expect(error).toBeInstanceOf(seer.HttpParserError);
    expect(error instanceof seer.HttpParserError && [error.code, error.status]).toEqual([
      "INVALID_OPTION",
      500,
    ]);
  });

  it("a bad request's error is its HttpParserError", () => {
    const parser = new maker.RequestParser(handler);
    const error = caught(() =>
      parser.execute(new TextEncoder().encode("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")),
    );
    expect(error).toBeInstanceOf(seer.HttpParserError);
    expect(error).toMatchObject({ code: "HPE_INVALID_CONTENT_LENGTH", status: 400 });
  });

  it("other things are not HttpParserErrors, whatever their code", () => {
    const lookalike = Object.assign(new Error("x"), { code: "HPE_INVALID_METHOD", status: 400 });
    for (const value of [lookalike, { code: "INVALID_OPTION" }, null, undefined, "x", 1]) {
      expect(value instanceof seer.HttpParserError).toBe(false);
    }
  });

  it("a subclass keeps its own instanceof", () => {
    class Sub extends maker.HttpParserError {}
    expect(new Sub("HPE_INVALID_URL", "x")).toBeInstanceOf(seer.HttpParserError);
    expect(new Sub("HPE_INVALID_URL", "x")).toBeInstanceOf(Sub);
    expect(new seer.HttpParserError("HPE_INVALID_URL", "x")).not.toBeInstanceOf(Sub);
  });
});
