// Keep-alive, pipelining, split input, HTTP/1.0, response framing (length,
// chunked, close-delimited), HEAD and the statuses without a body.

import { afterEach, describe, expect, it } from "vitest";
import type { Request } from "../src/index";
import { exchange, RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

async function hello(request: Request): Promise<boolean> {
  request.sendStatus("200 OK");
  request.sendHeader("Content-Type", "text/plain");
  request.sendData("Hello World!\n");
  await request.finish();
  return true;
}

describe("one request", () => {
  it("answers with a Content-Length, a Date and keep-alive", async () => {
    const { port } = await startServer(hello);
    const response = await exchange(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(response.status).toBe(200);
    expect(response.framing).toBe("length");
    expect(response.body.toString()).toBe("Hello World!\n");
    expect(response.headers["content-type"]).toEqual(["text/plain"]);
    expect(response.headers.date?.[0]).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(response.headers.connection).toBeUndefined();
  });

  it("takes a request split at every byte", async () => {
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendData(
        `${request.method} ${request.path} ${request.query} ${request.headersValue.host}`,
      );
      await request.finish();
      return true;
    });
    const bytes = "GET /a/b?x=1 HTTP/1.1\r\nHost: split\r\n\r\n";
    const client = await RawClient.open(port);
    await client.send([...bytes], 1);
    const response = await client.response();
    expect(response.body.toString()).toBe("GET a/b ?x=1 split");
    client.close();
  });

  it("serves keep-alive requests in turn and pipelined ones in order", async () => {
    const server = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      await request.finish();
      return true;
    });
    const client = await RawClient.open(server.port);
    await client.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).body.toString()).toBe("one");
    await client.send(
      "GET /two HTTP/1.1\r\nHost: a\r\n\r\nGET /three HTTP/1.1\r\nHost: a\r\n\r\nGET /four HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    for (const name of ["two", "three", "four"])
      expect((await client.response()).body.toString()).toBe(name);
    await client.send("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const last = await client.response();
    expect(last.body.toString()).toBe("last");
    expect(last.headers.connection).toEqual(["close"]);
    expect((await client.closed()).how).toBe("end");
    expect(await server.handled(1)).toEqual([true]);
  });

  it("serves a burst of pipelined requests in order with a callback that answers synchronously", async () => {
    // Nothing is awaited between these requests: the loop must not grow the stack per request.
    let served = 0;
    const server = await startServer((request) => {
      served++;
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      request.finish();
      return true;
    });
    const count = 5000;
    let burst = "";
    for (let i = 0; i < count; i++) burst += `GET /${i} HTTP/1.1\r\nHost: a\r\n\r\n`;
    burst += "GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    const client = await RawClient.open(server.port);
    await client.send(burst);
    for (let i = 0; i < count; i++) expect((await client.response()).body.toString()).toBe(`${i}`);
    expect((await client.response()).body.toString()).toBe("last");
    expect((await client.closed()).how).toBe("end");
    expect(served).toBe(count + 1);
    expect(await server.handled(1)).toEqual([true]);
  });

  it("takes a thenable's first outcome only, however often its then calls back", async () => {
    const server = await startServer((request) => {
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      const finished = request.finish();
      return {
        // biome-ignore lint/suspicious/noThenProperty: a thenable of the application's, on purpose
        then(resolve: (value: unknown) => void, reject: (error: unknown) => void) {
          finished.then(() => {
            resolve(true);
            resolve(false);
            reject(new Error("after the result"));
          });
        },
        // A then that returns nothing: a thenable TypeScript would not call a PromiseLike.
      } as unknown as PromiseLike<boolean>;
    });
    const client = await RawClient.open(server.port);
    await client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).body.toString()).toBe("a");
    expect((await client.response()).body.toString()).toBe("b");
    await client.send("GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect((await client.response()).body.toString()).toBe("c");
    expect((await client.closed()).how).toBe("end");
    expect(await server.handled(1)).toEqual([true]);
  });

  it("pipelined POST bodies stay with their own request", async () => {
    const { port } = await startServer(async (request) => {
      const body = await request.body;
      request.sendStatus(200);
      request.sendData(`${request.path}=${body.toString()}`);
      await request.finish();
      return true;
    });
    const client = await RawClient.open(port);
    await client.send(
      "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
        "POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n" +
        "GET /c HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    expect((await client.response()).body.toString()).toBe("a=abc");
    expect((await client.response()).body.toString()).toBe("b=def");
    expect((await client.response()).body.toString()).toBe("c=");
    client.close();
  });
});

describe("response framing", () => {
  it("chunks a body that was flushed before finish (HTTP/1.1)", async () => {
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendData("first ");
      await request.flush();
      request.sendData(new TextEncoder().encode("second"));
      await request.finish();
      return true;
    });
    const response = await exchange(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(response.framing).toBe("chunked");
    expect(response.body.toString()).toBe("first second");
    expect(response.chunkSizes).toEqual([6, 6, 0]); // flush() sent its 6 bytes at once
  });

  for (const [what, options] of [
    ["minimumOutputChunkSize", { minimumOutputChunkSize: 256 }],
    ["chunkSize (the default of minimumOutputChunkSize)", { chunkSize: 256 }],
  ] as const) {
    it(`gathers small writes into chunks of at least ${what} bytes`, async () => {
      const { port } = await startServer(async (request) => {
        request.sendStatus(200);
        for (let i = 0; i < 100; i++) await request.sendData("0123456789");
        await request.finish();
        return true;
      }, options);
      const response = await exchange(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      expect(response.framing).toBe("chunked");
      expect(response.body.toString()).toBe("0123456789".repeat(100));
      const sizes = response.chunkSizes ?? [];
      expect(sizes.at(-1)).toBe(0);
      // Every chunk but the one finish() sent with the rest is at least 256 bytes.
      for (const size of sizes.slice(0, -2)) expect(size).toBeGreaterThanOrEqual(256);
      // ... and no bigger than the gathering needs: 1000 bytes make 3 or 4 chunks, not 1 or 100.
      expect(sizes.length - 1).toBeGreaterThanOrEqual(3);
      expect(sizes.length - 1).toBeLessThanOrEqual(4);
    });
  }

  it("honours the application's Content-Length and refuses a byte too many", async () => {
    const errors: string[] = [];
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendHeader("Content-Length", "5");
      await request.sendData("abc");
      await request.flush();
      try {
        await request.sendData("def");
      } catch (error) {
        errors.push((error as { code: string }).code);
      }
      await request.sendData("de");
      await request.finish();
      return true;
    });
    const client = await RawClient.open(port);
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    for (let i = 0; i < 2; i++) {
      const response = await client.response();
      expect(response.framing).toBe("length");
      expect(response.body.toString()).toBe("abcde");
    }
    expect(errors).toEqual(["CONTENT_LENGTH_MISMATCH", "CONTENT_LENGTH_MISMATCH"]);
    client.close();
  });

  it("closes the connection when fewer bytes than the Content-Length were sent", async () => {
    const server = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendHeader("Content-Length", "10");
      await request.sendData("short");
      await request.finish();
      return true;
    });
    const client = await RawClient.open(server.port);
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    const closed = await client.closed();
    expect(closed.rest).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nshort$/);
    const [result] = await server.handled(1);
    expect((result as { code: string }).code).toBe("CONTENT_LENGTH_MISMATCH");
  });

  it("serves HTTP/1.0: close by default, keep-alive when asked, never chunked", async () => {
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendData("part one, ");
      if (request.path === "stream") await request.flush();
      request.sendData("part two");
      await request.finish();
      return true;
    });
    const plain = await RawClient.open(port);
    await plain.send("GET /x HTTP/1.0\r\n\r\n");
    const first = await plain.response();
    expect(first.version).toBe("HTTP/1.1");
    expect(first.headers.connection).toEqual(["close"]);
    expect(first.body.toString()).toBe("part one, part two");
    await plain.closed();

    const kept = await RawClient.open(port);
    await kept.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const second = await kept.response();
    expect(second.headers.connection).toEqual(["keep-alive"]);
    expect(second.framing).toBe("length");
    await kept.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const third = await kept.response();
    expect(third.framing).toBe("close");
    expect(third.headers.connection).toEqual(["close"]);
    expect(third.body.toString()).toBe("part one, part two");
  });

  it("sends no body for HEAD, keeping the application's Content-Length", async () => {
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendHeader("Content-Length", "13");
      await request.sendData("Hello World!\n");
      await request.finish();
      return true;
    });
    const client = await RawClient.open(port);
    await client.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    const head = await client.response({ head: true });
    expect(head.headers["content-length"]).toEqual(["13"]);
    const get = await client.response();
    expect(get.body.toString()).toBe("Hello World!\n");
    client.close();
  });

  it("answers HEAD with the Content-Length a GET would get, and no body", async () => {
    const { port } = await startServer(hello);
    const client = await RawClient.open(port);
    await client.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    const head = await client.response({ head: true });
    const get = await client.response();
    expect(head.headers["content-length"]).toEqual(["13"]);
    expect(get.headers["content-length"]).toEqual(["13"]);
    expect(get.body.toString()).toBe("Hello World!\n");
    client.close();
  });

  it("204 and 304 carry no body, 205 gets Content-Length: 0, data for them is refused", async () => {
    const codes: string[] = [];
    const { port } = await startServer(async (request) => {
      const status = Number(request.path);
      request.sendStatus(status);
      try {
        await request.sendData("x");
      } catch (error) {
        codes.push((error as { code: string }).code);
      }
      await request.finish();
      return true;
    });
    const client = await RawClient.open(port);
    await client.send(
      ["204", "304", "205", "200"].map((s) => `GET /${s} HTTP/1.1\r\nHost: a\r\n\r\n`).join(""),
    );
    const r204 = await client.response();
    expect(r204.status).toBe(204);
    expect(r204.headers["content-length"]).toBeUndefined();
    expect(r204.headers["transfer-encoding"]).toBeUndefined();
    expect((await client.response()).status).toBe(304);
    const r205 = await client.response();
    expect(r205.headers["content-length"]).toEqual(["0"]);
    const r200 = await client.response();
    expect(r200.body.toString()).toBe("x");
    expect(codes).toEqual(["BODY_NOT_ALLOWED", "BODY_NOT_ALLOWED", "BODY_NOT_ALLOWED"]);
    client.close();
  });

  it("closeAfterFinish and Connection: close from the application close after the response", async () => {
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      if (request.path === "method") request.closeAfterFinish();
      else request.sendHeader("Connection", "close");
      await request.finish();
      return true;
    });
    for (const path of ["method", "header"]) {
      const client = await RawClient.open(port);
      await client.send(`GET /${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const response = await client.response();
      expect(response.headers.connection).toEqual(["close"]);
      expect((await client.closed()).how).toBe("end");
    }
  });
});
