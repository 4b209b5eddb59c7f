// pool.stats() in a worker: the application (a status page) asks its
// supervisor, and gets the figures the supervisor's own pool.stats() gives.

import { createConnection } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { PoolStats } from "../src/pool";
import { eventually, hold, startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

/** A connection that asked to be parked and stays open (parked) until the test ends. */
async function parkOne(port: number): Promise<void> {
  const socket = createConnection({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    socket.once("data", () => resolve());
    socket.once("error", reject);
    socket.write("PARK\n");
  });
}

describe("pool.stats() in a worker", () => {
  it("resolves with the supervisor's figures: workers by state, parked connections", async () => {
    const app = await startApp({ options: { minFork: 3, maxFork: 3, preFork: 1 } });
    await parkOne(app.port);
    await parkOne(app.port);
    const held = await hold(app);
    await eventually(
      () => app.stats(),
      (stats) => stats.parked === 2 && stats.busy === 1 && stats.idle === 2,
      "two parked connections, one busy worker and two idle ones",
    );
    const fromWorker = JSON.parse(await app.ask("POOLSTATS")) as PoolStats;
    const fromSupervisor = await app.stats();
    expect(Object.keys(fromWorker).sort()).toEqual(Object.keys(fromSupervisor).sort());
    expect(fromWorker).toMatchObject({ workers: 3, parked: 2, parks: 2, starting: 0 });
    // The held connection's worker, and perhaps (reports coalesce for 20 ms) the asking one.
    expect(fromWorker.busy).toBeGreaterThanOrEqual(1);
    expect(fromWorker.busy + fromWorker.idle).toBe(3);
    expect(fromWorker.forks).toBe(fromSupervisor.forks);
    await held.release();
    expect(await app.stop()).toBe(0);
  });
});
