// The home page shows the pool's live state, which the worker serving it
// asks of the supervisor: workers by state and the connections parked in
// the supervisor. Three idle keep-alive connections are parked (after
// HTTP_PARK_AFTER) and the page counts them; closed, they leave the count.

import { connect, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { useExample } from "./helpers/example";
import { raw } from "./helpers/raw";

const app = useExample({ MIN_FORK: "2", MAX_FORK: "4", HTTP_PARK_AFTER: "0.2" });

/** The home page's pool table, by its cells' ids. */
interface PoolState {
  workers: number;
  busy: number;
  idle: number;
  starting: number;
  parked: number;
  waiting: number;
  requests: number;
  forks: number;
}

async function poolState(): Promise<PoolState> {
  const { text } = await raw(app.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  const state: Record<string, number> = {};
  for (const match of text.matchAll(/id="pool-(\w+)">(\d+)</g))
    state[match[1] as string] = Number(match[2]);
  return state as unknown as PoolState;
}

async function poolStateWhere(
  accept: (state: PoolState) => boolean,
  what: string,
): Promise<PoolState> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const state = await poolState();
    if (accept(state)) return state;
    if (Date.now() > deadline) throw new Error(`no ${what}; last: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A keep-alive connection that has been answered once, and stays open. */
function idleConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("data", () => resolve(socket));
    socket.once("error", reject);
    socket.write("GET /ping HTTP/1.1\r\nHost: a\r\n\r\n");
  });
}

const open: Socket[] = [];
afterAll(() => {
  for (const socket of open) socket.destroy();
});

describe("the home page's pool state", () => {
  it("counts workers by state and the connections parked in the supervisor, live", async () => {
    // The pool starts one worker and grows to MIN_FORK.
    const before = await poolStateWhere(
      (state) => state.workers >= 2 && state.starting === 0,
      "2 workers started",
    );
    expect(before.workers).toBeLessThanOrEqual(4);
    expect(before.busy + before.idle).toBe(before.workers);
    expect(before.forks).toBeGreaterThanOrEqual(before.workers);
    for (let i = 0; i < 3; i++) open.push(await idleConnection(app.port));
    const parked = await poolStateWhere((state) => state.parked === 3, "3 parked connections");
    expect(parked.waiting).toBe(0);
    expect(parked.requests).toBeGreaterThanOrEqual(before.requests + 3);
    for (const socket of open) socket.destroy();
    await poolStateWhere((state) => state.parked === 0, "the parked connections gone");
  });
});
