// Binding fails loudly: a TCP port in use (by any process, or by another
// pool) is BIND_FAILED at start, the supervisor exits, and nothing listens
// anywhere (libuv keeps a bind's EADDRINUSE for listen(), which only the
// workers call: without the check they listened on a random port instead).

import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

function holdPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

describe("a TCP port in use", () => {
  it("is BIND_FAILED naming the address; the supervisor forks nothing and exits non-zero", async () => {
    const held = await holdPort();
    try {
      const port = portOf(held);
      const app = await startApp(
        { listeners: [{ proto: "tcp", host: "127.0.0.1", port }], options: { minFork: 2 } },
        false,
      );
      expect(await app.exited).not.toBe(0);
      expect(app.output()).toContain("BIND_FAILED");
      expect(app.output()).toContain(`127.0.0.1:${port}`);
      expect(app.output()).not.toContain("READY");
      expect(app.records().filter((line) => line.startsWith("prepare"))).toEqual([]);
    } finally {
      held.close();
    }
  });

  it("held by another pool is BIND_FAILED too, and the first pool serves on", async () => {
    const first = await startApp({ listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }] });
    const second = await startApp(
      { listeners: [{ proto: "tcp", host: "127.0.0.1", port: first.port }] },
      false,
    );
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain("BIND_FAILED");
    expect(second.records().filter((line) => line.startsWith("prepare"))).toEqual([]);
    expect(await first.ask("PID")).toMatch(/^\d+$/);
    expect(await first.stop()).toBe(0);
  });
});
