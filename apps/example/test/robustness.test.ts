// What a bad handler costs: an exception, a callback that returns false, and
// a request killed by its timeout() each lose only their own connection (the
// first and the last answered with the app's error pages); the pool replaces
// the workers and serves on. Also: the interval listener's
// heartbeat, and a clean stop on SIGTERM.

import { describe, expect, it } from "vitest";
import { startExample, useExample } from "./helpers/example";
import { raw, statuses } from "./helpers/raw";

const app = useExample({ HEARTBEAT_SECONDS: "0.5" }, ["--stats", "0.5"]);

/** The newest stats line's count for an exit reason (0 when absent). */
async function exits(reason: string, atLeast: number): Promise<number> {
  const pattern = new RegExp(`"${reason}":(\\d+)`, "g");
  for (let tries = 0; tries < 100; tries++) {
    const found = [...app.output().matchAll(pattern)].map((match) => Number(match[1]));
    const newest = found.at(-1) ?? 0;
    if (newest >= atLeast) return newest;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no stats line with ${reason} >= ${atLeast}:\n${app.output().slice(-2000)}`);
}

describe("a bad handler loses only its own connection", () => {
  it("an exception: 500 on that connection; the others are served", async () => {
    const [bad, good] = await Promise.all([
      raw(app.port, "GET /throw HTTP/1.1\r\nHost: a\r\n\r\nGET /ping HTTP/1.1\r\nHost: a\r\n\r\n"),
      fetch(`${app.url}/anything`).then((response) => response.status),
    ]);
    expect(statuses(bad.text)).toEqual([500]); // the pipelined /ping died with the connection
    expect(bad.text).toMatch(
      /Content-Type: text\/html; charset=utf-8\r\n[\s\S]*<h1 id="error">Something went wrong<\/h1>/,
    );
    expect(good).toBe(200);
    await app.waitFor(/an exception in a request callback/);
    expect((await fetch(`${app.url}/ping`)).status).toBe(204);
  });

  it("a callback returning false: answered, then the worker exits and is replaced", async () => {
    const result = await raw(
      app.port,
      "GET /exit-after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    expect(statuses(result.text)).toEqual([200]);
    await exits("connect-not-true", 1);
    expect((await fetch(`${app.url}/ping`)).status).toBe(204);
  });

  it("a request past its timeout(): the worker is killed, its client gets the 503 page, the others are served", async () => {
    const slow = raw(app.port, "GET /slow?seconds=10 HTTP/1.1\r\nHost: a\r\n\r\n");
    const meanwhile = await fetch(`${app.url}/slow?seconds=0.2`);
    expect(meanwhile.status).toBe(200);
    const killed = await slow;
    expect(statuses(killed.text)).toEqual([503]);
    expect(killed.text).toContain('<h1 id="error">That took too long</h1>');
    expect(killed.how).toBe("end");
    await exits("killed", 1);
    expect((await fetch(`${app.url}/ping`)).status).toBe(204);
  });
});

describe("the rest of the app", () => {
  it("the interval listener logs a heartbeat", async () => {
    await app.waitFor(/heartbeat from worker \d+/);
  });

  it("SIGTERM stops it cleanly (exit 0)", async () => {
    const other = await startExample();
    expect((await fetch(`${other.url}/ping`)).status).toBe(204);
    expect(await other.stop()).toBe(0);
  });
});
