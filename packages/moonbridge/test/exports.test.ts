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
      "BoundAddress": "type",
      "CookieOptions": "type",
      "HeaderViews": "class",
      "HeadersError": "class",
      "HttpError": "class",
      "HttpOptions": "type",
      "HttpParserError": "class",
      "HttpRequest": "class",
      "ListenOptions": "type",
      "Listener": "type",
      "MoonListener": "class",
      "MoonSocket": "class",
      "MoonSocketError": "class",
      "MoonSocketOptions": "type",
      "MultipartParser": "class",
      "Pool": "class",
      "PoolStats": "type",
      "Request": "class",
      "RequestParser": "class",
      "SupervisorError": "class",
      "TimeoutError": "class",
      "fetchHandler": "function",
      "generateHandler": "function",
      "getBoundary": "function",
      "http": "object",
      "listen": "function",
      "parseCookies": "function",
      "parseUrlencoded": "function",
      "poll": "function",
      "resetTimeouts": "function",
      "serializeCookie": "function",
      "timeout": "function",
    }
  `);
});
