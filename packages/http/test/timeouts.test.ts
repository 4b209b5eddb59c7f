// Slow and idle clients against each timeout: idleTimeout closes quietly,
// requestHeaderTimeout and stallTimeout answer 408, responseTimeout resets a
// response under way, drainTimeout bounds the lingering close; 0 disables
// each. Short timeouts keep the tests quick; each test disables (0) the
// other timeouts that could end its connection, so that only the one it
// names can pass it. Nothing here asserts how long anything took.

import { afterEach, describe, expect, it } from "vitest";
import type { HttpOptions, Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

const QUICK: HttpOptions = {
  idleTimeout: 0.3,
  requestHeaderTimeout: 0.4,
  stallTimeout: 0.3,
  responseTimeout: 0.8,
  drainTimeout: 0.3,
};

async function readBodyThenAnswer(request: Request): Promise<boolean> {
  const body = await request.body;
  request.sendStatus(200);
  request.sendData(`${body.length}`);
  await request.finish();
  return true;
}

describe("timeouts", () => {
  it("idleTimeout closes a connection that sends nothing, without a response", async () => {
    const server = await startServer(readBodyThenAnswer, QUICK);
    const client = await RawClient.open(server.port);
    expect(await client.closed()).toEqual({ how: "end", rest: "" });
    expect(await server.handled(1)).toEqual([true]);
  });

  it("idleTimeout also ends a keep-alive connection between requests", async () => {
    const server = await startServer(readBodyThenAnswer, QUICK);
    const client = await RawClient.open(server.port);
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).body.toString()).toBe("0");
    expect(await client.closed()).toEqual({ how: "end", rest: "" });
  });

  it("requestHeaderTimeout answers 408 to a slow-loris header that keeps trickling", async () => {
    const server = await startServer(readBodyThenAnswer, {
      ...QUICK,
      stallTimeout: 0,
      responseTimeout: 0,
    });
    const client = await RawClient.open(server.port);
    const trickle = (async () => {
      for (const byte of "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1234567890") {
        if (client.ended) return;
        await client.send(byte).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const response = await client.response();
    expect(response.status).toBe(408);
    expect(response.headers.connection).toEqual(["close"]);
    await client.closed();
    await trickle;
  });

  it("stallTimeout answers 408 to a body that stops arriving", async () => {
    const server = await startServer(readBodyThenAnswer, { ...QUICK, responseTimeout: 0 });
    const client = await RawClient.open(server.port);
    await client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly part of it");
    const response = await client.response();
    expect(response.status).toBe(408);
    await client.closed();
    expect(await server.handled(1)).toEqual([true]);
  });

  it("stallTimeout does not count time the application spends computing", async () => {
    const server = await startServer(
      async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 700)); // more than twice the stall timeout, no I/O
        request.sendStatus(200);
        request.sendData("late but fine");
        await request.finish();
        return true;
      },
      { ...QUICK, responseTimeout: 0 },
    );
    const client = await RawClient.open(server.port);
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).body.toString()).toBe("late but fine");
    client.close();
  });

  it("stallTimeout resets a response the client does not read", async () => {
    const server = await startServer(
      async (request) => {
        request.sendStatus(200);
        const chunk = Buffer.alloc(1024 * 1024, 0x61);
        for (let i = 0; i < 1000; i++) await request.sendData(chunk);
        await request.finish();
        return true;
      },
      { ...QUICK, responseTimeout: 0 },
    );
    const client = await RawClient.open(server.port);
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    client.socket.pause(); // never reads: the server's writes stop making progress
    const [result] = await server.handled(1);
    expect(result).toBe(true); // the client's fault: the worker lives on
    client.close();
  });

  it("responseTimeout answers 408 to a request whose callback takes too long, then ends it", async () => {
    const server = await startServer(
      async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 1200));
        request.sendStatus(200);
        await request.finish();
        return true;
      },
      { ...QUICK, stallTimeout: 0 },
    );
    const client = await RawClient.open(server.port);
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect((await client.response()).status).toBe(408);
    await client.closed();
    const [result] = await server.handled(1);
    expect(result).toBe(true);
  });

  it("drainTimeout bounds how long the server reads a client that never stops sending", async () => {
    const server = await startServer(readBodyThenAnswer, {
      ...QUICK,
      requestBodySizeLimit: 10,
      stallTimeout: 0,
      responseTimeout: 0,
    });
    // Half open: the client goes on sending after the server's FIN, as a client
    // that does not read would; only the drain timeout stops the server reading.
    const client = await RawClient.open(server.port, true);
    await client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n");
    const response = client.response();
    const flood = (async () => {
      const chunk = Buffer.alloc(16 * 1024, 0x62);
      // Until a write fails (the server closed), or for at most 20 s.
      for (let i = 0; i < 4000; i++) {
        const sent = await client.send(chunk).then(
          () => true,
          () => false,
        );
        if (!sent) return true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return false;
    })();
    expect((await response).status).toBe(413);
    expect(await flood).toBe(true);
    expect(await server.handled(1)).toEqual([true]);
  });

  it("0 disables a timeout: a client slower than every QUICK timeout is still answered", async () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const server = await startServer(
      async (request) => {
        await pause(1000); // past QUICK's responseTimeout
        request.sendStatus(200);
        request.sendData("patient");
        await request.finish();
        return true;
      },
      { idleTimeout: 0, requestHeaderTimeout: 0, stallTimeout: 0, responseTimeout: 0 },
    );
    const client = await RawClient.open(server.port);
    await pause(700); // idle, past QUICK's idleTimeout
    await client.send(["GET / HTTP/1.1\r\n", "Host: a\r\n\r\n"], 700); // a stalled header
    expect((await client.response()).body.toString()).toBe("patient");
    client.close();
  });
});
