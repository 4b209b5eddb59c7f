// Pins the package's public surface as built (each export and its kind), so that changing it is
// deliberate: after such a change, run `pnpm build`, then `vitest run -u`, and review the diff.
// checkExports (@moonbridge/test-kit) registers the test that import and require give what the
// .d.ts declares as values, and returns the names and kinds snapshotted here.
import { checkExports } from "@moonbridge/test-kit";
import { expect, it } from "vitest";

const surface = await checkExports(new URL("../dist/", import.meta.url));

it("exports these names, of these kinds", () => {
  expect(surface).toMatchInlineSnapshot(`
    {
      "ERROR_STATUS": "object",
      "HttpParserError": "class",
      "HttpParserErrorCode": "type",
      "RequestHandler": "type",
      "RequestHead": "type",
      "RequestParser": "class",
      "RequestParserOptions": "type",
      "ResponseHandler": "type",
      "ResponseHead": "type",
      "ResponseParser": "class",
      "ResponseParserOptions": "type",
    }
  `);
});
