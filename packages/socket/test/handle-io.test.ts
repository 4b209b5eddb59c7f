// Reading and writing straight on a connection's handle
// (src/internal/handle-io.ts): bytes arrive in order and are counted, the end
// of stream and errors take Node's own way, and the stream path still serves
// sockets the handle path cannot take. The Node internals it needs are
// checked in node-internals.test.ts.

import { connect as netConnect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MoonSocket } from "../src/index";
import { HandleReader, HandleWriter } from "../src/internal/handle-io";
import { cleanup, collect, connect, pair, send, takeHandle, until } from "./helpers/connect";

afterEach(cleanup);

/** Collects what a reader delivers. */
function reading(raw: Socket) {
  const chunks: Buffer[] = [];
  const reader = HandleReader.of(raw, { bytesCame: (chunk) => chunks.push(chunk) }); // kept as given: each must be its own
  if (reader === undefined) throw new Error("the handle path refused a fresh connection");
  return { reader, text: () => Buffer.concat(chunks).toString("latin1") };
}

/** `length` bytes of a pattern that differs per `seed` and never repeats within a read. */
function patterned(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * seed + (i >> 8)) & 0xff;
  return bytes;
}

/** A writer for a fresh connection's handle (throws if the handle path refuses it). */
function writing(raw: Socket) {
  const writer = HandleWriter.of(raw);
  if (writer === undefined) throw new Error("the handle path refused a fresh connection");
  return writer;
}

describe.each(["tcp", "unix"] as const)("reading the handle over %s", (transport) => {
  it("takes a fresh connection, delivers its bytes in order and counts them in bytesRead", async () => {
    const { raw, client } = await pair(transport);
    const { reader, text } = reading(raw);
    reader.start();
    await send(client, "first ");
    await until(() => text() === "first ", "the first piece");
    await send(client, "second");
    await until(() => text() === "first second", "the second piece");
    expect(raw.bytesRead).toBe(12);
  });

  it("delivers nothing while stopped, and what came meanwhile once started again", async () => {
    const { raw, client } = await pair(transport);
    const { reader, text } = reading(raw);
    reader.start();
    await send(client, "a");
    await until(() => text() === "a", "the first byte");
    reader.stop();
    await send(client, "b");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(text()).toBe("a");
    reader.start();
    await until(() => text() === "ab", "the byte sent while stopped");
  });

  it("leaves the end of stream to Node: the socket emits 'end'", async () => {
    const { raw, client } = await pair(transport);
    const { reader, text } = reading(raw);
    let ended = false;
    raw.on("end", () => {
      ended = true;
    });
    reader.start();
    client.end("bye");
    await until(() => ended, "'end'");
    expect(text()).toBe("bye");
  });

  it("after release, the socket's own Readable gets the bytes", async () => {
    const { raw, client } = await pair(transport);
    const { reader, text } = reading(raw);
    reader.start();
    await send(client, "mine");
    await until(() => text() === "mine", "the reader's bytes");
    reader.release();
    reader.start(); // a released reader does nothing
    const theirs: Buffer[] = [];
    raw.on("data", (chunk: Buffer) => theirs.push(chunk)).resume(); // paused since its creation
    await send(client, "theirs");
    await until(() => Buffer.concat(theirs).toString() === "theirs", "the Readable's bytes");
    expect(text()).toBe("mine");
  });

  it("keeps two connections' bytes apart, megabytes of them at once (one read buffer serves all)", async () => {
    const one = await pair(transport);
    const two = await pair(transport);
    const a = reading(one.raw);
    const b = reading(two.raw);
    a.reader.start();
    b.reader.start();
    const sentA = patterned(1 << 20, 7);
    const sentB = patterned(1 << 20, 13);
    one.client.write(sentA);
    two.client.write(sentB);
    await until(
      () => a.text().length === sentA.length && b.text().length === sentB.length,
      "both megabytes",
    );
    expect(a.text() === sentA.toString("latin1")).toBe(true);
    expect(b.text() === sentB.toString("latin1")).toBe(true);
  });

  it("after release, a full Readable stops the handle, and reading it on loses nothing", async () => {
    const { raw, client } = await pair(transport);
    const { reader } = reading(raw);
    reader.start();
    reader.release();
    const sent = patterned(4 << 20, 31);
    client.end(sent);
    // Nobody reads: the Readable fills to its high-water mark and the handle stops.
    await until(() => raw.readableLength >= raw.readableHighWaterMark, "the Readable to fill");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(raw.readableLength).toBeLessThan(sent.length);
    const got: Buffer[] = [];
    raw.on("data", (chunk: Buffer) => got.push(chunk)).resume();
    await new Promise((resolve) => raw.once("end", resolve));
    expect(Buffer.concat(got).equals(sent)).toBe(true);
  });

  it("a handle released by one reader is taken again by the next", async () => {
    const { raw, client } = await pair(transport);
    const first = reading(raw);
    first.reader.start();
    await send(client, "one");
    await until(() => first.text() === "one", "the first reader's bytes");
    first.reader.stop();
    first.reader.release();
    const second = reading(raw);
    second.reader.start();
    await send(client, "two");
    await until(() => second.text() === "two", "the second reader's bytes");
    expect(first.text()).toBe("one");
  });

  it("refuses a socket that is read already, or holds bytes in its Readable", async () => {
    const flowing = await pair(transport);
    flowing.raw.on("data", () => {});
    expect(HandleReader.of(flowing.raw, { bytesCame: () => {} })).toBeUndefined();

    const buffered = await pair(transport);
    buffered.raw.read(0); // reads into the Readable, paused: nothing is consumed
    await send(buffered.client, "early");
    await until(() => buffered.raw.readableLength === 5, "the bytes in the Readable");
    expect(HandleReader.of(buffered.raw, { bytesCame: () => {} })).toBeUndefined();
  });

  it("a MoonSocket over a socket the handle path refuses reads it as a stream, losing nothing", async () => {
    const { raw, client } = await pair(transport);
    raw.read(0);
    await send(client, "before\n");
    await until(() => raw.readableLength === 7, "the bytes in the Readable");
    const moon = new MoonSocket(raw);
    expect(await moon.read()).toBe("before");
    await send(client, "after\n");
    expect(await moon.read()).toBe("after");
    client.end();
    expect(await moon.read()).toBeNull();
  });

  it("a MoonSocket over a client still connecting reads it as a stream; its writes wait for the connection", async () => {
    const { server } = await pair(transport);
    const address = server.address();
    const echoed = new Promise<string>((resolve) =>
      server.once("connection", (peer: Socket) => {
        peer.once("data", (chunk: Buffer) => {
          peer.end(chunk);
          resolve(chunk.toString());
        });
        peer.resume(); // the test server pauses its connections
      }),
    );
    const client =
      typeof address === "string"
        ? netConnect({ path: address })
        : netConnect({ host: "127.0.0.1", port: address?.port ?? 0 });
    expect(client.connecting).toBe(true);
    expect(HandleReader.of(client, { bytesCame: () => {} })).toBeUndefined();
    const moon = new MoonSocket(client);
    await moon.write("ping\n").flush();
    expect(await echoed).toBe("ping\n");
    expect(await moon.read()).toBe("ping");
    expect(await moon.read()).toBeNull();
    await moon.close();
  });

  it("a MoonSocket stops the handle when its buffer is full and reads on once it is drained", async () => {
    const { moon, client } = await connect(transport, { inputBufferLimit: 1024 });
    const sent = Buffer.alloc(256 * 1024, 0x61);
    client.end(sent);
    // Nobody reads for a while: the socket buffers about its limit, not the 256 KiB sent.
    await until(() => moon.input.buffered >= 1024, "the buffer to fill");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(moon.input.buffered).toBeLessThan(200 * 1024);
    let total = 0;
    for (let chunk = await moon.xread(4096); chunk !== null; chunk = await moon.xread(4096))
      total += chunk.length;
    expect(total).toBe(sent.length);
  });

  it("writes to the handle: done at once when the kernel takes it all, counted in bytesWritten", async () => {
    const { raw, client } = await pair(transport);
    const writer = writing(raw);
    const received = collect(client);
    let done = 0;
    expect(writer.write(Buffer.from("hello "), () => done++)).toBe(true);
    expect(done).toBe(1);
    expect(writer.write(Buffer.from("world"), () => done++)).toBe(true);
    expect(raw.bytesWritten).toBe(11);
    raw.end();
    expect((await received).data.toString()).toBe("hello world");
  });

  it("a write the kernel cannot take now waits in libuv, in order, and is done once taken", async () => {
    const { raw, client } = await pair(transport);
    const writer = writing(raw);
    client.pause();
    const size = 8 * 1024 * 1024;
    const first = Buffer.alloc(size, 0x61);
    const second = Buffer.from("end");
    const done: Array<Error | null | undefined> = [];
    writer.write(first, (error) => done.push(error));
    writer.write(second, (error) => done.push(error));
    expect(writer.queued).toBeGreaterThan(0);
    expect(done).toEqual([]);
    const received = collect(client);
    client.resume();
    await until(() => done.length === 2, "both writes");
    expect(done).toEqual([undefined, undefined]);
    expect(writer.queued).toBe(0);
    raw.end();
    const { data } = await received;
    expect(data.length).toBe(size + 3);
    expect(data.subarray(size).toString()).toBe("end");
  });

  it("writes strings as UTF-8 from their characters, at once or queued", async () => {
    const { raw, client } = await pair(transport);
    const writer = writing(raw);
    client.pause();
    const big = "ü".repeat(4 * 1024 * 1024); // 8 MiB of UTF-8: more than the kernel takes at once
    const done: Array<Error | null | undefined> = [];
    expect(writer.write("grüße ", (error) => done.push(error))).toBe(true);
    expect(done).toEqual([undefined]);
    writer.write(big, (error) => done.push(error));
    writer.write(" €", (error) => done.push(error));
    expect(writer.queued).toBeGreaterThan(0);
    const received = collect(client);
    client.resume();
    await until(() => done.length === 3, "the three writes");
    raw.end();
    const text = (await received).data.toString("utf8");
    expect(text.length).toBe(6 + big.length + 2);
    expect(text.startsWith("grüße ü")).toBe(true);
    expect(text.endsWith("ü €")).toBe(true);
    expect(raw.bytesWritten).toBe(Buffer.byteLength(text));
  });

  it("leaves the socket to its stream while it has stream writes queued or corked", async () => {
    const { raw } = await pair(transport);
    const writer = writing(raw);
    raw.cork();
    raw.write("corked");
    expect(writer.write(Buffer.from("x"), () => {})).toBe(false);
    raw.uncork();
  });

  it("a failed write destroys the socket with the system error and reports it", async () => {
    const { raw, client } = await pair(transport);
    const writer = writing(raw);
    const errors: Error[] = [];
    raw.on("error", (error) => errors.push(error));
    client.destroy();
    // The kernel learns of the peer's close on a first write; a later one fails.
    const outcomes: Array<NodeJS.ErrnoException | null | undefined> = [];
    for (let i = 0; i < 50 && !raw.destroyed; i++) {
      writer.write(Buffer.alloc(64 * 1024), (error) => outcomes.push(error));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(raw.destroyed).toBe(true);
    const failure = outcomes.find((error) => error !== undefined && error !== null);
    expect(failure?.syscall).toBe("write");
    expect(["EPIPE", "ECONNRESET"]).toContain(failure?.code);
    await until(() => errors.length > 0, "the socket's error event");
    expect(errors[0]).toBe(failure);
    expect(writer.write(Buffer.from("x"), () => {})).toBe(false);
  });
});

describe.each(["tcp", "unix"] as const)("a MoonSocket over a bare handle (%s)", (transport) => {
  it("has no net.Socket, counts the bytes each way, and serves a request to its FIN", async () => {
    const { raw, client } = await pair(transport);
    const moon = MoonSocket.fromHandle(takeHandle(raw));
    expect(moon.netSocket).toBeNull();
    const received = collect(client);
    await send(client, "ping\n");
    expect(await moon.read()).toBe("ping");
    await moon.write("pong\n").flush();
    expect(moon.bytesRead).toBe(5);
    expect(moon.bytesWritten).toBe(5);
    await moon.close();
    const { data, error } = await received;
    expect(error).toBeUndefined();
    expect(data.toString()).toBe("pong\n");
  });

  it("refuses what is not a connection's handle", async () => {
    const { raw } = await pair(transport);
    expect(() => MoonSocket.fromHandle(raw)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => MoonSocket.fromHandle({})).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => MoonSocket.fromHandle(null)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("a close that cannot send its data in time resets the connection", async () => {
    const { raw, client } = await pair(transport);
    const moon = MoonSocket.fromHandle(takeHandle(raw));
    client.pause(); // the peer reads nothing: the data stays with us
    moon.write(Buffer.alloc(8 << 20));
    const outcome = await moon.close(0.2).then(
      () => "sent",
      (error: { code?: string }) => error.code,
    );
    expect(outcome).toBe("ETIMEDOUT");
  });
});

/** A connection's handle as a server accepting on Node's own TCP handles gets it: fresh, never in a net.Socket. */
async function acceptedHandle(): Promise<{ handle: object; client: Socket }> {
  const { TCP, constants } = (
    process as unknown as {
      binding(name: "tcp_wrap"): {
        TCP: new (type: number) => Record<string, (...args: unknown[]) => unknown>;
        constants: { SERVER: number };
      };
    }
  ).binding("tcp_wrap");
  const server = new TCP(constants.SERVER);
  expect(server.bind?.("127.0.0.1", 0)).toBe(0);
  const address: { port?: number } = {};
  server.getsockname?.(address);
  const accepted = new Promise<object>((resolve) => {
    server.onconnection = (_status: unknown, client: unknown) => {
      server.close?.();
      resolve(client as object);
    };
  });
  expect(server.listen?.(8)).toBe(0);
  const client = netConnect({ host: "127.0.0.1", port: address.port ?? 0 });
  client.on("error", () => {});
  const handle = await accepted;
  return { handle, client };
}

it("a MoonSocket over a freshly accepted handle (no onread of Node's yet) reads, writes and closes", async () => {
  const { handle, client } = await acceptedHandle();
  const moon = MoonSocket.fromHandle(handle);
  const received = collect(client);
  client.write("hi\n");
  expect(await moon.read()).toBe("hi");
  await moon.write("there\n").flush();
  client.end();
  expect(await moon.read()).toBeNull();
  await moon.close();
  expect((await received).data.toString()).toBe("there\n");
});
