// The allocation bench's measurement, run as a test: each server answers the
// hello world, and a measurement counts exactly the requests answered while
// it ran and sees bytes allocated for them, by function. Counts only; how
// many bytes is never asserted.
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { allocatedDuring } from "../src/alloc/control.mjs";
import { startServer, stopServer } from "../src/load/servers.mjs";

const SERVER = new URL("../src/alloc/server.mjs", import.meta.url).pathname;
const REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/** Sends `count` keep-alive requests one after another on one connection; resolves with the responses' bodies. */
function requests(/** @type {number} */ port, /** @type {number} */ count) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    /** @type {string[]} */
    const bodies = [];
    let text = "";
    socket.setEncoding("utf8");
    socket.on("error", reject);
    socket.on("connect", () => socket.write(REQUEST));
    socket.on("data", (chunk) => {
      text += chunk;
      for (;;) {
        const end = text.indexOf("\r\n\r\n");
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1]);
        if (text.length < end + 4 + length) return;
        bodies.push(text.slice(end + 4, end + 4 + length));
        text = text.slice(end + 4 + length);
        if (bodies.length === count) {
          socket.end();
          resolve(bodies);
          return;
        }
        socket.write(REQUEST);
      }
    });
  });
}

/** @type {import("../src/load/servers.mjs").Server[]} */
const started = [];
afterAll(async () => {
  for (const server of started) await stopServer(server);
});

describe.each(["http", "node"])("the %s server of the allocation bench", (kind) => {
  it("counts the requests of a measurement and the bytes they allocated", async () => {
    const server = await startServer(kind, SERVER, { BENCH_ALLOC_SERVER: kind });
    started.push(server);
    await requests(server.port, 50); // before: not counted
    /** @type {unknown} */
    let bodies;
    const sample = await allocatedDuring(server, async () => {
      bodies = await requests(server.port, 300);
    });
    expect(bodies).toEqual(Array(300).fill("Hello World!\n"));
    expect(sample.requests).toBe(300);
    expect(sample.bytes).toBeGreaterThan(0);
    expect(sample.top.length).toBeGreaterThan(0);
    for (const [where, bytes] of sample.top) {
      expect(where).toMatch(/:\d+$/);
      expect(bytes).toBeGreaterThan(0);
    }
  });
});
