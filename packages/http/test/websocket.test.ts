// request.upgrade(): the application takes the connection over after a
// request that switches protocols. With the ws package on both ends (its
// server side as the frame codec over our socket): echo of text and binary,
// ping and pong, a clean close, a frame sent in the same packet as the
// handshake; a protocol of the application's own after a keep-alive request;
// upgrade() refused for a request that does not ask for it.

import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { HttpError, type Request } from "../src/index";
import { exchange } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

/** The request's headers as Node's IncomingMessage has them (lowercase names), for ws. */
function nodeHeaders(request: Request): Record<string, string> {
  return Object.fromEntries(request.headersCsvString);
}

/** A server that echoes on WebSocket connections (ws as the codec) and answers other requests with JSON. */
function echoServer() {
  const wss = new WebSocketServer({ noServer: true });
  return startServer(async (request) => {
    if (String(request.headersValue.upgrade).toLowerCase() !== "websocket") {
      await request.sendJson({ plain: request.path });
      return true;
    }
    const { socket, unread } = await (await request.upgrade()).detach();
    const incoming = { method: request.method, url: request.target, headers: nodeHeaders(request) };
    const ws = await new Promise<WebSocket>((resolve) =>
      wss.handleUpgrade(incoming as never, socket, unread, resolve),
    );
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    await new Promise((resolve) => ws.once("close", resolve));
    return true;
  });
}

function opened(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

describe("request.upgrade() with ws", () => {
  it("echoes text and binary, answers ping with pong, and closes cleanly; the handler returns true", async () => {
    const server = await echoServer();
    const ws = await opened(`ws://127.0.0.1:${server.port}/chat`);
    const messages: Array<[string, boolean]> = [];
    ws.on("message", (data, isBinary) => messages.push([data.toString(), isBinary]));
    ws.send("hello");
    ws.send(Buffer.from("bytes"), { binary: true });
    const pong = new Promise<string>((resolve) =>
      ws.once("pong", (data) => resolve(data.toString())),
    );
    ws.ping("are you there");
    expect(await pong).toBe("are you there");
    for (let i = 0; i < 200 && messages.length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(messages).toEqual([
      ["hello", false],
      ["bytes", true],
    ]);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.close(1000, "bye");
    expect(await closed).toBe(1000);
    expect(await server.handled(1)).toEqual([true]);
  });

  it("hands the new protocol the bytes that came in the same packet as the handshake", async () => {
    const server = await echoServer();
    const payload = Buffer.from("early");
    const mask = Buffer.from([1, 2, 3, 4]);
    const frame = Buffer.concat([
      Buffer.from([0x81, 0x80 | payload.length]),
      mask,
      Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number))),
    ]);
    const handshake =
      "GET /chat HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const socket = connect(server.port, "127.0.0.1");
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
    });
    socket.write(Buffer.concat([Buffer.from(handshake), frame]));
    for (let i = 0; i < 200 && !received.includes(Buffer.from("early")); i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    socket.destroy();
    const text = received.toString("latin1");
    expect(text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(text).toContain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // The echo: an unmasked text frame of 5 bytes.
    expect(received.subarray(received.indexOf("\r\n\r\n") + 4)).toEqual(
      Buffer.concat([Buffer.from([0x81, 5]), payload]),
    );
  });
});

describe("request.upgrade() for a protocol of the application's own", () => {
  it("follows keep-alive requests on the same connection, and the handler closes what the callback leaves open", async () => {
    const server = await startServer(async (request) => {
      if (request.headersValue.upgrade !== "echo-lines") {
        await request.sendJson({ path: request.path });
        return true;
      }
      const socket = await request.upgrade();
      await socket
        .write(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo-lines\r\nConnection: Upgrade\r\n\r\n",
        )
        .flush();
      for (
        let line = await socket.read();
        line !== null && line !== "bye";
        line = await socket.read()
      )
        await socket.write(`echo ${line}\n`).flush();
      return true; // the socket left open: the handler closes it
    });
    const socket = connect(server.port, "127.0.0.1");
    let text = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
    });
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
    socket.write(
      "GET /switch HTTP/1.1\r\nHost: t\r\nUpgrade: echo-lines\r\nConnection: Upgrade\r\n\r\none\ntwo\n",
    );
    for (let i = 0; i < 200 && !text.includes("echo two"); i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write("bye\n");
    await closed;
    expect(text).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"path":"first"\}HTTP\/1\.1 101 Switching Protocols\r\n/,
    );
    expect(text.endsWith("\r\n\r\necho one\necho two\n")).toBe(true);
    expect(await server.handled(1)).toEqual([true]);
  });

  it("is refused (UPGRADE_INVALID) for a request that does not ask to switch", async () => {
    const codes: string[] = [];
    const server = await startServer(async (request) => {
      try {
        await request.upgrade();
      } catch (error) {
        codes.push((error as HttpError).code);
        expect(error).toBeInstanceOf(HttpError);
      }
      await request.sendJson({ ok: true });
      return true;
    });
    const response = await exchange(server.port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(response.status).toBe(200);
    expect(codes).toEqual(["UPGRADE_INVALID"]);
  });
});
