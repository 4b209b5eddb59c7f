// Reading straight from a connection's handle (src/internal/handle-reads.ts):
// the Node internals it needs are there (this fails loudly on a Node version
// without them, instead of every socket silently taking the slower stream
// path), bytes arrive in order and are counted, the end of stream and errors
// take Node's own way, and the stream path still serves sockets the handle
// path cannot take.

import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MoonSocket } from "../src/index";
import { readFromHandle, streamReadState } from "../src/internal/handle-reads";
import { cleanup, connect, pair, send, until } from "./helpers/connect";

afterEach(cleanup);

/** Collects what a reader delivers. */
function reading(raw: Socket) {
  const chunks: Buffer[] = [];
  const reader = readFromHandle(raw, (chunk) => chunks.push(Buffer.from(chunk)));
  if (reader === undefined) throw new Error("the handle path refused a fresh connection");
  return { reader, text: () => Buffer.concat(chunks).toString("latin1") };
}

describe("the Node internals the handle path needs", () => {
  it("stream_wrap shares its read state", () => {
    const state = streamReadState();
    expect(state).not.toBeNull();
    expect(state?.streamBaseState).toBeInstanceOf(Int32Array);
  });
});

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

  it("refuses a socket that is read already, or holds bytes in its Readable", async () => {
    const flowing = await pair(transport);
    flowing.raw.on("data", () => {});
    expect(readFromHandle(flowing.raw, () => {})).toBeUndefined();

    const buffered = await pair(transport);
    buffered.raw.read(0); // reads into the Readable, paused: nothing is consumed
    await send(buffered.client, "early");
    await until(() => buffered.raw.readableLength === 5, "the bytes in the Readable");
    expect(readFromHandle(buffered.raw, () => {})).toBeUndefined();
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
});
