// A request whose client has gone never reaches the application: a client
// that closed its side (its FIN came) before its request is served gave up
// (in the backlog of a busy pool, say), and running the callback for it would
// cost a worker for nobody (a crashing route, a whole worker). The first
// request of a connection waits for the next poll of the event loop, where
// that FIN is read; `serveHalfClosed` serves such clients instead.
import { afterEach, describe, expect, it } from "vitest";
import type { Request } from "../src/index";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

function recorder(): { seen: string[]; callback: (request: Request) => Promise<boolean> } {
  const seen: string[] = [];
  return {
    seen,
    async callback(request) {
      seen.push(request.path ?? "");
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      await request.finish();
      return true;
    },
  };
}

describe("a client that has gone", () => {
  it.each([
    { what: "a request and its FIN in one write", pieces: ["GET /a HTTP/1.1\r\nHost: x\r\n\r\n"] },
    {
      what: "a POST with its whole body, then FIN",
      pieces: ["POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"],
    },
    {
      what: "two pipelined requests, then FIN",
      pieces: ["GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"],
    },
  ])("$what: the callback never runs, the connection is closed", async ({ pieces }) => {
    const { seen, callback } = recorder();
    const server = await startServer(callback);
    const client = await RawClient.open(server.port, true);
    await client.send(pieces);
    client.socket.end();
    const closed = await client.closed();
    expect(closed.rest).toBe(""); // no response
    expect(await server.handled(1)).toEqual([true]); // the worker serves on
    expect(seen).toEqual([]);
  });

  it("a client that keeps its side open is served as ever", async () => {
    const { seen, callback } = recorder();
    const server = await startServer(callback);
    const client = await RawClient.open(server.port);
    await client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await client.response()).status).toBe(200);
    expect(seen).toEqual(["a"]);
  });

  it("serveHalfClosed: a client that half-closes after its requests gets every answer", async () => {
    const { seen, callback } = recorder();
    const server = await startServer(callback, { serveHalfClosed: true });
    const client = await RawClient.open(server.port, true);
    await client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    client.socket.end();
    expect((await client.response()).body.toString()).toBe("a");
    expect((await client.response()).body.toString()).toBe("b");
    expect(seen).toEqual(["a", "b"]);
  });
});
