// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process (see dual.test.ts for their
// shared timers). A TimeoutError of either copy is the other's TimeoutError,
// its code kept. These run against the build (`pnpm --filter
// @moonbridge/timeout build`; turbo's test task builds first); the checks are
// @moonbridge/test-kit's, the cases this package's. Nothing here arms a
// timer: each call fails its argument check first, which the last test checks.

import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
import { expect, it } from "vitest";
import type * as Package from "../src/index";

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));

describeErrorAcrossCopies(copies, "TimeoutError", {
  cases: [
    {
      what: "a negative time's INVALID_ARGUMENT",
      input: (copy) => copy.timeout(-1),
      expected: { code: "INVALID_ARGUMENT" },
    },
    {
      what: "a callback that is no function's INVALID_ARGUMENT",
      input: (copy) => copy.timeout(1, 5 as never),
      expected: { code: "INVALID_ARGUMENT" },
    },
  ],
  lookalikes: [
    Object.assign(new RangeError("x"), { code: "INVALID_ARGUMENT" }),
    { code: "INVALID_ARGUMENT" },
  ],
  code: "INVALID_ARGUMENT",
});

it.each(["esm", "cjs"] as const)("the bad arguments armed no timer (%s copy)", (copy) => {
  expect(copies[copy].timeout()).toBe(0);
});
