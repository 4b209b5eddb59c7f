// The PROXY protocol on a listener (`proxyProtocol: true`): a worker reads
// each connection's header before connect and the socket's addresses are the
// ones it gives; a connection without one is closed unanswered, and a
// listener without the option never believes one. The addresses stay with
// the connection when it is parked and resumed by another worker.

import { createConnection } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type App, startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

const V1 = "PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n";
const V1_ADDRESSES = "203.0.113.7 51234 192.0.2.1 443";

/** A v2 header: PROXY command, TCP over IPv6, 2001:db8::5 port 40000 to 2001:db8::1 port 8443. */
function v2(command: "PROXY" | "LOCAL" = "PROXY"): Buffer {
  const address = Buffer.alloc(36);
  address.writeUInt16BE(0x2001, 0);
  address.writeUInt16BE(0x0db8, 2);
  address[15] = 5;
  address.writeUInt16BE(0x2001, 16);
  address.writeUInt16BE(0x0db8, 18);
  address[31] = 1;
  address.writeUInt16BE(40000, 32);
  address.writeUInt16BE(8443, 34);
  const head = Buffer.from([
    ...Buffer.from("\r\n\r\n\0\r\nQUIT\n", "latin1"),
    command === "PROXY" ? 0x21 : 0x20,
    0x21,
    0,
    36,
  ]);
  return Buffer.concat([head, address]);
}

/** The pool: listener 0 takes the PROXY protocol, listener 1 does not. */
async function startProxied(): Promise<{ app: App; proxied: number; plain: number }> {
  const app = await startApp({
    listeners: [
      { proto: "tcp", host: "127.0.0.1", port: 0, proxyProtocol: true },
      { proto: "tcp", host: "127.0.0.1", port: 0 },
    ],
    options: { minFork: 2, maxFork: 2, preFork: 1 },
  });
  const ready = /READY (.*)\n/.exec(app.output())?.[1] ?? "[]";
  const [proxied, plain] = (JSON.parse(ready) as Array<{ port: number }>).map((a) => a.port);
  return { app, proxied: proxied as number, plain: plain as number };
}

/**
 * Sends `pieces` (a pause between them), then ends its side, and resolves
 * with what came back before the server closed.
 */
function exchange(port: number, pieces: Array<string | Buffer>, pauseMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let answer = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? resolve(answer) : reject(error),
    );
    socket.on("close", () => resolve(answer));
    socket.once("connect", async () => {
      for (const piece of pieces) {
        socket.write(piece);
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
      socket.end();
    });
  });
}

describe("a listener with proxyProtocol", () => {
  it("gives the socket the addresses of a v1 header, and of a v2 one sent in pieces", async () => {
    const { proxied } = await startProxied();
    expect(await exchange(proxied, [`${V1}ADDR\n`])).toMatch(
      new RegExp(`^${V1_ADDRESSES} \\d+\n$`),
    );
    const header = v2();
    const pieces = [header.subarray(0, 5), header.subarray(5, 17), header.subarray(17), "ADDR\n"];
    expect(await exchange(proxied, pieces, 30)).toMatch(
      /^2001:db8::5 40000 2001:db8::1 8443 \d+\n$/,
    );
  });

  it("keeps the connection's own addresses for a LOCAL header (the proxy's health check)", async () => {
    const { proxied } = await startProxied();
    const answer = await exchange(proxied, [v2("LOCAL"), "ADDR\n"]);
    expect(answer).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${proxied} \\d+\n$`));
  });

  it("closes a connection without a header, or with a bad one, unanswered; the pool serves on", async () => {
    const { proxied, plain } = await startProxied();
    expect(await exchange(proxied, ["ADDR\n"])).toBe("");
    expect(await exchange(proxied, ["PROXY TCP4 203.0.113.7 192.0.2.1 051234 443\r\nADDR\n"])).toBe(
      "",
    );
    expect(await exchange(proxied, ["PROXY TCP4 203.0.113.7"])).toBe(""); // ends inside it
    expect(await exchange(plain, ["ADDR\n"])).toMatch(/^127\.0\.0\.1 /);
  });

  it("never believes a header on a listener without it", async () => {
    const { plain } = await startProxied();
    // The header is the first line of the connection: a command this app does not know.
    expect(await exchange(plain, [`${V1}ADDR\n`])).toBe("unknown\n");
  });

  it("keeps the header's addresses when the connection is parked and resumed", async () => {
    const { app, proxied } = await startProxied();
    const socket = createConnection({ host: "127.0.0.1", port: proxied });
    let answer = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      answer += chunk;
    });
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(`${V1}PARK\n`);
    const deadline = Date.now() + 10_000;
    while ((await app.stats()).parked !== 1) {
      if (Date.now() > deadline) throw new Error(`not parked; answer ${JSON.stringify(answer)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.write("ADDR\n");
    await closed;
    const [parkedBy, addresses] = answer.split("\n");
    expect(Number(parkedBy)).toBeGreaterThan(0);
    expect(addresses).toMatch(new RegExp(`^${V1_ADDRESSES} \\d+$`));
    expect(await app.stats()).toMatchObject({ parks: 1, resumes: 1 });
  });

  it("serves others while a connection's header is late, and then serves it", async () => {
    const { proxied, plain } = await startProxied();
    // Four silent connections (two workers): none holds a worker while it sends nothing.
    const silent = Array.from({ length: 4 }, () =>
      createConnection({ host: "127.0.0.1", port: proxied }),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await exchange(plain, ["ADDR\n"])).toMatch(/^127\.0\.0\.1 /);
      const late = exchange(proxied, ["", V1, "ADDR\n"], 300);
      expect(await late).toMatch(new RegExp(`^${V1_ADDRESSES} \\d+\n$`));
    } finally {
      for (const socket of silent) socket.destroy();
    }
  });
});
