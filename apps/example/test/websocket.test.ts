// The WebSocket echo (/echo) through the real pool, with ws as the client:
// each WebSocket is served by a worker of its own; text and binary come
// back, ping gets pong, close is clean; and when one WebSocket's worker is
// killed by its timeout() ("hang"), only that WebSocket is lost: the other
// echoes on, and the pool serves a new one.

import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { eventually, isAlive } from "./faults/helpers/procs";
import { useExample } from "./helpers/example";

const app = useExample({ MIN_FORK: "2", MAX_FORK: "4" });

/** An open WebSocket to the echo, with the messages it got. */
async function open(): Promise<{ ws: WebSocket; got: string[]; next: () => Promise<string> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/echo/socket`);
  const got: string[] = [];
  const waiting: Array<(message: string) => void> = [];
  ws.on("message", (data) => {
    const message = data.toString();
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else got.push(message);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const next = () => {
    const ready = got.shift();
    return ready !== undefined
      ? Promise.resolve(ready)
      : new Promise<string>((resolve) => waiting.push(resolve));
  };
  return { ws, got, next };
}

describe("the WebSocket echo", () => {
  it("serves the page, and each WebSocket in a worker of its own: echo, ping, close", async () => {
    const page = await fetch(`${app.url}/echo`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>WebSocket echo</h1>");
    const a = await open();
    const b = await open();
    a.ws.send("hello");
    const [pidA, text] = (await a.next()).split(": ");
    expect(text).toBe("hello");
    b.ws.send("there");
    const pidB = (await b.next()).split(": ")[0];
    expect(pidB).not.toBe(pidA); // a's worker is busy with a for as long as it is open
    b.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(Buffer.from(await b.next(), "latin1")).toEqual(Buffer.from([1, 2, 3]));
    const pong = new Promise((resolve) => a.ws.once("pong", (data) => resolve(data.toString())));
    a.ws.ping("ping?");
    expect(await pong).toBe("ping?");
    for (const { ws } of [a, b]) {
      const closed = new Promise((resolve) => ws.once("close", resolve));
      ws.close(1000);
      expect(await closed).toBe(1000);
    }
  });

  it("loses only the WebSocket whose worker its timeout() kills; the other echoes on", async () => {
    const doomed = await open();
    const other = await open();
    doomed.ws.send("who");
    const doomedPid = Number((await doomed.next()).split(": ")[0]);
    other.ws.send("who");
    const otherPid = Number((await other.next()).split(": ")[0]);
    expect(otherPid).not.toBe(doomedPid);
    const lost = new Promise<number>((resolve) => doomed.ws.once("close", (code) => resolve(code)));
    doomed.ws.send("hang");
    expect(await lost).toBe(1006); // no close frame: the process is gone
    // The kernel closes a killed process's sockets a moment before it is
    // done exiting, so the close may come first.
    expect(await eventually(() => !isAlive(doomedPid), 5)).toBe(true);
    other.ws.send("still here");
    expect(await other.next()).toBe(`${otherPid}: still here`);
    const fresh = await open();
    fresh.ws.send("new");
    expect((await fresh.next()).endsWith(": new")).toBe(true);
    await app.waitFor(new RegExp(`worker ${doomedPid}\\b.*(timeout|killed)`));
    for (const { ws } of [other, fresh]) ws.close();
  });
});
