// Parking idle keep-alive connections, with a parking lot that stands in for
// the supervisor's: it keeps what is parked, and on a word from the test (or
// at once, when unread bytes came along) serves it again in a new handler
// call, as a worker given the resumed connection would. The pool's side is
// tested in @moonbridge/supervisor and end to end in apps/example.

import { createServer, type Server, type Socket } from "node:net";
import { MoonSocket, type ParkedSocket, type ParkingLot } from "@moonbridge/socket";
import { afterEach, describe, expect, it } from "vitest";
import { generateHandler, type HttpOptions, type Request } from "../src/index";
import { RawClient } from "./helpers/client";

interface TestLot extends ParkingLot {
  wanted: boolean;
  open: boolean;
  leaving: boolean;
  parked: ParkedSocket[];
  /** Each handler call's result, resumed ones included. */
  results: unknown[];
  /** Serves every parked connection again (their peers have sent their next bytes). */
  resumeAll(): void;
  /** Says that parking is wanted now (and, with `leaving`, that the worker leaves). */
  want(leaving?: boolean): void;
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function hello(request: Request): Promise<boolean> {
  request.sendStatus(200);
  request.sendData(`${request.path ?? ""} ${request.socket.resumed ? "resumed" : "new"}`);
  await request.finish();
  return true;
}

async function startParkingServer(
  options: HttpOptions,
): Promise<{ port: number; lot: TestLot; idle(count: number): Promise<void> }> {
  const handler = generateHandler(hello, options);
  const listeners = new Set<() => void>();
  const waiters: Array<() => void> = [];
  const serve = (socket: MoonSocket) => {
    handler(socket).then(
      (result) => lot.results.push(result),
      (error: unknown) => lot.results.push(error),
    );
  };
  const resume = (connection: ParkedSocket) => {
    serve(
      new MoonSocket(connection.socket, {
        unread: connection.bytes,
        resumed: true,
        parking: lot,
        parkNote: connection.note,
      }),
    );
  };
  const lot: TestLot = {
    open: true,
    wanted: false,
    leaving: false,
    parked: [],
    results: [],
    onWanted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    take(connection) {
      if (connection.wake) resume(connection);
      else lot.parked.push(connection);
      for (const waiter of waiters.splice(0)) waiter();
    },
    resumeAll() {
      for (const connection of lot.parked.splice(0)) resume(connection);
    },
    want(leaving = false) {
      lot.wanted = true;
      lot.leaving = leaving;
      for (const listener of [...listeners]) listener();
    },
  };
  const server = createServer({ allowHalfOpen: true }, (connection) => {
    sockets.add(connection);
    serve(new MoonSocket(connection, { parking: lot }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    lot,
    async idle(count) {
      const deadline = Date.now() + 10_000;
      while (lot.parked.length < count) {
        if (Date.now() > deadline) throw new Error(`not ${count} parked within 10 s`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const get = (path: string) => `GET /${path} HTTP/1.1\r\nHost: a\r\n\r\n`;
const text = async (client: RawClient) => (await client.response()).body.toString();

describe("parking", () => {
  it("parks a keep-alive connection idle for parkAfter; its next request is served on resume", async () => {
    const { port, lot, idle } = await startParkingServer({ parkAfter: 0.1 });
    const client = await RawClient.open(port);
    await client.send(get("one"));
    expect(await text(client)).toBe("one new");
    await idle(1);
    // The handler is done with it, and says its worker may serve again.
    await until(() => lot.results.length === 1);
    expect(lot.results).toEqual([true]);
    expect(lot.parked[0]?.bytes.length).toBe(0);
    await client.send(get("two"));
    lot.resumeAll();
    expect(await text(client)).toBe("two resumed");
    await idle(1); // and parked again
    await until(() => lot.results.length === 2);
    expect(lot.results).toEqual([true, true]);
  });

  it("hands the parking lot the rest of the idle timeout", async () => {
    const { port, lot, idle } = await startParkingServer({ parkAfter: 0.1, idleTimeout: 30 });
    const client = await RawClient.open(port);
    await client.send(get("a"));
    await text(client);
    await idle(1);
    const timeout = lot.parked[0]?.timeout ?? 0;
    expect(timeout).toBeLessThan(30);
    expect(timeout).toBeGreaterThan(25);
  });

  it("does not park while a pipelined request is waiting: requests straddling a park stay in order", async () => {
    const { port, lot, idle } = await startParkingServer({ parkAfter: 0 });
    const client = await RawClient.open(port);
    await client.send(get("one") + get("two") + get("three"));
    expect(await text(client)).toBe("one new");
    expect(await text(client)).toBe("two new");
    expect(await text(client)).toBe("three new");
    await idle(1);
    expect(lot.parked).toHaveLength(1);
    await client.send([get("four"), get("five")]);
    lot.resumeAll();
    expect(await text(client)).toBe("four resumed");
    expect(await text(client)).toBe("five resumed");
  });

  it("parks at once when the lot wants connections, also while already idle", async () => {
    const { port, lot, idle } = await startParkingServer({ parkAfter: 60 });
    const first = await RawClient.open(port);
    await first.send(get("a"));
    await text(first);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lot.parked).toHaveLength(0); // parkAfter is far off
    lot.want(); // idle already: parked now
    await idle(1);
    const second = await RawClient.open(port);
    await second.send(get("b"));
    await text(second);
    await idle(2); // wanted: parked right after its response
  });

  it("a worker that leaves parks its idle connection, or closes it when the lot takes none", async () => {
    const { port, lot, idle } = await startParkingServer({ parkAfter: 60 });
    const parked = await RawClient.open(port);
    await parked.send(get("a"));
    await text(parked);
    const closed = await RawClient.open(port);
    await closed.send(get("b"));
    await text(closed);
    lot.want(true);
    await idle(2);
    expect(lot.parked).toHaveLength(2);
    lot.resumeAll();
    lot.open = false;
    await parked.send(get("c"));
    expect(await text(parked)).toBe("c resumed");
    lot.want(true); // now nobody takes it: closed while idle, quietly
    expect(await parked.closed()).toEqual({ how: "end", rest: "" });
    expect(lot.parked).toHaveLength(0);
  });

  it("never parks with parking: false, or while the lot is closed", async () => {
    const off = await startParkingServer({ parking: false, parkAfter: 0 });
    const client = await RawClient.open(off.port);
    await client.send(get("a"));
    expect(await text(client)).toBe("a new");
    const closed = await startParkingServer({ parkAfter: 0 });
    closed.lot.open = false;
    const other = await RawClient.open(closed.port);
    await other.send(get("b"));
    expect(await text(other)).toBe("b new");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(off.lot.parked).toHaveLength(0);
    expect(closed.lot.parked).toHaveLength(0);
    await other.send(get("c"));
    expect(await text(other)).toBe("c new");
  });

  it("a resumed connection with half a request that stalls in its worker gets the request header timeout (408)", async () => {
    const { port, lot, idle } = await startParkingServer({
      parkAfter: 0,
      parkHeaderAfter: 60, // the half head stays in the worker
      requestHeaderTimeout: 0.3,
    });
    const client = await RawClient.open(port);
    await client.send(get("a"));
    await text(client);
    await idle(1);
    await client.send("GET /b HTTP/1.1\r\nHo");
    lot.resumeAll();
    const response = await client.response();
    expect(response.status).toBe(408);
    expect(await client.closed()).toMatchObject({ how: "end" });
  });

  it("a client that half-closes after its request is answered and not parked (serveHalfClosed)", async () => {
    const { port, lot } = await startParkingServer({ parkAfter: 0.2, serveHalfClosed: true });
    const client = await RawClient.open(port);
    await client.send(get("a"));
    client.socket.end();
    expect(await text(client)).toBe("a new");
    expect(await client.closed()).toMatchObject({ how: "end" });
    expect(lot.parked).toHaveLength(0);
  });

  it("a client slow to send its head is parked with the head so far, and served when the rest comes", async () => {
    const { port, lot, idle } = await startParkingServer({
      requestHeaderTimeout: 30,
      parkHeaderAfter: 0.02,
    });
    const client = await RawClient.open(port);
    await client.send("GET /slow HTTP/1.1\r\nHo");
    await idle(1); // after parkHeaderAfter (0.02 s): no worker waits for the rest
    const parked = lot.parked[0] as ParkedSocket;
    expect(parked.bytes.toString()).toBe("GET /slow HTTP/1.1\r\nHo");
    expect(parked.timeout).toBeGreaterThan(29);
    expect(parked.timeout).toBeLessThanOrEqual(30);
    expect(parked.note).toMatch(/^http-head-since:\d+$/);
    await until(() => lot.results.length === 1);
    expect(lot.results).toEqual([true]); // the worker is free, and may serve again
    await client.send("st: x\r\n");
    lot.resumeAll();
    // Still half a head: parked again at once (a slow client does not wait in a worker), same note.
    await idle(1);
    expect((lot.parked[0] as ParkedSocket).bytes.toString()).toBe(
      "GET /slow HTTP/1.1\r\nHost: x\r\n",
    );
    expect((lot.parked[0] as ParkedSocket).note).toBe(parked.note);
    await client.send("\r\n");
    lot.resumeAll();
    expect(await text(client)).toBe("slow resumed");
  });

  it("the header timeout runs on across parks: a head begun long enough ago is answered 408", async () => {
    const { port, lot, idle } = await startParkingServer({
      requestHeaderTimeout: 1,
      parkHeaderAfter: 0.02,
    });
    const client = await RawClient.open(port);
    await client.send("GET /late HTTP/1.1\r\nHo");
    await idle(1);
    const parked = lot.parked.splice(0)[0] as ParkedSocket;
    // As if it had been parked for 5 s: the resumed handler finds its time used up.
    await client.send("st: x\r\n");
    const since = Number(parked.note?.split(":")[1]) - 5000;
    lot.take({ ...parked, note: `http-head-since:${since}`, wake: true });
    const response = await client.response();
    expect(response.status).toBe(408);
    // Its last bytes were still unread when the time was found up: drained, not reset.
    expect(await client.closed()).toMatchObject({ how: "end" });
  });

  it("a connection whose head is under way is never closed for leaving, and a head never parks where parking is off", async () => {
    const { port, lot } = await startParkingServer({ parking: false, requestHeaderTimeout: 0.5 });
    const client = await RawClient.open(port);
    await client.send("GET /x HTTP/1.1\r\nHo");
    const response = await client.response();
    expect(response.status).toBe(408);
    expect(lot.parked).toHaveLength(0);
  });
});
