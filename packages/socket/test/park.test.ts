// park(): the connection goes to the parking lot with every byte received and
// not read, reading stopped in the kernel (bytes sent meanwhile wait there,
// for the next owner), and a MoonSocket over it carries on in order.

import { afterEach, describe, expect, it } from "vitest";
import {
  MoonSocket,
  MoonSocketError,
  type MoonSocketOptions,
  type ParkedSocket,
  type ParkingLot,
} from "../src/index";
import { cleanup, connect, send, TRANSPORTS, until } from "./helpers/connect";

afterEach(cleanup);

/** A lot that keeps what it is given. */
function lot(open = true): ParkingLot & { taken: ParkedSocket[] } {
  const taken: ParkedSocket[] = [];
  return {
    open,
    wanted: false,
    leaving: false,
    onWanted: () => () => {},
    take: (connection) => {
      taken.push(connection);
    },
    taken,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function parkCode(socket: MoonSocket, options?: Parameters<MoonSocket["park"]>[0]) {
  try {
    await socket.park(options);
    return "parked";
  } catch (error) {
    return error instanceof MoonSocketError ? error.code : String(error);
  }
}

/** A new MoonSocket over a parked connection, whichever form it was parked in (a net.Socket, or a bare handle). */
function comeBack(parked: ParkedSocket, options: MoonSocketOptions): MoonSocket {
  if (parked.socket !== null) return new MoonSocket(parked.socket, options);
  return MoonSocket.fromHandle(parked.handle, options);
}

describe.each(TRANSPORTS)("park over %s", { timeout: 10_000 }, (transport) => {
  it("gives the connection to the lot, closed here, and nothing is read while it is parked", async () => {
    const parking = lot();
    const { moon, client } = await connect(transport, { parking });
    await send(client, "first\n");
    expect(await moon.read()).toBe("first");
    expect(moon.parkable).toBe(true);
    await moon.park({ timeout: 10 });
    expect(moon.closed).toBe(true);
    expect(moon.parkable).toBe(false);
    const [parked] = parking.taken;
    expect(parked?.bytes.length).toBe(0);
    expect(parked?.wake).toBe(false);
    expect(parked?.timeout).toBe(10);
    if (parked === undefined) throw new Error("not parked");
    // What the connection's handle has read (a net.Socket's bytesRead is its handle's).
    const handle = parked.handle ?? (parked.socket as unknown as { _handle: object })._handle;
    const bytesRead = () => (handle as { bytesRead: number }).bytesRead;
    const before = bytesRead();
    await send(client, "second\n");
    await pause(50);
    // Reading stopped in the kernel: the bytes wait there, for the next owner.
    expect(bytesRead()).toBe(before);
    expect(parked.socket?.readableLength ?? 0).toBe(0);
    const resumed = comeBack(parked, { unread: parked.bytes, resumed: true });
    expect(resumed.resumed).toBe(true);
    expect(await resumed.read()).toBe("second");
  });

  it("hands on unread bytes, after the prefix, in order, and asks to come back at once", async () => {
    const parking = lot();
    const { moon, client } = await connect(transport, { parking });
    await send(client, "a\nrest of it");
    expect(await moon.read()).toBe("a");
    await until(() => moon.input.buffered === 10, "the unread bytes");
    await moon.park({ prefix: Buffer.from("put back:") });
    const [parked] = parking.taken;
    expect(parked?.bytes.toString()).toBe("put back:rest of it");
    expect(parked?.wake).toBe(true);
    expect(parked?.timeout).toBe(65);
    if (parked === undefined) throw new Error("not parked");
    await send(client, "!\n");
    const resumed = comeBack(parked, { unread: parked.bytes });
    expect(resumed.resumed).toBe(false);
    expect(await resumed.read()).toBe("put back:rest of it!");
  });

  it("a prefix alone does not wake the connection", async () => {
    const parking = lot();
    const { moon } = await connect(transport, { parking });
    await moon.park({ prefix: Buffer.from("GET / HT") });
    expect(parking.taken[0]?.bytes.toString()).toBe("GET / HT");
    expect(parking.taken[0]?.wake).toBe(false);
  });

  it("hands its note to the lot, and a socket made from a parked one reads it as parkNote", async () => {
    const parking = lot();
    const { moon } = await connect(transport, { parking });
    expect(moon.parkNote).toBeUndefined();
    await moon.park({ note: "head began at 12345" });
    const parked = parking.taken[0] as ParkedSocket;
    expect(parked.note).toBe("head began at 12345");
    expect(parked.resumeOnTimeout).toBe(false);
    const resumed = comeBack(parked, { parkNote: parked.note });
    expect(resumed.parkNote).toBe("head began at 12345");
  });

  it("asks the lot to give it back when its timeout runs out, if told so", async () => {
    const parking = lot();
    const { moon } = await connect(transport, { parking });
    await moon.park({ timeout: 5, resumeOnTimeout: true });
    expect(parking.taken[0]).toMatchObject({ timeout: 5, resumeOnTimeout: true });
  });

  it("sends what was written before it parks", async () => {
    const parking = lot();
    const { moon, client } = await connect(transport, { parking });
    const received: Buffer[] = [];
    client.on("data", (chunk: Buffer) => received.push(chunk));
    moon.write("x".repeat(200_000));
    await moon.park();
    expect(parking.taken).toHaveLength(1);
    await until(() => Buffer.concat(received).length === 200_000, "the written bytes");
  });

  it("fails a read that waits, with SOCKET_CLOSED", async () => {
    const parking = lot();
    const { moon } = await connect(transport, { parking });
    const waiting = moon.read().catch((error: MoonSocketError) => error.code);
    await moon.park();
    expect(await waiting).toBe("SOCKET_CLOSED");
  });

  it("marks a peer's end of stream received before it as a reason to come back", async () => {
    const parking = lot();
    const { moon, client } = await connect(transport, { parking });
    client.end();
    expect(await moon.read()).toBe(null);
    await moon.park();
    expect(parking.taken[0]?.wake).toBe(true);
  });
});

describe("park refusals", () => {
  it("throws PARK_UNAVAILABLE without a lot, or with a closed one, and keeps the socket open", async () => {
    const { moon } = await connect("tcp");
    expect(moon.parkable).toBe(false);
    expect(await parkCode(moon)).toBe("PARK_UNAVAILABLE");
    expect(moon.closed).toBe(false);
    const closed = await connect("tcp", { parking: lot(false) });
    expect(closed.moon.parkable).toBe(false);
    expect(await parkCode(closed.moon)).toBe("PARK_UNAVAILABLE");
  });

  it("rejects bad options, and a closed socket, by code", async () => {
    const parking = lot();
    const { moon } = await connect("tcp", { parking });
    expect(await parkCode(moon, { timeout: -1 })).toBe("INVALID_OPTION");
    expect(await parkCode(moon, { timeout: Number.NaN })).toBe("INVALID_OPTION");
    expect(await parkCode(moon, { prefix: "text" as unknown as Uint8Array })).toBe(
      "INVALID_OPTION",
    );
    expect(await parkCode(moon, { note: 7 as unknown as string })).toBe("INVALID_OPTION");
    expect(await parkCode(moon, { note: "x".repeat(1025) })).toBe("INVALID_OPTION");
    expect(await parkCode(moon, { resume_on_timeout: true } as never)).toBe("INVALID_OPTION");
    await moon.park();
    expect(await parkCode(moon)).toBe("SOCKET_CLOSED");
    expect(parking.taken).toHaveLength(1);
  });

  it("a socket without a connection has no lot", () => {
    const moon = new MoonSocket(null, { parking: lot() });
    expect(moon.parking).toBeUndefined();
    expect(moon.parkable).toBe(false);
  });
});
