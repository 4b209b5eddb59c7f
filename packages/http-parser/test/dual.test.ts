// The package loaded through import (dist/index.js) and through require
// (dist/index.cjs) is two copies in one process, as when an app imports it
// and a dependency requires it. An HttpParserError of either copy is the
// other's HttpParserError, code and status kept, so that a server built on
// one copy answers the other's errors with their status. These run against
// the build (`pnpm --filter @moonbridge/http-parser build`; turbo's test task
// builds first); the checks are @moonbridge/test-kit's, the cases this package's.

import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
import type * as Package from "../src/index";

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));
const handler = { onRequestHead: () => {} };

describeErrorAcrossCopies(copies, "HttpParserError", {
  cases: [
    {
      what: "a bad option's INVALID_OPTION",
      input: (copy) => new copy.RequestParser(handler, { maxHeaderSize: -1 }),
      expected: { code: "INVALID_OPTION", status: 500 },
    },
    {
      what: "a bad request's error",
      input: (copy) =>
        new copy.RequestParser(handler).execute(
          new TextEncoder().encode("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
        ),
      expected: { code: "HPE_INVALID_CONTENT_LENGTH", status: 400 },
    },
  ],
  lookalikes: [
    Object.assign(new Error("x"), { code: "HPE_INVALID_METHOD", status: 400 }),
    { code: "INVALID_OPTION" },
  ],
  code: "HPE_INVALID_URL",
});
