// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process; what must be one per
// process is one: the 'unhandledRejection' listener is installed once,
// whichever copies make handlers, and it fails the requests of either
// copy. Outside any request the process goes Node's own way. Each case runs
// test/fixtures/dual.mjs against the build in a child process (run
// `pnpm --filter @moonbridge/http build` first), but the last: an HttpError
// of either copy is the other's, checked here on both copies loaded in this
// process (making no handler, so no listener is installed).
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type * as Package from "../src/index";
import { runChild } from "./helpers/run-child";

const directions = [
  { first: "esm", second: "cjs" },
  { first: "cjs", second: "esm" },
];

describe("the package loaded through import and require", () => {
  it.each(directions)(
    "installs one listener ($first first, then $second)",
    async ({ first, second }) => {
      const out = await runChild("dual.mjs", ["install", first, second]);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual({ before: 0, after: 1, installs: 1 });
    },
  );

  it.each(directions)(
    "routes a rejection to a request of the $second copy, the listener being the $first copy's",
    async ({ first, second }) => {
      const out = await runChild("dual.mjs", ["route", first, second]);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual({
        status: "HTTP/1.1 500 Internal Server Error",
        handler: `rejected: left by a callback of the ${second} copy`,
      });
    },
  );
});

describe("a rejection outside any request", () => {
  it("ends the process with the error printed, as Node does without a listener (both copies loaded)", async () => {
    const out = await runChild("dual.mjs", ["outside"]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("Error: left outside any request");
  });

  it("reported after its callback's request ended (answered in the same turn) goes Node's way too", async () => {
    const out = await runChild("dual.mjs", ["after-the-answer"]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("Error: left by a callback that answered at once");
  });

  it("is the application's when it has a listener of its own: the process lives on", async () => {
    const out = await runChild("dual.mjs", ["outside-app-listener"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("the app's listener: left outside any request\nsurvived\n");
  });
});

type Copy = typeof Package;
const esm = (await import(new URL("../dist/index.js", import.meta.url).href)) as Copy;
const cjs = createRequire(import.meta.url)("../dist/index.cjs") as Copy;
const copies = { esm, cjs } as const;

describe.each([
  ["esm", "cjs"],
  ["cjs", "esm"],
] as const)("an HttpError of the %s copy, seen by the %s copy", (made, seeing) => {
  const maker = copies[made];
  const seer = copies[seeing];

  it("is the two copies' class twice over", () => {
    expect(maker.HttpError).not.toBe(seer.HttpError);
  });

  it("a bad option's INVALID_OPTION is its HttpError, code kept", () => {
    let thrown: unknown;
    try {
      maker.generateHandler(() => true, { idle_timeout: 5 } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(seer.HttpError);
    expect(thrown instanceof seer.HttpError && thrown.code).toBe("INVALID_OPTION");
  });

  it("other things are not HttpErrors, whatever their code", () => {
    const lookalike = Object.assign(new Error("x"), { code: "STATUS_ORDER" });
    for (const value of [lookalike, { code: "INVALID_OPTION" }, null, undefined, "x", 1]) {
      expect(value instanceof seer.HttpError).toBe(false);
    }
  });

  it("a subclass keeps its own instanceof", () => {
    class Sub extends maker.HttpError {}
    expect(new Sub("STATUS_ORDER", "x")).toBeInstanceOf(seer.HttpError);
    expect(new Sub("STATUS_ORDER", "x")).toBeInstanceOf(Sub);
    expect(new seer.HttpError("STATUS_ORDER", "x")).not.toBeInstanceOf(Sub);
  });
});
