// The access log (option accessLog): an entry per request that reached the
// callback, with the status and body bytes that went out, in the Common Log
// Format, as JSON, or to the application's function.

import { afterEach, describe, expect, it, vi } from "vitest";
import { type AccessLogEntry, HttpError, type Request } from "../src/index";
import { commonLogLine, jsonLogLine } from "../src/internal/access-log";
import { resolveOptions } from "../src/options";
import { exchange, RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(async () => {
  vi.restoreAllMocks();
  await stopServers();
});

const ENTRY: AccessLogEntry = {
  time: new Date(Date.UTC(2026, 11, 7, 9, 5, 3, 250)),
  clientAddress: "203.0.113.9",
  method: "GET",
  target: '/a?q="x"',
  protocol: "HTTP/1.1",
  status: 200,
  bytes: 13,
  durationMs: 1.23456,
  userAgent: "curl/8.5.0",
  referer: undefined,
};

describe("access log lines", () => {
  it("in the Common Log Format: the request line's quotes escaped, no body as -", () => {
    expect(commonLogLine(ENTRY)).toBe(
      '203.0.113.9 - - [07/Dec/2026:09:05:03 +0000] "GET /a?q=\\"x\\" HTTP/1.1" 200 13\n',
    );
    expect(commonLogLine({ ...ENTRY, clientAddress: undefined, bytes: 0 })).toBe(
      '- - - [07/Dec/2026:09:05:03 +0000] "GET /a?q=\\"x\\" HTTP/1.1" 200 -\n',
    );
  });

  it("as JSON: one object a line", () => {
    expect(JSON.parse(jsonLogLine(ENTRY))).toEqual({
      time: "2026-12-07T09:05:03.250Z",
      client: "203.0.113.9",
      method: "GET",
      target: '/a?q="x"',
      protocol: "HTTP/1.1",
      status: 200,
      bytes: 13,
      durationMs: 1.235,
      userAgent: "curl/8.5.0",
      referer: null,
    });
    expect(jsonLogLine(ENTRY).endsWith("}\n")).toBe(true);
  });

  it("an accessLog that is neither a format nor a function is refused", () => {
    expect(() => resolveOptions({ accessLog: "combined" as "common" })).toThrow(HttpError);
    expect(() => resolveOptions({ accessLog: "combined" as "common" })).toThrow(
      /accessLog must be "common", "json" or a function, got "combined"/,
    );
  });
});

describe("the access log of a handler", () => {
  /** A server whose callback answers by path, its entries collected. */
  async function logged() {
    const entries: AccessLogEntry[] = [];
    const server = await startServer(
      (request: Request) => {
        if (request.path === "boom") throw new Error("boom");
        request.sendStatus(request.path === "missing" ? 404 : 200);
        request.sendHeader("Content-Type", "text/plain");
        request.sendData("hello\n");
        return true;
      },
      { accessLog: (entry) => entries.push(entry) },
    );
    return { server, entries };
  }

  it("gets each request's status, body bytes, client and timing, keep-alive ones included", async () => {
    const { server, entries } = await logged();
    const before = Date.now();
    const client = await RawClient.open(server.port);
    await client.send(
      "GET /hi HTTP/1.1\r\nHost: x\r\nUser-Agent: t/1\r\nReferer: http://r/\r\n\r\n",
    );
    await client.response();
    await client.send("HEAD /hi HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.response({ head: true });
    await client.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.response();
    client.close();
    await server.handled(1);
    expect(entries.map((e) => [e.method, e.target, e.status, e.bytes])).toEqual([
      ["GET", "/hi", 200, 6],
      ["HEAD", "/hi", 200, 0],
      ["GET", "/missing", 404, 6],
    ]);
    const [first] = entries as [AccessLogEntry];
    expect(first).toMatchObject({
      clientAddress: "127.0.0.1",
      protocol: "HTTP/1.1",
      userAgent: "t/1",
      referer: "http://r/",
    });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(first.time.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(first.time.getTime()).toBeLessThanOrEqual(Date.now());
    expect(entries[1]?.userAgent).toBeUndefined();
  });

  it("gets the server's 500 for a callback that throws, with that response's bytes", async () => {
    const { server, entries } = await logged();
    const answer = await exchange(server.port, "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer.status).toBe(500);
    await server.handled(1);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ target: "/boom", status: 500, bytes: answer.body.length });
  });

  it('"common" writes a line to standard output', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation((chunk, ...rest) => {
      if (typeof chunk === "string" && chunk.includes('"GET /log HTTP/1.1"')) {
        lines.push(chunk);
        return true;
      }
      return write(chunk, ...(rest as []));
    });
    const server = await startServer(
      (request: Request) => {
        request.sendStatus(204);
        return true;
      },
      { accessLog: "common" },
    );
    await exchange(server.port, "GET /log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await server.handled(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/log HTTP\/1\.1" 204 -\n$/,
    );
  });
});
