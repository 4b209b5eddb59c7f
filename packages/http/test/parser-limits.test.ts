// The request parser's own limits are options of generateHandler too:
// requestHeaderCountLimit (header and trailer fields, 431) and
// chunkExtensionSizeLimit (bytes of chunk extensions, 413), each answered
// with its status at the default and moved by the option.
import { afterEach, describe, expect, it } from "vitest";
import type { HttpOptions, Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

async function ok(request: Request): Promise<boolean> {
  await request.body;
  request.sendStatus(200);
  await request.finish();
  return true;
}

function withHeaders(count: number): string {
  let text = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (let i = 1; i < count; i++) text += `X-${i}: v\r\n`;
  return `${text}\r\n`;
}

function withExtensions(bytes: number): string {
  const extension = `;e=${"a".repeat(bytes - 3)}`;
  return `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1${extension}\r\nz\r\n0\r\n\r\n`;
}

const cases: Array<{ what: string; options: HttpOptions; request: string; status: number }> = [
  { what: "100 header fields, the default", options: {}, request: withHeaders(100), status: 200 },
  { what: "101 header fields", options: {}, request: withHeaders(101), status: 431 },
  {
    what: "101 header fields, requestHeaderCountLimit 200",
    options: { requestHeaderCountLimit: 200 },
    request: withHeaders(101),
    status: 200,
  },
  {
    what: "11 header fields, requestHeaderCountLimit 10",
    options: { requestHeaderCountLimit: 10 },
    request: withHeaders(11),
    status: 431,
  },
  {
    what: "16 KiB of extensions, the default",
    options: {},
    request: withExtensions(16384),
    status: 200,
  },
  { what: "16 KiB + 1 of extensions", options: {}, request: withExtensions(16385), status: 413 },
  {
    what: "100 bytes of extensions, chunkExtensionSizeLimit 64",
    options: { chunkExtensionSizeLimit: 64 },
    request: withExtensions(100),
    status: 413,
  },
];

describe("the parser's limits as options", () => {
  it.each(cases)("$what: $status", async ({ options, request, status }) => {
    const server = await startServer(ok, options);
    const client = await RawClient.open(server.port);
    await client.send(request);
    expect((await client.response()).status).toBe(status);
  });
});
