// A worker killed by its timeout() mid-request still answers that request:
// until the response begins, the timeout watchdog holds a 503 for the
// request's connection (@moonbridge/timeout's lastReply) and writes it
// before the kill. Each case runs test/fixtures/killed.mjs in a process of
// its own, which the request kills.

import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const FIXTURE = fileURLToPath(new URL("./fixtures/killed.mjs", import.meta.url));

/** Sends `request` to a new fixture process; resolves with what came back before the close, and how the process ended. */
async function killedBy(
  request: string,
  mode = "plain",
): Promise<{ text: string; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [FIXTURE, mode], { stdio: ["ignore", "pipe", "pipe"] });
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const ended = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("close", (_code, signal) => resolve(signal)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString())));
    child.once("error", reject);
  });
  const text = await new Promise<string>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("close", () => resolve(received));
    socket.on("error", () => {});
    socket.write(request);
  });
  const signal = await ended;
  clearTimeout(guard);
  return { text, signal };
}

const GET = (path: string) => `GET /${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

describe("a request whose worker a timer kills", () => {
  it("gets a 503, closing the connection, when its event loop is blocked", async () => {
    const { text, signal } = await killedBy(GET("blocks"));
    expect(signal).toBe("SIGKILL");
    expect(text).toBe(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n",
    );
  });

  it("gets a 503 while it awaits something", async () => {
    const { text, signal } = await killedBy(GET("waits"));
    expect(signal).toBe("SIGKILL");
    expect(text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
  });

  it("gets the errorPage option's 503 page", async () => {
    const { text } = await killedBy(GET("blocks"), "page");
    expect(text).toBe(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<h1>Took too long</h1>",
    );
  });

  it("a HEAD request gets the head alone", async () => {
    const { text } = await killedBy(`HEAD /blocks HTTP/1.1\r\nHost: test\r\n\r\n`, "page");
    expect(text).toBe(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 22\r\nConnection: close\r\n\r\n",
    );
  });

  it("gets nothing more once its response has begun: the connection just closes", async () => {
    const { text, signal } = await killedBy(GET("started"));
    expect(signal).toBe("SIGKILL");
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\npartial$/);
  });
});
