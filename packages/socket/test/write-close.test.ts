// Writing and ending: write/flush, writeNb against a peer that stops reading,
// half-close both ways, close with and without a timeout, cancel (RST), and
// what a closed socket says when used again.

import { afterEach, describe, expect, it } from "vitest";
import { MoonSocket, poll } from "../src/index";
import { cleanup, collect, connect, send, TRANSPORTS, until } from "./helpers/connect";

afterEach(cleanup);

describe.each(TRANSPORTS)("writing and closing over %s", (transport) => {
  it("write buffers strings, numbers and bytes in order; flush hands them over", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    const bytes = new Uint8Array([0x41, 0x42, 0x43, 0x44]);
    moon
      .write("HTTP/1.1 200 OK\r\n", "Content-Length: ", 2, "\r\n\r\n")
      .write(bytes.subarray(1, 3));
    moon.output.write("ü");
    expect(moon.output.buffered).toBe(17 + 16 + 1 + 4 + 2 + 2); // bytes, not characters
    moon.output.write("");
    expect(moon.output.buffered).toBe(42);
    await moon.flush();
    await moon.close();
    expect((await received).data.toString()).toBe(
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nBCü",
    );
  });

  it("writes of more than outputBufferLimit go out without a flush", async () => {
    const { moon, client } = await connect(transport, { outputBufferLimit: 1024 });
    let got = 0;
    client.on("data", (chunk: Buffer) => {
      got += chunk.length;
    });
    moon.write(Buffer.alloc(4096, 1));
    await until(() => got === 4096, "the bytes to arrive unflushed");
  });

  it("write refuses what is not bytes, text or a number", async () => {
    const { moon } = await connect(transport);
    expect(() => moon.write({} as unknown as string)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("writeNb takes what fits, returns the rest, and keeps memory bounded when the peer stops reading", async () => {
    const limit = 64 * 1024;
    const { moon, client } = await connect(transport, { outputBufferLimit: limit });
    client.pause();
    const piece = Buffer.alloc(16 * 1024);
    let sent = 0;
    let rest: Buffer = Buffer.alloc(0);
    for (let round = 0; round < 100_000 && rest.length === 0; round++) {
      piece.fill(round & 0xff);
      rest = moon.writeNb(piece);
      sent += piece.length - rest.length;
      expect(moon.output.buffered).toBeLessThanOrEqual(limit);
      if (rest.length === 0 && round % 8 === 7)
        await new Promise((resolve) => setImmediate(resolve));
    }
    expect(rest.length).toBeGreaterThan(0);
    expect(await poll(null, [moon], 0.05)).toBe(false);
    // The peer reads again: room comes back, and the rest goes out.
    let received = 0;
    client.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    client.resume();
    expect(await poll(null, [moon.output], 10)).toBe(true);
    while (rest.length > 0) {
      const before = rest.length;
      rest = moon.writeNb(rest);
      sent += before - rest.length;
      if (rest.length > 0) await poll(null, [moon], 10);
    }
    await moon.flush();
    await until(() => received === sent, "every byte written to arrive");
  });

  it("writeNb returns everything when there is no room, and an empty buffer when all fits", async () => {
    const { moon, client } = await connect(transport, { outputBufferLimit: 8 });
    const received = collect(client);
    const first = moon.writeNb("0123", Buffer.from("4567"), "89");
    expect(first.toString()).toBe("89");
    await moon.flush();
    const second = moon.writeNb("89");
    expect(second.length).toBe(0);
    await moon.close();
    expect((await received).data.toString()).toBe("0123456789");
  });

  it("output.close() sends FIN while the input stays readable", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    moon.write("bye");
    await moon.output.close();
    expect((await received).data.toString()).toBe("bye");
    expect(() => moon.write("more")).toThrow(expect.objectContaining({ code: "OUTPUT_CLOSED" }));
    expect(moon.output.closed).toBe(true);
    await send(client, "still listening\n");
    expect(await moon.read()).toBe("still listening");
    client.end();
    expect(await moon.read()).toBeNull();
  });

  it("the peer's FIN leaves our output writable", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    client.end("question\n");
    expect(await moon.read()).toBe("question");
    expect(await moon.read()).toBeNull();
    await moon.write("answer\n").flush();
    await moon.close();
    expect((await received).data.toString()).toBe("answer\n");
  });

  it("close() flushes, sends FIN and closes; using the socket afterwards fails with SOCKET_CLOSED", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    moon.write("x".repeat(100_000));
    await moon.close();
    const { data, error } = await received;
    expect(error).toBeUndefined();
    expect(data.length).toBe(100_000);
    expect(moon.closed).toBe(true);
    await expect(moon.close()).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
    expect(() => moon.cancel()).toThrow(expect.objectContaining({ code: "SOCKET_CLOSED" }));
    await expect(moon.xread(1)).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
    await expect(moon.read()).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
    expect(() => moon.xreadNb(1)).toThrow(expect.objectContaining({ code: "SOCKET_CLOSED" }));
    expect(() => moon.write("x")).toThrow(expect.objectContaining({ code: "SOCKET_CLOSED" }));
    expect(() => moon.writeNb("x")).toThrow(expect.objectContaining({ code: "SOCKET_CLOSED" }));
    await expect(moon.flush()).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
    await expect(moon.output.close()).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
    await expect(moon.detach()).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
  });

  it("close(timeout) resolves once everything is out", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    moon.write("y".repeat(300_000));
    await moon.close(10);
    expect((await received).data.length).toBe(300_000);
  });

  it("close(timeout) resets the connection when the peer does not take the data in time", async () => {
    const { moon, client } = await connect(transport);
    client.pause();
    const size = 8 * 1024 * 1024;
    moon.write(Buffer.alloc(size));
    await expect(moon.close(0.2)).rejects.toMatchObject({ code: "ETIMEDOUT" });
    // What the peer sees of a reset depends on the kernel (ECONNRESET, or an early end
    // when its receive queue is dropped); either way the data did not all arrive.
    let received = 0;
    client.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    const ended = new Promise<void>((resolve) => {
      client.once("end", resolve);
      client.once("error", () => resolve());
    });
    client.resume();
    await ended;
    expect(received).toBeLessThan(size);
  });

  it("a pending read fails with SOCKET_CLOSED when the socket is closed", async () => {
    const { moon } = await connect(transport);
    const pending = moon.read();
    await moon.close();
    await expect(pending).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
  });

  it("cancel() closes at once; the peer sees the end of the connection", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    moon.cancel();
    const { error } = await received;
    if (transport.startsWith("tcp")) expect(error?.code).toBe("ECONNRESET");
    expect(moon.closed).toBe(true);
  });

  it("writes to a peer that reset the connection fail with the system's code", async () => {
    if (transport.startsWith("unix")) return;
    const { moon, client } = await connect(transport);
    client.resetAndDestroy();
    await until(() => moon.input.ended, "the reset to arrive");
    let failure: unknown;
    try {
      for (let i = 0; i < 100; i++) await moon.write(Buffer.alloc(65536)).flush();
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ name: "MoonSocketError" });
    expect(String((failure as { code: string }).code)).toMatch(/^E/);
    // The output keeps the error: later writes and flushes fail with it.
    expect(moon.output.error).toBe(failure);
    await expect(moon.flush()).rejects.toBe(failure);
  });

  it("output.error is undefined while writes succeed; buffered 0 after a flush the kernel took at once", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    const flushed = moon.write("hello").flush();
    expect(moon.output.buffered).toBe(0);
    expect(moon.output.error).toBeUndefined();
    await flushed;
    await moon.close();
    expect((await received).data.toString()).toBe("hello");
  });

  it("detach() hands on the connection with every unread byte; a new MoonSocket goes on from there", async () => {
    const { moon, client } = await connect(transport);
    const received = collect(client);
    await send(client, "first\nsecond\nthird\n");
    expect(await moon.read()).toBe("first");
    moon.write("reply 1\n");
    const { socket, unread, ended } = await moon.detach();
    expect(ended).toBe(false);
    expect(unread.toString()).toBe("second\nthird\n");
    expect(moon.closed).toBe(true);
    const next = new MoonSocket(socket, { unread });
    await send(client, "fourth\n");
    expect(await next.read()).toBe("second");
    expect(await next.read()).toBe("third");
    expect(await next.read()).toBe("fourth");
    await next.write("reply 2\n").flush();
    client.end();
    expect(await next.read()).toBeNull();
    await next.close();
    expect((await received).data.toString()).toBe("reply 1\nreply 2\n");
  });

  it("detach() hands on a socket that Node code reads as it is: its first 'data' listener gets what comes next", async () => {
    const { moon, client } = await connect(transport);
    await send(client, "before\n");
    expect(await moon.read()).toBe("before");
    const { socket, unread } = await moon.detach();
    expect(unread.length).toBe(0);
    expect(socket.readableFlowing).toBeNull();
    const chunks: Buffer[] = [];
    const got = new Promise<void>((resolve) =>
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (Buffer.concat(chunks).toString() === "after\n") resolve();
      }),
    );
    await send(client, "after\n");
    await got;
    socket.destroy();
    client.destroy();
  });
});

describe("options", () => {
  // All of them, and the unknown keys, in options.test.ts.
  it("are checked where the socket is made: INVALID_OPTION naming the option", () => {
    const named = (name: string) =>
      expect.objectContaining({ code: "INVALID_OPTION", message: expect.stringContaining(name) });
    expect(() => new MoonSocket(null, { inputBufferLimit: 0 })).toThrow(named("inputBufferLimit"));
    expect(() => new MoonSocket(null, { outputBufferLimit: 1.5 })).toThrow(
      named("outputBufferLimit"),
    );
    expect(() => new MoonSocket(null, { maxLineLength: Number.NaN })).toThrow(
      named("maxLineLength"),
    );
    expect(() => new MoonSocket(null, { closeTimeout: -1 })).toThrow(named("closeTimeout"));
    expect(() => new MoonSocket(null, { interval: 5 as unknown as string })).toThrow(
      named("interval"),
    );
    expect(() => new MoonSocket(null, { unread: "x" as unknown as Uint8Array })).toThrow(
      named("unread"),
    );
  });

  it("close(timeout) refuses a negative timeout", async () => {
    const socket = new MoonSocket(null);
    await expect(socket.close(-1)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
