// HTTP through the real supervisor with raw sockets and curl: pipelining,
// split writes, every error status, HEAD, 204, 304, HTTP/1.0 and
// Expect: 100-continue.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useExample } from "./helpers/example";
import { raw, statuses } from "./helpers/raw";

const app = useExample();

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;
const CLOSE = "Connection: close\r\n";

describe("keep-alive, pipelining, split input", () => {
  it("answers ten pipelined requests in order", async () => {
    const paths = Array.from({ length: 10 }, (_, i) => `/anything/${i}`);
    const result = await raw(app.port, paths.map((p, i) => GET(p, i === 9 ? CLOSE : "")).join(""));
    expect(statuses(result.text)).toEqual(Array(10).fill(200));
    const order = [...result.text.matchAll(/"path": "anything\/(\d)"/g)].map((m) => Number(m[1]));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.how).toBe("end");
  });

  it("takes a request written a byte at a time", async () => {
    const request = `POST /anything HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n${CLOSE}\r\nx=1&y=2`;
    const result = await raw(app.port, [...request], { gapMillis: 2 });
    expect(statuses(result.text)).toEqual([200]);
    expect(result.text).toContain('"x": [\n      "1"\n    ]');
  });
});

describe("every error status, then a closed connection", () => {
  const cases: Array<[number, string]> = [
    [400, GET("/", "Bad Header: 1\r\n")],
    [413, "POST /anything HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000000\r\n\r\n"],
    [414, `GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: a\r\n\r\n`],
    [417, GET("/", "Expect: something-else\r\n")],
    [431, GET("/", `X-Big: ${"b".repeat(90_000)}\r\n`)],
    [501, "POST /anything HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"],
    [505, "GET / HTTP/3.0\r\nHost: a\r\n\r\n"],
  ];
  for (const [status, request] of cases) {
    it(`${status}`, async () => {
      const result = await raw(app.port, GET("/ping") + request);
      expect(statuses(result.text)).toEqual([204, status]);
      expect(result.text).toContain("Connection: close\r\n");
      expect(result.text).toContain("Server: moonbridge-example\r\n");
      expect(result.how).toBe("end");
    });
  }

  it("404 for an unknown path, and the connection serves on", async () => {
    const result = await raw(app.port, GET("/nowhere") + GET("/ping", CLOSE));
    expect(statuses(result.text)).toEqual([404, 204]);
  });
});

describe("bodies that are not there", () => {
  it("HEAD gets the head only; 204 has no body; 304 when the ETag matches", async () => {
    const first = await fetch(`${app.url}/style.css`);
    const etag = first.headers.get("etag") ?? "";
    expect(first.status).toBe(200);
    expect(etag).toMatch(/^".+"$/);
    const css = await first.text();
    const result = await raw(
      app.port,
      GET("/style.css").replace("GET", "HEAD") +
        GET("/ping") +
        GET("/style.css", `If-None-Match: ${etag}\r\n${CLOSE}`),
    );
    expect(statuses(result.text)).toEqual([200, 204, 304]);
    const [head, ping, notModified] = result.text.split(/(?=HTTP\/1\.1 )/);
    expect(head).toMatch(new RegExp(`Content-Length: ${Buffer.byteLength(css)}\\r\\n`));
    expect(head?.endsWith("\r\n\r\n")).toBe(true); // nothing after the head
    expect(ping).not.toMatch(/Content-Length|Transfer-Encoding/);
    expect(notModified?.endsWith("\r\n\r\n")).toBe(true);
    expect(notModified).toContain(`ETag: ${etag}`);
  });

  it("HTTP/1.0: served, closed after, never chunked", async () => {
    const result = await raw(app.port, "GET /ping HTTP/1.0\r\n\r\n");
    expect(statuses(result.text)).toEqual([204]);
    expect(result.text).toContain("Connection: close\r\n");
    expect(result.how).toBe("end");
    const kept = await raw(
      app.port,
      "GET /anything HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /ping HTTP/1.0\r\n\r\n",
    );
    expect(statuses(kept.text)).toEqual([200, 204]);
    expect(kept.text).toContain("Connection: keep-alive\r\n");
    expect(kept.text).not.toContain("Transfer-Encoding");
  });

  it("Expect: 100-continue gets 100 before the body is sent", async () => {
    const body = "x=1";
    const head = `POST /anything HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n${CLOSE}\r\n`;
    const interim = await raw(app.port, head, { until: (text) => text.includes("\r\n\r\n") });
    expect(interim.text).toBe("HTTP/1.1 100 Continue\r\n\r\n");
  });
});

const curl = ["/usr/bin/curl", "/bin/curl"].find((path) => existsSync(path));
describe.skipIf(curl === undefined)("with curl (where installed)", () => {
  const run = async (...args: string[]) =>
    (await promisify(execFile)(curl as string, ["-sS", ...args])).stdout;

  it("HEAD, HTTP/1.0 and an upload with Expect: 100-continue", async () => {
    expect(await run("-I", `${app.url}/`)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(await run("-0", "-i", `${app.url}/ping`)).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    const verbose = await promisify(execFile)(curl as string, [
      "-sS",
      "-v",
      "-H",
      "Expect: 100-continue",
      "-F",
      "comment=hi",
      "-F",
      "files=@package.json",
      `${app.url}/anything`,
    ]);
    expect(verbose.stderr).toContain("HTTP/1.1 100 Continue");
    const answer = JSON.parse(verbose.stdout);
    expect(answer.form).toEqual({ comment: ["hi"] });
    expect(answer.parts[1].file_name).toBe("package.json");
  });
});
