// The Node internals the pool relies on (see src/internal/native-handles.ts):
// if a Node release changes them, these tests fail loudly, naming what broke.

import { createConnection, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { acceptOnce, bindTcp, isNativeHandle } from "../src/internal/native-handles";

describe("Node internals used by the pool", () => {
  it("process.binding('tcp_wrap') binds without listening: connections are refused until a worker listens", async () => {
    const { handle, port } = bindTcp("127.0.0.1", 0, false);
    expect(isNativeHandle(handle)).toBe(true);
    expect(port).toBeGreaterThan(0);
    const refused = await new Promise<string>((resolve) => {
      const probe = createConnection({ host: "127.0.0.1", port });
      probe.once("connect", () => resolve("connected"));
      probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    handle.close();
  });

  // In the pool the supervisor holds another copy, so the second connection waits in
  // the backlog (the pool tests show it served); here this is the only copy, so it is reset.
  it("closing the handle inside the accept callback takes exactly one connection", async () => {
    const { handle, port } = bindTcp("127.0.0.1", 0, false);
    const accepted: Socket[] = [];
    acceptOnce(
      [handle],
      (socket) => accepted.push(socket),
      (error) => {
        throw error;
      },
    );
    const clients = [
      createConnection({ host: "127.0.0.1", port }),
      createConnection({ host: "127.0.0.1", port }),
    ];
    for (const client of clients) client.on("error", () => {});
    // Each client ends up connected or reset; neither can be accepted a second time.
    await Promise.all(
      clients.map(
        (client) =>
          new Promise((resolve) => {
            client.once("connect", resolve);
            client.once("close", resolve);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(accepted).toHaveLength(1);
    const socket = accepted[0] as Socket;
    const echoed = new Promise<string>((resolve) =>
      socket.once("data", (chunk) => resolve(chunk.toString())),
    );
    socket.resume();
    clients[0]?.write("one");
    clients[1]?.write("two");
    expect(["one", "two"]).toContain(await echoed);
    for (const client of clients) client.destroy();
    socket.destroy();
  });
});
