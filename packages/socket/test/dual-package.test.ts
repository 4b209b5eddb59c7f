// The dual package hazard: an app that loads the package through import
// (dist/index.js) and through require (dist/index.cjs), or a chain of
// dependencies that does (the pool's CJS build requires one, the app imports
// the other), has two copies of it in one process. They must work on the same
// sockets and handles: poll() of one waits on the other's sockets, streams and
// listeners; a connection read by one copy, then the other, then the first
// again delivers exactly the bytes sent (one read buffer, one onread, one
// count of writes in flight per handle); an error of one copy is the other's
// MoonSocketError, code kept (checked by @moonbridge/test-kit). These run
// against the build (`pnpm --filter @moonbridge/socket build`; turbo's test
// task builds first), and two copies of the source for what only the
// internals show.

import { Buffer } from "node:buffer";
import { createConnection, createServer, type Socket } from "node:net";
import { describeErrorAcrossCopies, loadBuild } from "@moonbridge/test-kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as Package from "../src/index";
import { cleanup, collect, pair, send, takeHandle, until } from "./helpers/connect";

afterEach(cleanup);

const copies = await loadBuild<typeof Package>(new URL("../dist/", import.meta.url));
const { esm, cjs } = copies;
type CopyName = keyof typeof copies;
const other = (name: CopyName): CopyName => (name === "esm" ? "cjs" : "esm");

/** `length` bytes of a pattern that differs per `seed` (so a copy out of a stale buffer shows). */
function patterned(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * seed + (i >> 8) + seed) & 0xff;
  return bytes;
}

/** A parking lot that keeps what it is given. */
function lot(): Package.ParkingLot & { taken: Package.ParkedSocket[] } {
  const taken: Package.ParkedSocket[] = [];
  return {
    open: true,
    wanted: false,
    leaving: false,
    onWanted: () => () => {},
    take: (connection) => {
      taken.push(connection);
    },
    taken,
  };
}

it("the build is loaded twice: two copies of every class", () => {
  expect(esm.MoonSocket).not.toBe(cjs.MoonSocket);
  expect(esm.MoonSocketError).not.toBe(cjs.MoonSocketError);
  expect(esm.poll).not.toBe(cjs.poll);
});

describe.each(["esm", "cjs"] as const)("poll() of one copy on the other's (made by %s)", (made) => {
  const maker = copies[made];
  const polling = copies[other(made)];

  it("waits on a socket and its input until data comes, without reading it", async () => {
    const { raw, client } = await pair("tcp");
    const socket = new maker.MoonSocket(raw);
    expect(await polling.poll([socket], null, 0.05)).toBe(false);
    expect(await polling.poll([socket.input], null, 0.05)).toBe(false);
    const waiting = polling.poll([socket, socket.input], null, 10);
    await send(client, "ping");
    expect(await waiting).toBe(true);
    expect(socket.xreadNb()?.toString()).toBe("ping");
    await socket.close();
  });

  it("finds a socket, and its output, writable", async () => {
    const { raw } = await pair("tcp");
    const socket = new maker.MoonSocket(raw);
    expect(await polling.poll(null, [socket], 10)).toBe(true);
    expect(await polling.poll(null, [socket.output], 10)).toBe(true);
    await socket.close();
  });

  it("waits on a bare handle's socket, and wakes when it is closed", async () => {
    const { raw, client } = await pair("tcp");
    const socket = maker.MoonSocket.fromHandle(takeHandle(raw));
    const waiting = polling.poll([socket], null, 10);
    await send(client, "x");
    expect(await waiting).toBe(true);
    const closing = polling.poll([socket.input], null, 10);
    socket.cancel();
    expect(await closing).toBe(true);
  });

  it("waits on a listener until a connection comes", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const listener = new maker.MoonListener(server);
    expect(await polling.poll([listener], null, 0.05)).toBe(false);
    const waiting = polling.poll([listener], null, 10);
    const address = server.address();
    const client: Socket = createConnection({
      host: "127.0.0.1",
      port: typeof address === "object" && address !== null ? address.port : 0,
    });
    client.on("error", () => {});
    expect(await waiting).toBe(true);
    const accepted = listener.acceptNb();
    expect(accepted).toBeInstanceOf(maker.MoonSocket);
    accepted?.cancel();
    client.destroy();
    await listener.close();
  });
});

/** Each stage: the copy that reads, and the pieces the peer sends it (small: the copy loop; large: Buffer#copy). */
const ORDERS: Array<[CopyName, CopyName, CopyName]> = [
  ["esm", "cjs", "esm"],
  ["cjs", "esm", "cjs"],
];

describe.each(ORDERS)("a connection read by %s, then %s, then %s again", (...order) => {
  it("over a net.Socket handed on with detach(): every byte exact, the end of stream seen", async () => {
    const { raw, client } = await pair("tcp");
    const received = collect(client);
    let socket: Socket = raw;
    let unread: Buffer = Buffer.alloc(0);
    let replies = "";
    for (const [stage, name] of order.entries()) {
      const moon = new copies[name].MoonSocket(socket, { unread });
      for (const piece of [patterned(300, 3 + stage * 2), patterned(200_000, 29 + stage * 2)]) {
        await send(client, piece);
        const got = await moon.xread(piece.length);
        expect(got?.equals(piece), `stage ${stage} (${name}): ${piece.length} bytes`).toBe(true);
      }
      const reply = `${name} ${stage}\n`;
      replies += reply;
      await moon.write(reply).flush();
      if (stage < order.length - 1) {
        ({ socket, unread } = await moon.detach());
        expect(unread.length).toBe(0);
        continue;
      }
      client.end();
      expect(await moon.xread()).toBeNull();
      await moon.close();
    }
    const { data, error } = await received;
    expect(error).toBeUndefined();
    expect(data.toString()).toBe(replies);
  });

  it("over a bare handle parked and taken back: every byte exact, the end of stream seen", async () => {
    const { raw, client } = await pair("tcp");
    const received = collect(client);
    const parking = lot();
    let handle: unknown = takeHandle(raw);
    let replies = "";
    for (const [stage, name] of order.entries()) {
      const moon = copies[name].MoonSocket.fromHandle(handle, { parking });
      for (const piece of [patterned(300, 5 + stage * 2), patterned(200_000, 37 + stage * 2)]) {
        await send(client, piece);
        const got = await moon.xread(piece.length);
        expect(got?.equals(piece), `stage ${stage} (${name}): ${piece.length} bytes`).toBe(true);
      }
      const reply = `${name} ${stage}\n`;
      replies += reply;
      await moon.write(reply).flush();
      if (stage < order.length - 1) {
        await moon.park();
        const parked = parking.taken.shift();
        expect(parked?.bytes.length).toBe(0);
        handle = parked?.handle;
        continue;
      }
      client.end();
      expect(await moon.xread()).toBeNull();
      await moon.close();
    }
    const { data, error } = await received;
    expect(error).toBeUndefined();
    expect(data.toString()).toBe(replies);
  });

  it("a bare handle detached into a net.Socket by one copy is read on by the other", async () => {
    const { raw, client } = await pair("tcp");
    const [first, second, third] = order;
    const bare = copies[first].MoonSocket.fromHandle(takeHandle(raw));
    await send(client, "one\n");
    expect(await bare.read()).toBe("one");
    const { socket, unread } = await bare.detach();
    const moon = new copies[second].MoonSocket(socket, { unread });
    const big = patterned(100_000, 41);
    await send(client, big);
    expect((await moon.xread(big.length))?.equals(big)).toBe(true);
    const next = await moon.detach();
    const last = new copies[third].MoonSocket(next.socket, { unread: next.unread });
    await send(client, "three\n");
    expect(await last.read()).toBe("three");
    client.end();
    expect(await last.read()).toBeNull();
    await last.close();
  });
});

describeErrorAcrossCopies(copies, "MoonSocketError", {
  cases: [
    {
      what: "reading a closed socket",
      input: async (copy) => {
        const { raw } = await pair("tcp");
        const socket = new copy.MoonSocket(raw);
        await socket.close();
        return socket.read();
      },
      rejects: true,
      expected: { code: "SOCKET_CLOSED" },
    },
    {
      what: "a bad option's INVALID_OPTION",
      input: (copy) => new copy.MoonSocket(null, { max_line_length: 5 } as never),
      expected: { code: "INVALID_OPTION" },
    },
    {
      what: "a bad argument's INVALID_ARGUMENT",
      input: (copy) => copy.poll(null, null, -1),
      rejects: true,
      expected: { code: "INVALID_ARGUMENT" },
    },
  ],
  lookalikes: [
    Object.assign(new Error("x"), { code: "SOCKET_CLOSED" }),
    { code: "EPIPE" },
    "SOCKET_CLOSED",
  ],
  code: "EPIPE",
});

describe.each(["esm", "cjs"] as const)("an error of %s, seen by the other copy", (made) => {
  const maker = copies[made];
  const seeing = copies[other(made)];

  it("keeps its code when it ends a socket of the other copy (not wrapped as EIO)", async () => {
    const { raw } = await pair("tcp");
    const socket = new seeing.MoonSocket(raw);
    const waiting = socket.read().catch((failure: unknown) => failure);
    const error = new maker.MoonSocketError("SOCKET_CLOSED", "closed by the other copy");
    raw.destroy(error);
    const failure = await waiting;
    expect(failure).toBe(error);
    expect(socket.output.error).toBe(error);
  });
});

// The count of a handle's writes in flight only shows inside: two copies of
// the source (as each build has its own) write the same handle.
describe("two copies of handle-io.ts on one handle", () => {
  it("each sees the other's writes waiting in libuv (queued), until they complete", async () => {
    const first = await import("../src/internal/handle-io");
    vi.resetModules();
    const second = await import("../src/internal/handle-io");
    expect(second.HandleWriter).not.toBe(first.HandleWriter);
    const { raw, client } = await pair("tcp");
    const one = first.HandleWriter.of(raw);
    const two = second.HandleWriter.of(raw);
    if (one === undefined || two === undefined) throw new Error("the handle path refused");
    client.pause();
    const done: Array<Error | null | undefined> = [];
    const size = 8 << 20;
    one.write(Buffer.alloc(size, 0x61), (error) => done.push(error));
    expect(one.queued).toBeGreaterThan(0);
    expect(two.queued).toBe(one.queued);
    two.write(Buffer.from("end"), (error) => done.push(error));
    expect(one.queued).toBe(two.queued);
    const received = collect(client);
    client.resume();
    await until(() => done.length === 2, "both writes");
    expect(done).toEqual([undefined, undefined]);
    expect(one.queued).toBe(0);
    expect(two.queued).toBe(0);
    raw.end();
    const { data } = await received;
    expect(data.length).toBe(size + 3);
    expect(data.subarray(size).toString()).toBe("end");
  });
});
