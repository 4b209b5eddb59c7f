// generateHandler()'s arguments: either order, every option checked once
// with a message naming it, and staticHeaders in each of its forms.

import { afterEach, describe, expect, it } from "vitest";
import { generateHandler, HttpError, type HttpOptions, type Request } from "../src/index";
import { resolveOptions } from "../src/options";
import { exchange } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

const ok = async (request: Request) => {
  request.sendStatus(200);
  await request.finish();
  return true;
};

describe("generateHandler options", () => {
  it("takes the options before or after the callback", () => {
    expect(typeof generateHandler(ok)).toBe("function");
    expect(typeof generateHandler(ok, { chunkSize: 1024 })).toBe("function");
    expect(typeof generateHandler({ chunkSize: 1024 }, ok)).toBe("function");
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ["requestHeaderSizeLimit", 0, /requestHeaderSizeLimit/],
    ["requestBodySizeLimit", 1.5, /requestBodySizeLimit/],
    ["chunkSize", "16k", /chunkSize/],
    ["maximumInputChunkSize", -1, /maximumInputChunkSize/],
    ["minimumOutputChunkSize", Number.NaN, /minimumOutputChunkSize/],
    ["idleTimeout", -1, /idleTimeout/],
    ["requestHeaderTimeout", Number.POSITIVE_INFINITY, /requestHeaderTimeout/],
    ["stallTimeout", "60", /stallTimeout/],
    ["responseTimeout", 1e12, /responseTimeout/],
    ["drainTimeout", null, /drainTimeout/],
    ["postFieldCountLimit", 0, /postFieldCountLimit must be a positive integer \(a count\)/],
    ["postFieldCountLimit", 2.5, /postFieldCountLimit/],
    ["postFieldNameSizeLimit", -1, /postFieldNameSizeLimit/],
    ["postFieldSizeLimit", Number.NaN, /postFieldSizeLimit/],
    ["postFileSizeLimit", "1M", /postFileSizeLimit/],
    ["postPartHeaderSizeLimit", Number.POSITIVE_INFINITY, /postPartHeaderSizeLimit/],
    ["staticHeaders", 42, /staticHeaders/],
    ["staticHeaders", ["X-Bad\r\nInjected: 1"], /staticHeaders/],
    ["staticHeaders", [["Content-Length", "1"]], /staticHeaders may not hold Content-Length/],
    ["statictHeaders", "X: y", /unknown option "statictHeaders"; did you mean staticHeaders\?$/],
    [
      "request_header_size_limit",
      1024,
      /unknown option "request_header_size_limit"; did you mean requestHeaderSizeLimit\?/,
    ],
    ["idle-timeout", 5, /unknown option "idle-timeout"; did you mean idleTimeout\?$/],
    ["IdleTimeout", 5, /unknown option "IdleTimeout"; did you mean idleTimeout\?$/],
    [
      "keepAlive",
      true,
      /unknown option "keepAlive"; known options: requestHeaderSizeLimit, requestBodySizeLimit, .*, parkHeaderAfter, trustProxy, proxyHeaders, accessLog, errorPage$/,
    ],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name}: ${JSON.stringify(value)} with HttpError INVALID_OPTION`, () => {
      let thrown: unknown;
      try {
        generateHandler(ok, { [name]: value } as HttpOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HttpError);
      expect((thrown as HttpError).code).toBe("INVALID_OPTION");
      expect((thrown as HttpError).message).toMatch(/^@moonbridge\/http: generateHandler\(\): /);
      expect((thrown as HttpError).message).toMatch(message);
    });
  }

  it.each([
    ["requestHeaderSizeLimit", 0, "must be a positive integer (bytes), got 0"],
    ["postFieldCountLimit", "10", 'must be a positive integer (a count), got "10"'],
    ["idleTimeout", null, "must be a number of seconds from 0 (disabled) to 2147483, got null"],
    ["parking", "yes", 'must be true or false, got "yes"'],
    ["staticHeaders", 42, "must be a string, a list of lines or pairs, or an object, got 42"],
  ])("a bad %s (%s) is named with what it takes and what it got", (name, value, message) => {
    expect(() => generateHandler(ok, { [name]: value } as HttpOptions)).toThrow(
      `@moonbridge/http: generateHandler(): ${name} ${message}`,
    );
  });

  it("fills in the README's defaults; chunkSize is the default of both chunk sizes, requestBodySizeLimit of postFileSizeLimit", () => {
    const { errorPages, ...resolved } = resolveOptions(undefined);
    // Without errorPage, the short text (error-page.test.ts has the pages).
    expect(errorPages.body(404).toString()).toBe("404 Not Found\n");
    expect(resolved).toEqual({
      requestHeaderSizeLimit: 81920,
      requestBodySizeLimit: 64 * 1024 * 1024,
      parserLimits: {
        maxHeaderSize: 81920,
        maxBodySize: 64 * 1024 * 1024,
        maxHeaderCount: 100,
        maxChunkExtensionSize: 16384,
      },
      urlencodedLimits: { maxFields: 1000, maxNameLength: 1024, maxValueLength: 1024 * 1024 },
      multipartLimits: {
        maxParts: 1000,
        maxPartHeaderSize: 16384,
        maxFieldSize: 1024 * 1024,
        maxFileSize: 64 * 1024 * 1024,
        maxTotalSize: 64 * 1024 * 1024,
      },
      maximumInputChunkSize: 16384,
      minimumOutputChunkSize: 16384,
      staticHeaders: "",
      staticDate: false,
      idleTimeout: 65,
      requestHeaderTimeout: 120,
      stallTimeout: 60,
      responseTimeout: 3600,
      drainTimeout: 2,
      parking: true,
      parkAfter: Number.POSITIVE_INFINITY,
      parkHeaderAfter: Number.POSITIVE_INFINITY,
      trustProxy: undefined,
      proxyHeaders: "x-forwarded",
      accessLog: undefined,
      requestHeaderCountLimit: 100,
      chunkExtensionSizeLimit: 16384,
      serveHalfClosed: false,
    });
    expect(resolveOptions({ chunkSize: 1000, minimumOutputChunkSize: 50 })).toMatchObject({
      maximumInputChunkSize: 1000,
      minimumOutputChunkSize: 50,
    });
    // postFileSizeLimit follows requestBodySizeLimit unless set; the field limits apply to both form types.
    expect(
      resolveOptions({ requestBodySizeLimit: 5000, postFieldCountLimit: 7, postFieldSizeLimit: 9 }),
    ).toMatchObject({
      urlencodedLimits: { maxFields: 7, maxValueLength: 9 },
      multipartLimits: { maxParts: 7, maxFieldSize: 9, maxFileSize: 5000, maxTotalSize: 5000 },
    });
  });

  it("needs a callback", () => {
    expect(() => generateHandler({} as never, {} as never)).toThrow(/callback/);
  });
});

describe("staticHeaders", () => {
  const forms: Array<[string, NonNullable<HttpOptions["staticHeaders"]>]> = [
    ["a string of lines", "Server: moon\r\nX-Frame-Options: DENY\r\n"],
    ["a list of lines", ["Server: moon", "X-Frame-Options: DENY"]],
    [
      "a list of pairs",
      [
        ["Server", "moon"],
        ["X-Frame-Options", "DENY"],
      ],
    ],
    ["an object", { Server: "moon", "X-Frame-Options": "DENY" }],
  ];
  for (const [what, staticHeaders] of forms) {
    it(`as ${what}, on every response, error responses too`, async () => {
      const { port } = await startServer(ok, { staticHeaders });
      for (const request of ["GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\n\r\n"]) {
        const response = await exchange(port, request);
        expect(response.headers.server).toEqual(["moon"]);
        expect(response.headers["x-frame-options"]).toEqual(["DENY"]);
      }
    });
  }

  it("a static Date replaces the server's", async () => {
    const { port } = await startServer(ok, {
      staticHeaders: { Date: "Thu, 01 Jan 1970 00:00:00 GMT" },
    });
    const response = await exchange(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(response.headers.date).toEqual(["Thu, 01 Jan 1970 00:00:00 GMT"]);
  });
});
