// Reading: xread, xreadNb, read formats and lines over real TCP and Unix
// sockets, with input split and coalesced, and end of stream mid-read.

import { afterEach, describe, expect, it } from "vitest";
import { MoonSocket, MoonSocketError } from "../src/index";
import { cleanup, connect, send, TRANSPORTS, until } from "./helpers/connect";

afterEach(cleanup);

const text = (buffer: Buffer | null) => (buffer === null ? null : buffer.toString("latin1"));

describe.each(TRANSPORTS)("reading over %s", (transport) => {
  it("xread stops after the terminator, includes it, and keeps the rest", async () => {
    const { moon, client } = await connect(transport);
    await send(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(text(await moon.xread(100, "\n"))).toBe("GET / HTTP/1.1\r\n");
    expect(text(await moon.input.xread(100, "\n"))).toBe("Host: x\r\n");
    expect(text(await moon.xread(100, "\n"))).toBe("\r\n");
    expect(moon.input.buffered).toBe(0);
  });

  it("readable() waits for bytes without taking them, and says false at the end", async () => {
    const { moon, client } = await connect(transport);
    const waiting = moon.input.readable();
    await send(client, "abc");
    expect(await waiting).toBe(true);
    // Nothing was taken: the bytes are all there for xreadNb, and readable() is true at once.
    expect(await moon.input.readable()).toBe(true);
    expect(text(moon.xreadNb())).toBe("abc");
    await send(client, "de");
    client.end();
    await until(() => moon.input.ended, "the end of stream");
    // Bytes left at the end: still readable; once they are taken, false.
    expect(await moon.input.readable()).toBe(true);
    expect(text(moon.xreadNb())).toBe("de");
    expect(await moon.input.readable()).toBe(false);
  });

  it("readable() keeps its place among waiting reads and fails when the socket closes", async () => {
    const { moon, client } = await connect(transport);
    const line = moon.xread(100, "\n");
    const ready = moon.input.readable();
    await send(client, "one\ntwo");
    expect(text(await line)).toBe("one\n");
    expect(await ready).toBe(true);
    expect(text(moon.xreadNb())).toBe("two");
    const pending = moon.input.readable();
    await moon.close();
    await expect(pending).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
  });

  it("xread stops at maxlen before a later terminator", async () => {
    const { moon, client } = await connect(transport);
    await send(client, "abcdef\n");
    expect(text(await moon.xread(4, "\n"))).toBe("abcd");
    expect(text(await moon.xread(4, "\n"))).toBe("ef\n");
  });

  it("xread takes the terminator as a byte value too", async () => {
    const { moon, client } = await connect(transport);
    await send(client, Buffer.from([1, 2, 0, 3]));
    expect([...((await moon.xread(10, 0)) as Buffer)]).toEqual([1, 2, 0]);
  });

  it("xread waits for bytes that arrive in pieces, one byte at a time", async () => {
    const { moon, client } = await connect(transport);
    const pending = moon.xread(1000, "\n");
    for (const byte of "split line\n") {
      await send(client, byte);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(text(await pending)).toBe("split line\n");
  });

  it("xread waits for all of maxlen when no terminator is given", async () => {
    const { moon, client } = await connect(transport);
    const pending = moon.xread(6);
    await send(client, "abc");
    await until(() => moon.input.buffered === 3, "the first piece");
    await send(client, "defgh");
    expect(text(await pending)).toBe("abcdef");
    expect(text(moon.xreadNb())).toBe("gh");
  });

  it("coalesced input serves many reads from one chunk, in order", async () => {
    const { moon, client } = await connect(transport);
    await send(client, "a\nbb\nccc\n");
    const reads = [moon.xread(10, "\n"), moon.xread(10, "\n"), moon.xread(10, "\n")];
    expect((await Promise.all(reads)).map(text)).toEqual(["a\n", "bb\n", "ccc\n"]);
  });

  it("end of stream mid-xread resolves with the bytes there, then null", async () => {
    const { moon, client } = await connect(transport);
    const pending = moon.xread(100, "\n");
    client.end("no newline");
    expect(text(await pending)).toBe("no newline");
    expect(await moon.xread(100, "\n")).toBeNull();
    expect(moon.xreadNb(10)).toBeNull();
    expect(moon.input.ended).toBe(true);
  });

  it("end of stream mid-xread without a terminator: a short result, then null", async () => {
    const { moon, client } = await connect(transport);
    await send(client, "abc");
    const pending = moon.xread(10);
    client.end();
    expect(text(await pending)).toBe("abc");
    expect(await moon.xread(10)).toBeNull();
  });

  it("xread(0) waits for readability and then resolves empty, or null at the end", async () => {
    const { moon, client } = await connect(transport);
    const pending = moon.xread(0);
    await send(client, "x");
    expect((await pending)?.length).toBe(0);
    expect(text(await moon.xread(1))).toBe("x");
    client.end();
    expect(await moon.xread(0)).toBeNull();
  });

  it("xreadNb returns what is buffered, an empty buffer when nothing is, null at the end", async () => {
    const { moon, client } = await connect(transport);
    expect(moon.xreadNb(10)?.length).toBe(0);
    await send(client, "hello\nworld");
    await until(() => moon.input.buffered === 11, "the bytes");
    expect(text(moon.xreadNb(100, "\n"))).toBe("hello\n");
    expect(text(moon.input.xreadNb(3))).toBe("wor");
    expect(text(moon.xreadNb())).toBe("ld");
    client.end();
    await until(() => moon.input.ended, "the end of stream");
    expect(moon.xreadNb()).toBeNull();
  });

  it("xreadNb refuses to take bytes an awaited read waits for", async () => {
    const { moon } = await connect(transport);
    const pending = moon.xread(10);
    expect(() => moon.xreadNb(1)).toThrow(expect.objectContaining({ code: "READ_PENDING" }));
    await moon.close();
    await expect(pending).rejects.toMatchObject({ code: "SOCKET_CLOSED" });
  });

  it('read("l") and read("L") return lines as text, null at the end', async () => {
    const { moon, client } = await connect(transport);
    client.end("first\r\nsecond\nthird");
    expect(await moon.read()).toBe("first\r");
    expect(await moon.read("L")).toBe("second\n");
    expect(await moon.read("l")).toBe("third");
    expect(await moon.read()).toBeNull();
  });

  it('read(n) reads n bytes, read("a") the rest up to the end', async () => {
    const { moon, client } = await connect(transport);
    client.end("0123456789");
    expect(text(await moon.read(4))).toBe("0123");
    expect(text(await moon.read("a"))).toBe("456789");
    expect((await moon.read("a")).length).toBe(0);
    expect(await moon.read(1)).toBeNull();
  });

  it("lines() iterates over every line, the last one without newline included", async () => {
    const { moon, client } = await connect(transport);
    client.end("one\ntwo\n\nfour");
    const seen: string[] = [];
    for await (const line of moon.lines()) seen.push(line);
    expect(seen).toEqual(["one", "two", "", "four"]);
  });

  it('lines("L") keeps the newlines; lines are decoded as UTF-8', async () => {
    const { moon, client } = await connect(transport);
    client.end("grüße\nok\n");
    const seen: string[] = [];
    for await (const line of moon.input.lines("L")) seen.push(line);
    expect(seen).toEqual(["grüße\n", "ok\n"]);
  });

  it("a line longer than maxLineLength is refused with LINE_TOO_LONG", async () => {
    const { moon, client } = await connect(transport, { maxLineLength: 8 });
    await send(client, "12345678\n123456789\n");
    expect(await moon.read()).toBe("12345678");
    await expect(moon.read()).rejects.toMatchObject({ code: "LINE_TOO_LONG" });
  });

  it("a read waiting for its line gets it as it arrives, or LINE_TOO_LONG", async () => {
    const { moon, client } = await connect(transport, { maxLineLength: 8 });
    const withNewline = moon.read("L");
    const without = moon.read("l");
    const tooLong = moon.read();
    await send(client, "ab\r\nc");
    expect(await withNewline).toBe("ab\r\n");
    await send(client, "d\n123456789\n");
    expect(await without).toBe("cd");
    await expect(tooLong).rejects.toMatchObject({ code: "LINE_TOO_LONG" });
  });

  it("bad arguments are refused with INVALID_ARGUMENT", async () => {
    const { moon } = await connect(transport);
    await expect(moon.xread(-1)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(moon.xread(1.5)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(moon.xread(10, "ab")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(moon.xread(10, 256)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(moon.xread(10, "€")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(() => moon.xreadNb(Number.NaN)).toThrow(MoonSocketError);
    await expect(moon.read("x" as "l")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("an I/O error comes after the bytes that arrived before it", async () => {
    if (transport.startsWith("unix")) return; // a Unix socket has no reset to send
    const { moon, client } = await connect(transport);
    await send(client, "last words");
    await until(() => moon.input.buffered === 10, "the bytes");
    client.resetAndDestroy();
    await until(() => moon.input.ended, "the reset");
    expect(text(await moon.xread(100))).toBe("last words");
    await expect(moon.xread(100)).rejects.toMatchObject({ code: "ECONNRESET" });
    await expect(moon.xread(100)).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});

describe("a socket without a connection (interval and main handlers)", () => {
  it("has the interval name, reads see the end, writes throw NO_CONNECTION", async () => {
    const socket = new MoonSocket(null, { interval: "cleanup" });
    expect(socket.interval).toBe("cleanup");
    expect(await socket.read()).toBeNull();
    expect(await socket.xread(10)).toBeNull();
    expect(socket.xreadNb(10)).toBeNull();
    expect(() => socket.write("x")).toThrow(expect.objectContaining({ code: "NO_CONNECTION" }));
    await expect(socket.flush()).rejects.toMatchObject({ code: "NO_CONNECTION" });
    expect(socket.remoteIp4).toBeUndefined();
    await socket.close();
    expect(socket.closed).toBe(true);
  });

  it("a socket for a connection has no interval name", async () => {
    const { moon } = await connect("tcp");
    expect(moon.interval).toBeUndefined();
  });
});
