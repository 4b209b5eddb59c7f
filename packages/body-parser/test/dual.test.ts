// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process, as when an app imports it
// and a dependency requires it. A BodyParserError of either copy is the
// other's BodyParserError, code and status kept, so that a server built on
// one copy answers the other's errors with their status. These run against
// the build (`pnpm --filter @moonbridge/body-parser build`; turbo's test task
// builds first); the checks are @moonbridge/test-kit's, the cases this package's.

import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
import type * as Package from "../src/index";

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));

describeErrorAcrossCopies(copies, "BodyParserError", {
  cases: [
    {
      what: "a bad limit's INVALID_OPTION",
      input: (copy) => copy.parseUrlencoded("a", { maxFields: -1 }),
      expected: { code: "INVALID_OPTION", status: 500 },
    },
    {
      what: "a form over a limit",
      input: (copy) => copy.parseUrlencoded("a&b", { maxFields: 1 }),
      expected: { code: "URLENCODED_TOO_MANY_FIELDS", status: 413 },
    },
  ],
  lookalikes: [
    Object.assign(new Error("x"), { code: "MULTIPART_MALFORMED", status: 400 }),
    { code: "INVALID_OPTION" },
  ],
  code: "MULTIPART_MALFORMED",
});
