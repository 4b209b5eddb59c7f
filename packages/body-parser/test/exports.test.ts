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
      "BodyParserError": "class",
      "BodyParserErrorCode": "type",
      "BoundaryOptions": "type",
      "ByteStreamLike": "type",
      "ERROR_STATUS": "object",
      "MimePartMeta": "type",
      "MultipartHandler": "type",
      "MultipartLimits": "type",
      "MultipartOptions": "type",
      "MultipartParser": "class",
      "MultipartPart": "type",
      "MultipartSource": "type",
      "PartMeta": "type",
      "UrlencodedLimits": "type",
      "firstValues": "function",
      "getBoundary": "function",
      "parseMultipart": "function",
      "parseUrlencoded": "function",
    }
  `);
});
