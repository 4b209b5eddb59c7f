// Backpressure both ways, with 1 GiB: a response streamed to a client that
// reads slowly, and an upload into a handler that consumes slowly, each keep
// the process's memory bounded, and every byte arrives.

import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { RawClient } from "./helpers/client";
import { startServer, stopServers } from "./helpers/server";

afterEach(stopServers);

const GIB = 1024 * 1024 * 1024;
const CHUNK = 256 * 1024;
/** Generous: 1 GiB buffered anywhere would exceed it many times over. */
const MAX_GROWTH = 160 * 1024 * 1024;

function sampleRss(): { stop(): number } {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) - base;
    },
  };
}

describe("backpressure", () => {
  it("streams a 1 GiB response to a slow reader in bounded memory", async () => {
    const { port } = await startServer(async (request) => {
      request.sendStatus(200);
      request.sendHeader("Content-Length", String(GIB));
      // A fresh buffer each time, as a real producer makes them: buffering any would show.
      for (let sent = 0; sent < GIB; sent += CHUNK)
        await request.sendData(Buffer.allocUnsafe(CHUNK).fill(0x5a));
      await request.finish();
      return true;
    });
    const memory = sampleRss();
    const client = new RawClient(port);
    await client.connected;
    const socket = client.socket;
    socket.removeAllListeners("data"); // count the bytes here instead of buffering them
    await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let received = 0;
    let headEnd = -1;
    await new Promise<void>((resolve) => {
      let slow = 0;
      socket.on("data", (chunk: Buffer) => {
        if (headEnd < 0) {
          headEnd = chunk.indexOf("\r\n\r\n");
          received += chunk.length - headEnd - 4;
        } else received += chunk.length;
        if (++slow % 64 === 0) {
          socket.pause(); // a slow reader: the server must wait for it
          setTimeout(() => socket.resume(), 2);
        }
        if (received >= GIB) resolve();
      });
    });
    const growth = memory.stop();
    client.close();
    expect(received).toBe(GIB);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it("takes a 1 GiB upload into a slow handler in bounded memory, byte for byte", async () => {
    const hashes: string[] = [];
    const { port } = await startServer(
      async (request) => {
        const hash = createHash("sha256");
        let chunks = 0;
        await request.streamRequestBody(async (chunk) => {
          // Slow, and holding the chunk until done: were the callback not awaited,
          // chunks would pile up here, and be hashed out of order.
          await new Promise((resolve) =>
            ++chunks % 64 === 0 ? setTimeout(resolve, 2) : setImmediate(resolve),
          );
          hash.update(chunk);
        });
        hashes.push(hash.digest("hex"));
        request.sendStatus(200);
        await request.finish();
        return true;
      },
      { requestBodySizeLimit: 2 * GIB },
    );
    const memory = sampleRss();
    const client = await RawClient.open(port);
    await client.send(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${GIB}\r\n\r\n`);
    const expected = createHash("sha256");
    const block = Buffer.alloc(CHUNK);
    for (let sent = 0, n = 0; sent < GIB; sent += CHUNK, n++) {
      block.fill(n & 0xff);
      expected.update(block);
      await client.send(block); // resolves when the kernel took it: the server's pace
    }
    const response = await client.response();
    const growth = memory.stop();
    client.close();
    expect(response.status).toBe(200);
    expect(hashes).toEqual([expected.digest("hex")]);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });
});
