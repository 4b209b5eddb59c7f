// The pure packages in a real browser: Debian's Chromium (headless, driven by
// playwright-core) loads the ESM builds of @moonbridge/headers,
// @moonbridge/http-parser and @moonbridge/body-parser (packages/*/dist/index.js)
// as native modules, by their package names through an import map, with no
// bundler and no polyfills, and parses a request, forms and a header set in
// the page. This is what the packages' READMEs point to when they say they run
// in browsers. The files come from a node:http server on 127.0.0.1 (modules
// need http, not file://); everything the test starts, it stops.

import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./helpers/chromium";

const PACKAGES = join(import.meta.dirname, "..", "..", "..", "packages");
/** Package name -> its folder under packages/: the packages with no Node imports. */
const PURE = {
  "@moonbridge/headers": "headers",
  "@moonbridge/http-parser": "http-parser",
  "@moonbridge/body-parser": "body-parser",
};

const missing = chromiumMissing(import.meta.filename);

// The page's module, plain JavaScript run by Chromium as it is (vitest never
// transforms it): every parse returns plain data, compared below in Node.
const PAGE_SCRIPT = String.raw`
import { HeaderViews, HeadersError } from "@moonbridge/headers";
import { HttpParserError, RequestParser } from "@moonbridge/http-parser";
import {
  BodyParserError,
  firstValues,
  getBoundary,
  MultipartParser,
  parseUrlencoded,
} from "@moonbridge/body-parser";

const encode = (text) => new TextEncoder().encode(text);
/** The error run() throws: its name, code and status, and whether it is a Class. */
const failure = (run, Class) => {
  try {
    run();
    return "no error";
  } catch (error) {
    const { name, code, status } = error;
    return { name, code, status, instance: error instanceof Class };
  }
};
/** A view's names and values, as entries (an own __proto__ key would not survive the trip). */
const entries = (view) => Object.keys(view).map((name) => [name, view[name]]);
/** The offsets at which feeding the input in two pieces gives another result. */
const splitsDiffering = (bytes, parse) => {
  const whole = JSON.stringify(parse([bytes]));
  const differing = [];
  for (let i = 0; i <= bytes.length; i++) {
    if (JSON.stringify(parse([bytes.subarray(0, i), bytes.subarray(i)])) !== whole) differing.push(i);
  }
  return differing;
};

function parseRequests(pieces) {
  const requests = [];
  const parser = new RequestParser({
    onRequestHead: (head) => requests.push({ ...head, body: [], trailers: [], complete: false }),
    onBody: (chunk) => requests.at(-1).body.push(...chunk),
    onTrailers: (trailers) => { requests.at(-1).trailers = trailers; },
    onRequestComplete: () => { requests.at(-1).complete = true; },
  });
  const consumed = pieces.map((piece) => parser.execute(piece));
  parser.finish();
  return { requests, consumed };
}

// A chunked POST with a trailer, an obs-text byte (0xE9, latin1) and a value
// long enough for the TextDecoder path, pipelined with an HTTP/1.0 GET.
const requestBytes = new Uint8Array([
  ...encode(
    "POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n" +
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nX-Name: caf",
  ),
  0xe9,
  ...encode("\r\n\r\n5\r\nhello\r\n3;ext=1\r\n, w\r\n0\r\nX-Check: 1\r\n\r\n"),
  ...encode("GET /next HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
]);

function parseForm(pieces, boundary) {
  const parts = [];
  const parser = new MultipartParser(boundary, {
    onPart: (meta) => parts.push({ ...meta, data: [] }),
    onData: (chunk) => parts.at(-1).data.push(...chunk),
    onPartEnd: () => { parts.at(-1).ended = true; },
  });
  for (const piece of pieces) parser.write(piece);
  parser.end();
  return parts;
}

const contentType = 'multipart/form-data; boundary="----moon bridge"';
const boundary = getBoundary(contentType);
// Every byte value, so that nothing is decoded or lost on the way.
const fileBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const formBytes = new Uint8Array([
  ...encode(
    "preamble\r\n------moon bridge\r\n" +
      'Content-Disposition: form-data; name="comment"\r\n\r\n' +
      "caf\u00e9 & <b>\r\n" +
      "------moon bridge\r\n" +
      "Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"; filename*=UTF-8''%E2%82%AC.bin\r\n" +
      "Content-Type: application/octet-stream\r\n\r\n",
  ),
  ...fileBytes,
  ...encode("\r\n------moon bridge--\r\nepilogue"),
]);

const urlencoded = parseUrlencoded("a=1&b=x+y&a=%E2%82%AC&flag&__proto__=p&bad=%zz");
const urlencodedBytes = parseUrlencoded(encode("name=caf%C3%A9&name=%F0%9F%8C%99"));

const views = new HeaderViews([
  "Host", "example.com",
  "Accept", "text/html, application/json",
  "accept", "image/png",
  "Connection", "Keep-Alive, Upgrade",
  "X-List", 'a, "b, c", , d',
  "User-Agent", "Mozilla/5.0 (X11; Linux), like Gecko",
  "Cookie", 'sid=abc; theme="dark"; note=caf%C3%A9; __proto__=x; sid=second',
  "__proto__", "header",
]);

window.results = {
  userAgent: navigator.userAgent,
  request: {
    ...parseRequests([requestBytes]),
    length: requestBytes.length,
    // Split anywhere: the same requests, and every byte consumed.
    splitsDiffering: splitsDiffering(requestBytes, (pieces) => {
      const { requests, consumed } = parseRequests(pieces);
      return [requests, consumed.reduce((sum, n) => sum + n, 0)];
    }),
    badContentLength: failure(
      () =>
        new RequestParser({ onRequestHead() {} }).execute(
          encode("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n"),
        ),
      HttpParserError,
    ),
  },
  form: {
    urlencoded: [...urlencoded],
    firstValues: [...firstValues(urlencoded)],
    urlencodedBytes: [...urlencodedBytes],
    boundary,
    multipart: parseForm([formBytes], boundary),
    splitsDiffering: splitsDiffering(formBytes, (pieces) => parseForm(pieces, boundary)),
    truncated: failure(() => parseForm([formBytes.subarray(0, 100)], boundary), BodyParserError),
    notFormData: failure(() => getBoundary("text/plain"), BodyParserError),
  },
  headers: {
    accept: views.headers.ACCEPT,
    acceptCsv: views.headersCsvString.accept,
    acceptTable: views.headersCsvTable.Accept,
    list: views.headersCsvTable["x-list"],
    keepAlive: views.headersFlags.connection["keep-alive"],
    close: views.headersFlags.connection.close,
    value: [views.headersValue.host, views.headersValue.accept, views.headersValue["content-type"]],
    proto: views.headers.__proto__,
    names: Object.keys(views.headersValue),
    cookies: entries(views.cookies),
    spreadCookies: entries({ ...views.cookies }),
    frozen: failure(() => { views.headers.host = ["evil"]; }, TypeError),
    badList: failure(() => new HeaderViews(["odd"]), HeadersError),
  },
};
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pure packages</title><link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({
  imports: Object.fromEntries(
    Object.entries(PURE).map(([name, dir]) => [name, `/packages/${dir}/dist/index.js`]),
  ),
})}</script>
<script type="module" src="/page.js"></script>
</head><body></body></html>`;

/** Serves the page, its module, and the pure packages' dist/index.js only. */
function serve(): Promise<Server> {
  const files = new Map<string, [string, string | Buffer]>([
    ["/", ["text/html; charset=utf-8", PAGE]],
    ["/page.js", ["text/javascript; charset=utf-8", PAGE_SCRIPT]],
  ]);
  for (const dir of Object.values(PURE)) {
    const file = join(PACKAGES, dir, "dist", "index.js");
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`);
    files.set(`/packages/${dir}/dist/index.js`, [
      "text/javascript; charset=utf-8",
      readFileSync(file),
    ]);
  }
  const server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" }).end(file[1]);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

describe.skipIf(missing !== undefined)("the pure packages' ESM builds in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: the page's results, checked field by field
  let results: any;

  beforeAll(async () => {
    server = await serve();
    const { port } = server.address() as AddressInfo;
    browser = await launchChromium();
    page = await browser.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("response", (response) => {
      if (response.status() !== 200) problems.push(`${response.status()} ${response.url()}`);
    });
    // Module scripts run before the load event, which goto waits for.
    await page.goto(`http://127.0.0.1:${port}/`);
    results = await page.evaluate("window.results");
    if (results === undefined) throw new Error(`the page gave no results: ${problems.join("; ")}`);
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    }
  });

  it("loads the three modules by package name, with no error and no failed request", () => {
    expect(problems).toEqual([]);
    expect(results.userAgent).toContain("HeadlessChrome");
  });

  it("parses pipelined requests with @moonbridge/http-parser's RequestParser", () => {
    const { requests, consumed, length, splitsDiffering } = results.request;
    expect(consumed).toEqual([length]);
    expect(requests).toEqual([
      {
        method: "POST",
        target: "/upload?x=1",
        versionMinor: 1,
        headers: [
          "Host",
          "example.com",
          "Transfer-Encoding",
          "chunked",
          "User-Agent",
          "Mozilla/5.0 (X11; Linux x86_64)",
          "X-Name",
          "caf\u00e9",
        ],
        chunked: true,
        keepAlive: true,
        upgrade: false,
        expectContinue: false,
        body: [...Buffer.from("hello, w")],
        trailers: ["X-Check", "1"],
        complete: true,
      },
      {
        method: "GET",
        target: "/next",
        versionMinor: 0,
        headers: ["Connection", "keep-alive"],
        chunked: false,
        keepAlive: true,
        upgrade: false,
        expectContinue: false,
        body: [],
        trailers: [],
        complete: true,
      },
    ]);
    expect(splitsDiffering).toEqual([]);
    expect(results.request.badContentLength).toEqual({
      name: "HttpParserError",
      code: "HPE_INVALID_CONTENT_LENGTH",
      status: 400,
      instance: true,
    });
  });

  it("parses urlencoded and multipart forms with @moonbridge/body-parser", () => {
    const { form } = results;
    expect(form.urlencoded).toEqual([
      ["a", ["1", "\u20ac"]],
      ["b", ["x y"]],
      ["flag", [""]],
      ["__proto__", ["p"]],
      ["bad", ["%zz"]],
    ]);
    expect(form.firstValues).toEqual([
      ["a", "1"],
      ["b", "x y"],
      ["flag", ""],
      ["__proto__", "p"],
      ["bad", "%zz"],
    ]);
    expect(form.urlencodedBytes).toEqual([["name", ["caf\u00e9", "\u{1f319}"]]]);
    expect(form.boundary).toBe("----moon bridge");
    expect(form.multipart).toEqual([
      {
        fieldName: "comment",
        fileName: undefined,
        contentType: undefined,
        headers: ["Content-Disposition", 'form-data; name="comment"'],
        data: [...Buffer.from("caf\u00e9 & <b>")],
        ended: true,
      },
      {
        fieldName: "file",
        fileName: "\u20ac.bin",
        contentType: "application/octet-stream",
        headers: [
          "Content-Disposition",
          'form-data; name="file"; filename="a.bin"; filename*=UTF-8\'\'%E2%82%AC.bin',
          "Content-Type",
          "application/octet-stream",
        ],
        data: Array.from({ length: 256 }, (_, i) => i),
        ended: true,
      },
    ]);
    expect(form.splitsDiffering).toEqual([]);
    expect(form.truncated).toEqual({
      name: "BodyParserError",
      code: "MULTIPART_TRUNCATED",
      status: 400,
      instance: true,
    });
    expect(form.notFormData).toEqual({
      name: "BodyParserError",
      code: "MULTIPART_NOT_FORM_DATA",
      status: 415,
      instance: true,
    });
  });

  it("reads a header set with @moonbridge/headers' HeaderViews", () => {
    const { headers } = results;
    expect(headers.accept).toEqual(["text/html, application/json", "image/png"]);
    expect(headers.acceptCsv).toBe("text/html, application/json, image/png");
    expect(headers.acceptTable).toEqual(["text/html", "application/json", "image/png"]);
    expect(headers.list).toEqual(["a", '"b, c"', "d"]);
    expect(headers.keepAlive).toBe(true);
    expect(headers.close).toBe(false);
    expect(headers.value).toEqual(["example.com", false, undefined]);
    expect(headers.proto).toEqual(["header"]);
    expect(headers.names).toEqual([
      "host",
      "accept",
      "connection",
      "x-list",
      "user-agent",
      "cookie",
      "__proto__",
    ]);
    const cookies = [
      ["sid", "abc"],
      ["theme", "dark"],
      ["note", "caf\u00e9"],
      ["__proto__", "x"],
    ];
    expect(headers.cookies).toEqual(cookies);
    expect(headers.spreadCookies).toEqual(cookies);
    expect(headers.frozen).toMatchObject({ name: "TypeError", instance: true });
    expect(headers.badList).toMatchObject({
      name: "HeadersError",
      code: "HEADERS_INVALID_LIST",
      instance: true,
    });
  });
});
