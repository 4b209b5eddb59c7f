// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process; what must be one per
// process is one: the 'unhandledRejection' listener is installed once,
// whichever copies make handlers, and it fails the requests of either
// copy. Outside any request the process goes Node's own way. Each case runs
// test/fixtures/dual.mjs against the build in a child process (run
// `pnpm --filter @moonbridge/http build` first), but the last: an HttpError
// of either copy is the other's, checked here on both copies loaded in this
// process (making no handler, so no listener is installed), with the checks
// of @moonbridge/test-kit.
import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
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

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));

describeErrorAcrossCopies(copies, "HttpError", {
  cases: [
    {
      what: "a bad option's INVALID_OPTION",
      input: (copy) => copy.generateHandler(() => true, { idle_timeout: 5 } as never),
      expected: { code: "INVALID_OPTION" },
    },
  ],
  lookalikes: [Object.assign(new Error("x"), { code: "STATUS_ORDER" }), { code: "INVALID_OPTION" }],
  code: "STATUS_ORDER",
});
