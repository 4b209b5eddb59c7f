// The errorPage option: the pages of the error responses the server sends
// itself (a bad request, the callback's exception, ...), made once when the
// handler is generated; the short text without it. The 503 a timer's kill
// leaves is in kill-reply.test.ts.

import { afterEach, describe, expect, it } from "vitest";
import { type AccessLogEntry, HttpError } from "../src/index";
import { resolveOptions } from "../src/options";
import { exchange } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

const PAGE = (status: number) =>
  status >= 500
    ? { type: "text/html; charset=utf-8", body: `<h1>Sorry (${status})</h1>` }
    : status === 400
      ? { type: "text/html; charset=utf-8", body: new TextEncoder().encode("<h1>Bad request</h1>") }
      : undefined;

describe("errorPage", () => {
  it("is the page of the callback's exception (500), with the static headers", async () => {
    const entries: AccessLogEntry[] = [];
    const server = await startServer(
      () => {
        throw new Error("a bug");
      },
      {
        errorPage: PAGE,
        staticHeaders: { Server: "test" },
        accessLog: (entry) => entries.push(entry),
      },
    );
    const response = await exchange(server.port, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(response.status).toBe(500);
    expect(response.headers["content-type"]).toEqual(["text/html; charset=utf-8"]);
    expect(response.headers.server).toEqual(["test"]);
    expect(response.headers.connection).toEqual(["close"]);
    expect(response.headers.date).toHaveLength(1);
    expect(response.body.toString()).toBe("<h1>Sorry (500)</h1>");
    await server.handled(1);
    expect(entries[0]).toMatchObject({ status: 500, bytes: 20 });
  });

  it("is the page of a bad request (400), given as bytes", async () => {
    const server = await startServer(() => true, { errorPage: PAGE });
    const response = await exchange(
      server.port,
      "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n",
    );
    expect(response.status).toBe(400);
    expect(response.body.toString()).toBe("<h1>Bad request</h1>");
  });

  it("undefined keeps the short text for its status", async () => {
    const server = await startServer(() => true, { errorPage: PAGE, requestHeaderCountLimit: 1 });
    const response = await exchange(server.port, "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n");
    expect(response.status).toBe(431);
    expect(response.headers["content-type"]).toEqual(["text/plain; charset=utf-8"]);
    expect(response.body.toString()).toBe("431 Request Header Fields Too Large\n");
  });

  it("a HEAD request gets the head alone", async () => {
    const server = await startServer(
      () => {
        throw new Error("a bug");
      },
      { errorPage: PAGE },
    );
    const response = await exchange(server.port, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(response.status).toBe(500);
    expect(response.headers["content-length"]).toEqual(["20"]);
    expect(response.body.length).toBe(0);
  });

  it("is asked once for each error status when the handler is made", () => {
    const asked: number[] = [];
    resolveOptions({
      errorPage: (status) => {
        asked.push(status);
        return undefined;
      },
    });
    expect(asked).toContain(400);
    expect(asked).toContain(500);
    expect(asked).toContain(503);
    expect(asked.every((status) => status >= 400 && status <= 599)).toBe(true);
    expect(new Set(asked).size).toBe(asked.length);
  });

  it.each([
    ["not a function", "a page", /errorPage must be a function, got "a page"/],
    [
      "a function that throws",
      () => {
        throw new Error("no pages today");
      },
      /errorPage\(400\) threw: no pages today/,
    ],
    [
      "a page without a type",
      () => ({ body: "x" }),
      /errorPage\(400\) must return \{ type, body \} or undefined/,
    ],
    [
      "a type that ends the line",
      () => ({ type: "text/html\r\nX: y", body: "x" }),
      /type must be a media type/,
    ],
    [
      "a body of the wrong kind",
      () => ({ type: "text/html", body: 42 }),
      /body must be a string or a Uint8Array/,
    ],
    [
      "a 503 page larger than the watchdog sends",
      (status: number) =>
        status === 503 ? { type: "text/html", body: "x".repeat(16384) } : undefined,
      /errorPage\(503\) is sent by the timeout watchdog, which sends 16384 bytes at most/,
    ],
  ])("%s: HttpError INVALID_OPTION", (_what, errorPage, message) => {
    const make = () => resolveOptions({ errorPage: errorPage as never });
    expect(make).toThrow(HttpError);
    expect(make).toThrow(message);
  });
});
