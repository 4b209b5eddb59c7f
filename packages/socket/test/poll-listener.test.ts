// poll() over sockets, streams and listeners, with and without timeouts;
// MoonListener's accept queue; input backpressure against a fast sender.

import { createConnection, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MoonListener, MoonSocket, poll } from "../src/index";
import { cleanup, connect, send, until } from "./helpers/connect";

afterEach(cleanup);

describe("poll", () => {
  it("resolves false when nothing becomes readable in time", async () => {
    const { moon } = await connect();
    expect(await poll([moon], null, 0.05)).toBe(false);
    expect(await poll([moon.input], [], 0.05)).toBe(false);
  });

  it("resolves true when data arrives, without reading it", async () => {
    const { moon, client } = await connect();
    const waiting = poll([moon], null, 10);
    await send(client, "ping");
    expect(await waiting).toBe(true);
    expect(moon.xreadNb()?.toString()).toBe("ping");
  });

  it("resolves true at once when data is already buffered, or at end of stream", async () => {
    const { moon, client } = await connect();
    await send(client, "x");
    await until(() => moon.input.buffered === 1, "the byte");
    expect(await poll([moon], null, 0.01)).toBe(true);
    moon.xreadNb();
    client.end();
    expect(await poll([moon.input], null, 10)).toBe(true);
    expect(moon.xreadNb()).toBeNull();
  });

  it("waits on several sockets and wakes for the one that is ready", async () => {
    const a = await connect();
    const b = await connect();
    const waiting = poll([a.moon, b.moon], null, 10);
    await send(b.client, "b");
    expect(await waiting).toBe(true);
    expect(a.moon.input.buffered).toBe(0);
    await until(() => b.moon.input.buffered === 1, "b's byte");
  });

  it("a writable socket with room is ready at once; a timeout of 0 means no limit", async () => {
    const { moon } = await connect();
    expect(await poll(null, [moon], 0)).toBe(true);
    expect(await poll(undefined, [moon.output])).toBe(true);
  });

  it("a closed socket is ready (the next call reports it)", async () => {
    const { moon } = await connect();
    const waiting = poll([moon], null, 10);
    await moon.close();
    expect(await waiting).toBe(true);
  });

  it("refuses things it cannot wait on, bad timeouts, and an endless wait on nothing", async () => {
    const { moon } = await connect();
    await expect(poll([{} as MoonSocket])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(poll([moon.output as unknown as MoonSocket])).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(poll(null, [moon.input as unknown as MoonSocket])).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(poll([moon], null, -1)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(poll(null, null)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await poll(null, null, 0.01)).toBe(false);
  });
});

async function listening(options?: ConstructorParameters<typeof MoonListener>[1]) {
  const listener = new MoonListener(createServer({ allowHalfOpen: true }), options);
  await new Promise<void>((resolve) => listener.server.listen(0, "127.0.0.1", resolve));
  const address = listener.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const clients: Socket[] = [];
  const dial = (): { socket: Socket; connected: Promise<Socket> } => {
    const client = createConnection({ host: "127.0.0.1", port });
    client.on("error", () => {});
    clients.push(client);
    return {
      socket: client,
      connected: new Promise((resolve) => client.once("connect", () => resolve(client))),
    };
  };
  const stop = async () => {
    for (const client of clients) client.destroy();
    if (listener.server.listening) await listener.close();
  };
  return { listener, dial, stop };
}

describe("MoonListener", () => {
  it("queues connections unread until accepted; poll sees them waiting", async () => {
    const { listener, dial, stop } = await listening();
    try {
      expect(listener.acceptNb()).toBeUndefined();
      expect(await poll([listener], null, 0.05)).toBe(false);
      const client = await dial().connected;
      await send(client, "hello\n");
      expect(await poll([listener], null, 10)).toBe(true);
      const socket = listener.acceptNb();
      expect(socket).toBeInstanceOf(MoonSocket);
      expect(await socket?.read()).toBe("hello");
      expect(socket?.remoteTcpPort).toBe(client.localPort);
      await socket?.close();
    } finally {
      await stop();
    }
  });

  it("accept() waits for the next connection; close() makes it resolve null", async () => {
    const { listener, dial, stop } = await listening();
    try {
      const next = listener.accept();
      await dial().connected;
      const socket = await next;
      expect(socket).toBeInstanceOf(MoonSocket);
      socket?.cancel();
      const after = listener.accept();
      await listener.close();
      expect(await after).toBeNull();
      expect(listener.acceptNb()).toBeNull();
      expect(await poll([listener], null, 10)).toBe(true);
      await expect(listener.close()).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
    } finally {
      await stop();
    }
  });

  it("resets connections beyond maxPending and counts them", async () => {
    const { listener, dial, stop } = await listening({ maxPending: 2 });
    try {
      await dial().connected;
      await dial().connected;
      await until(() => listener.pending === 2, "two waiting connections");
      const third = dial();
      const gone = new Promise((resolve) => third.socket.once("close", resolve));
      await gone;
      expect(listener.dropped).toBe(1);
      expect(listener.pending).toBe(2);
    } finally {
      await stop();
    }
  });

  it("checks its options where it is made: INVALID_OPTION naming the option", () => {
    expect(() => new MoonListener(createServer(), { maxPending: 0 })).toThrow(
      expect.objectContaining({
        code: "INVALID_OPTION",
        message: expect.stringMatching(/maxPending/),
      }),
    );
    expect(() => new MoonListener(createServer(), { inputBufferLimit: -5 })).toThrow(
      expect.objectContaining({
        code: "INVALID_OPTION",
        message: expect.stringMatching(/inputBufferLimit/),
      }),
    );
  });
});

describe("input backpressure", () => {
  it("a sender faster than the reader is held back; memory stays bounded; nothing is lost", async () => {
    const limit = 64 * 1024;
    const { moon, client } = await connect("tcp", { inputBufferLimit: limit });
    const total = 32 * 1024 * 1024;
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 7) & 0xff;
    let written = 0;
    const writeAll = (async () => {
      while (written < total) {
        if (!client.write(block)) await new Promise((resolve) => client.once("drain", resolve));
        written += block.length;
      }
      client.end();
    })();
    // Nobody reads: the socket stops reading ahead, the sender's buffers fill up.
    await until(() => moon.input.buffered >= limit, "the buffer to fill");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const raw = moon.netSocket as Socket;
    expect(moon.input.buffered).toBeLessThanOrEqual(limit + 65536); // one chunk beyond at most
    expect(raw.readableLength).toBeLessThanOrEqual(raw.readableHighWaterMark + 65536);
    expect(written).toBeLessThan(total);
    // Reading drains it all, in order.
    let offset = 0;
    for (;;) {
      const chunk = await moon.xread(50_000);
      if (chunk === null) break;
      for (let i = 0; i < chunk.length; i += 997) {
        expect(chunk[i]).toBe((((offset + i) % block.length) * 7) & 0xff);
      }
      offset += chunk.length;
    }
    await writeAll;
    expect(offset).toBe(total);
  });
});
