// Requests, not connections: in a worker that holds many connections
// (a socket given a TurnKeeper, as the pool's workers give one), the handler
// holds the worker's turn only while it serves a request. A keeper that
// stands in for the worker's records who holds the turn; the tests check
// that no two callbacks ever run at once, that a connection waiting for its
// next request (or for its first bytes) leaves the worker to the others,
// that pipelined requests keep their order, and that a request arriving
// while another waits on I/O is handed to the parking lot with its bytes.

import { createServer, type Server, type Socket } from "node:net";
import {
  MoonSocket,
  type ParkedSocket,
  type ParkingLot,
  type TurnKeeper,
} from "@moonbridge/socket";
import { afterEach, describe, expect, it } from "vitest";
import { generateHandler, type HttpOptions, type Request } from "../src/index";
import { RawClient } from "./helpers/client";

/** How a holder gave the turn: waiting with nothing read, its request here (the look), or neither. */
type Give = "idle" | "ready" | "busy";

/** The worker's turn, as WorkerRuntime keeps it: one holder, the rest wait in order. */
class TestKeeper implements TurnKeeper {
  holder: object | undefined;
  readonly waiting: { holder: object; resolve: () => void }[] = [];
  takes = 0;

  take(holder: object): boolean {
    if (this.holder === holder) return true;
    if (this.holder !== undefined) return false;
    this.holder = holder;
    this.takes++;
    return true;
  }

  wait(holder: object): Promise<void> {
    if (this.take(holder)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ holder, resolve }));
  }

  /** How each holder last gave the turn: idle (waiting for a request, nothing of it read) or not. */
  readonly lastGive = new Map<object, Give>();
  /** Every give of each holder, in order. */
  readonly gives = new Map<object, Give[]>();

  give(holder: object, idle?: boolean, ready?: boolean): void {
    const how = ready === true ? "ready" : idle === true ? "idle" : "busy";
    this.lastGive.set(holder, how);
    this.gives.set(holder, [...(this.gives.get(holder) ?? []), how]);
    if (this.holder !== holder) return;
    this.holder = undefined;
    const next = this.waiting.shift();
    if (next === undefined) return;
    this.holder = next.holder;
    this.takes++;
    next.resolve();
  }
}

/** Waits (a bound, not a timing assertion) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A parking lot that keeps what is parked (the supervisor would serve it elsewhere). */
class KeepingLot implements ParkingLot {
  readonly open = true;
  readonly wanted = false;
  readonly leaving = false;
  readonly parked: ParkedSocket[] = [];
  onWanted(): () => void {
    return () => {};
  }
  take(connection: ParkedSocket): void {
    this.parked.push(connection);
  }
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A server whose connections share one keeper, each taking the turn when it comes, as the pool's do. */
async function startShared(
  callback: (request: Request) => unknown,
  options: HttpOptions = {},
  lot?: ParkingLot,
): Promise<{ port: number; keeper: TestKeeper }> {
  const keeper = new TestKeeper();
  const handler = generateHandler(options, callback as (request: Request) => boolean);
  const server = createServer({ allowHalfOpen: true }, (connection) => {
    sockets.add(connection);
    const socket = new MoonSocket(
      connection,
      lot ? { turns: keeper, parking: lot } : { turns: keeper },
    );
    void keeper
      .wait(socket)
      .then(() => Promise.resolve(handler(socket)).finally(() => keeper.give(socket)));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, keeper };
}

const GET = (path: string) => `GET /${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe("a worker that holds many connections runs one request at a time", () => {
  it("never runs two callbacks at once: 8 connections x 10 requests whose callbacks wait on timers", async () => {
    let running = 0;
    let most = 0;
    const { port, keeper } = await startShared(async (request: Request) => {
      running++;
      most = Math.max(most, running);
      expect(keeper.holder).toBe(request.socket);
      await new Promise((resolve) => setTimeout(resolve, 1));
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      await request.finish();
      running--;
      return true;
    });
    const clients = await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        const client = await RawClient.open(port);
        const bodies: string[] = [];
        for (let r = 0; r < 10; r++) {
          await client.send(GET(`c${c}r${r}`));
          bodies.push((await client.response()).body.toString());
        }
        client.close();
        return bodies;
      }),
    );
    expect(most).toBe(1);
    for (const [c, bodies] of clients.entries())
      expect(bodies).toEqual(Array.from({ length: 10 }, (_, r) => `c${c}r${r}`));
  });

  it("a connection waiting for its first bytes, or between requests, leaves the turn to the others", async () => {
    const { port, keeper } = await startShared(async (request: Request) => {
      request.sendStatus(200);
      request.sendData("ok");
      await request.finish();
      return true;
    });
    const silent = await RawClient.open(port); // never sends
    const between = await RawClient.open(port);
    await between.send(GET("first"));
    expect((await between.response()).status).toBe(200); // and now it waits, idle
    const other = await RawClient.open(port);
    await other.send(GET("other"));
    expect((await other.response()).status).toBe(200);
    expect(keeper.waiting).toEqual([]);
    silent.close();
    between.close();
    other.close();
  });

  it("gives the turn as idle only while it waits for a request with nothing of it read", async () => {
    const { port, keeper } = await startShared((request: Request) => {
      request.sendStatus(200);
      request.sendData("ok");
      return request.finish().then(() => true);
    });
    const gives = () => [...keeper.lastGive.values()];
    const silent = await RawClient.open(port); // never sends: nothing read
    await until(() => gives().length === 1);
    expect(gives()).toEqual(["idle"]);
    const between = await RawClient.open(port);
    await between.send(GET("first"));
    expect((await between.response()).status).toBe(200);
    await until(() => gives().length === 2 && gives()[1] === "idle");
    await between.send("GET /second HTTP/1.1\r\nHo"); // half a head: read, so no longer idle
    await until(() => gives()[1] === "busy");
    silent.close();
    between.close();
  });

  it("gives the turn as ready during the look for a departed client, and not otherwise once its head is read", async () => {
    const before: Give[][] = [];
    const { port, keeper } = await startShared((request: Request) => {
      before.push([...(keeper.gives.get(request.socket) ?? [])]);
      request.sendStatus(200);
      request.sendData("ok");
      return request.finish().then(() => true);
    });
    for (let i = 0; i < 5; i++) {
      const client = await RawClient.open(port);
      await client.send(GET(`look${i}`));
      expect((await client.response()).status).toBe(200);
      client.close();
    }
    // Before its callback, a connection gave the turn while nothing of its request was read, and for the look.
    expect(before).toHaveLength(5);
    for (const gives of before) {
      expect(gives.filter((how) => how === "busy")).toEqual([]);
      expect(gives.at(-1)).toBe("ready");
    }
  });

  it("serves pipelined requests in order within one turn", async () => {
    const { port, keeper } = await startShared((request: Request) => {
      request.sendStatus(200);
      request.sendData(request.path ?? "");
      return request.finish().then(() => true);
    });
    const client = await RawClient.open(port);
    const takesBefore = keeper.takes;
    await client.send(Array.from({ length: 20 }, (_, i) => GET(`p${i}`)).join(""));
    const bodies: string[] = [];
    for (let i = 0; i < 20; i++) bodies.push((await client.response()).body.toString());
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    // The first request's turn (taken after the look for a departed client) serves all twenty.
    expect(keeper.takes - takesBefore).toBeLessThanOrEqual(2);
    client.close();
  });

  it("hands a request that arrives while another waits on I/O to the lot, with its bytes, unparsed", async () => {
    const lot = new KeepingLot();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { port } = await startShared(
      async (request: Request) => {
        if (request.path === "slow") await held;
        request.sendStatus(200);
        request.sendData(request.path ?? "");
        await request.finish();
        return true;
      },
      {},
      lot,
    );
    const slow = await RawClient.open(port);
    const quick = await RawClient.open(port);
    await quick.send(GET("warm"));
    expect((await quick.response()).body.toString()).toBe("warm");
    await slow.send(GET("slow"));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the slow request holds the turn
    await quick.send(GET("next"));
    for (let i = 0; i < 100 && lot.parked.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lot.parked.length).toBe(1);
    expect(lot.parked[0]?.bytes.toString()).toBe(GET("next"));
    expect(lot.parked[0]?.wake).toBe(true);
    release();
    expect((await slow.response()).body.toString()).toBe("slow");
    lot.parked[0]?.socket?.destroy();
    slow.close();
    quick.close();
  });
});
