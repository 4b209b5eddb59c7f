// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process, as when an app imports it
// and a dependency requires it. A HeadersError of either copy is the other's
// HeadersError (and still a TypeError), its code kept. These run against the
// build (`pnpm --filter @moonbridge/headers build`; turbo's test task builds
// first); the checks are @moonbridge/test-kit's, the cases this package's.

import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
import type * as Package from "../src/index";

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));

describeErrorAcrossCopies(copies, "HeadersError", {
  cases: [
    {
      what: "a bad raw list's error",
      input: (copy) => new copy.HeaderViews(["Host"]),
      expected: { code: "HEADERS_INVALID_LIST" },
      alsoInstanceOf: TypeError,
    },
    {
      what: "a bad cookie's error",
      input: (copy) => copy.serializeCookie("a b", "v"),
      expected: { code: "INVALID_ARGUMENT" },
      alsoInstanceOf: TypeError,
    },
  ],
  lookalikes: [
    Object.assign(new TypeError("x"), { code: "HEADERS_INVALID_LIST" }),
    { code: "HEADERS_INVALID_LIST" },
  ],
  code: "HEADERS_INVALID_LIST",
});
