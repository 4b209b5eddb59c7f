// The limits of form bodies are options of generateHandler (a body over one
// answers 413 when the application reads the POST tables, one at it is
// served), and a body the application never asks to parse is not parsed:
// read and dropped, so a large upload to a handler that ignores it is
// answered by the handler, not by a form limit.

import { afterEach, describe, expect, it } from "vitest";
import type { HttpOptions, Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { multipart, type Part, post } from "./helpers/multipart";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

const URLENCODED = "application/x-www-form-urlencoded";
const BOUNDARY = "----limits";
const FORM = `multipart/form-data; boundary=${BOUNDARY}`;
const form = (parts: Part[]) => multipart(BOUNDARY, parts);
const fields = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ name: `f${i}`, data: "x" }));

/** Reads the POST tables and answers with the number of values in them. */
async function countFields(request: Request): Promise<boolean> {
  const list = await request.postParamsList;
  request.sendStatus(200);
  request.sendData(String(Object.values(list).flat().length));
  await request.finish();
  return true;
}

async function statusOf(options: HttpOptions, bytes: Buffer): Promise<number> {
  const { port } = await startServer(countFields, options);
  const client = await RawClient.open(port);
  await client.send(bytes);
  const response = await client.response();
  client.close();
  return response.status;
}

const cases: Array<{
  option: keyof HttpOptions;
  value: number;
  type: string;
  at: Buffer | string;
  over: Buffer | string;
}> = [
  {
    option: "postFieldCountLimit",
    value: 3,
    type: URLENCODED,
    at: "a=1&b=2&c=3",
    over: "a=1&b=2&c=3&d=4",
  },
  {
    option: "postFieldCountLimit",
    value: 3,
    type: FORM,
    at: form(fields(3)),
    over: form(fields(4)),
  },
  {
    option: "postFieldNameSizeLimit",
    value: 4,
    type: URLENCODED,
    at: "abcd=1",
    over: "abcde=1",
  },
  {
    option: "postFieldSizeLimit",
    value: 10,
    type: URLENCODED,
    at: `a=${"v".repeat(10)}`,
    over: `a=${"v".repeat(11)}`,
  },
  {
    option: "postFieldSizeLimit",
    value: 10,
    type: FORM,
    at: form([{ name: "a", data: "v".repeat(10) }]),
    over: form([{ name: "a", data: "v".repeat(11) }]),
  },
  {
    option: "postFileSizeLimit",
    value: 10,
    type: FORM,
    at: form([{ name: "a", fileName: "a.bin", data: Buffer.alloc(10) }]),
    over: form([{ name: "a", fileName: "a.bin", data: Buffer.alloc(11) }]),
  },
  {
    option: "postPartHeaderSizeLimit",
    value: 80,
    type: FORM,
    // Content-Disposition: form-data; name="a"; filename="..." is 53 bytes and the name
    at: form([{ name: "a", fileName: "n".repeat(20), data: "v" }]),
    over: form([{ name: "a", fileName: "n".repeat(60), data: "v" }]),
  },
];

describe("form limits are options", () => {
  for (const { option, value, type, at, over } of cases) {
    const kind = type === URLENCODED ? "urlencoded" : "multipart";
    it(`${option}: ${value}, ${kind}: at the limit 200, over it 413`, async () => {
      const options = { [option]: value } as HttpOptions;
      expect(await statusOf(options, post("/", type, at))).toBe(200);
      expect(await statusOf(options, post("/", type, over))).toBe(413);
    });
  }

  it("raise the defaults too: a 2 MB urlencoded value with postFieldSizeLimit 4 MiB", async () => {
    const { port } = await startServer(
      async (request) => {
        const params = await request.postParams;
        request.sendStatus(200);
        request.sendData(String(params.big?.length));
        await request.finish();
        return true;
      },
      { postFieldSizeLimit: 4 * 1024 * 1024 },
    );
    const client = await RawClient.open(port);
    await client.send(post("/", URLENCODED, `big=${"x".repeat(2_000_000)}`));
    const response = await client.response();
    expect([response.status, response.body.toString()]).toEqual([200, "2000000"]);
    client.close();
  });
});

describe("a body the application never asks to parse", () => {
  // What `curl --data-binary @2MB.txt` sends: no "&", no "=", one 2 MB field name.
  const twoMegabytes = Buffer.alloc(2_000_000, 0x61);
  const bodies: Array<{ what: string; type: string; body: Buffer }> = [
    { what: "a 2 MB urlencoded body (curl --data-binary)", type: URLENCODED, body: twoMegabytes },
    {
      what: "a 2 MB multipart field",
      type: FORM,
      body: form([{ name: "a", data: twoMegabytes }]),
    },
    { what: "2,000 urlencoded fields", type: URLENCODED, body: Buffer.from("a=1&".repeat(2000)) },
  ];
  for (const { what, type, body } of bodies) {
    it(`${what}: the handler's 200, and the next request on the connection follows`, async () => {
      const server = await startServer(async (request) => {
        request.sendStatus(200);
        request.sendData(`${request.method} ${request.path}`);
        await request.finish();
        return true;
      });
      const client = await RawClient.open(server.port);
      await client.send([post("/ignored", type, body), "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"]);
      const first = await client.response();
      expect([first.status, first.body.toString()]).toEqual([200, "POST ignored"]);
      expect((await client.response()).body.toString()).toBe("GET next");
      client.close();
    });
  }

  it("is still read within requestBodySizeLimit (413 beyond)", async () => {
    const { port } = await startServer(
      async (request) => {
        request.sendStatus(200);
        await request.finish();
        return true;
      },
      { requestBodySizeLimit: 1_000_000 },
    );
    const client = await RawClient.open(port);
    const chunked = `POST / HTTP/1.1\r\nHost: a\r\nContent-Type: ${URLENCODED}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const piece = `${(100_000).toString(16)}\r\n${"a".repeat(100_000)}\r\n`;
    await client.send(`${chunked}${piece.repeat(11)}0\r\n\r\n`);
    expect((await client.response()).status).toBe(413);
    client.close();
  });

  it("is parsed when the POST tables are asked for after the response started (Moonbridge's rule)", async () => {
    const seen: unknown[] = [];
    const server = await startServer(async (request) => {
      request.sendStatus(200);
      await request.finish(); // the body is read before this goes out
      seen.push(await request.postParams);
      return true;
    });
    const client = await RawClient.open(server.port);
    await client.send(post("/", URLENCODED, "late=1"));
    expect((await client.response()).status).toBe(200);
    client.close();
    await server.handled(1);
    expect(seen).toEqual([{ late: "1" }]);
  });
});
