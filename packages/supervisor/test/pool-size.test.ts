// planSize(): the pool's sizing rules as a table of workers and clocks.

import { describe, expect, it } from "vitest";
import { planSize, SHORT_MS } from "../src/internal/pool-size";
import type { Candidate } from "../src/internal/worker-choice";

const options = { preFork: 1, minFork: 2, maxFork: 4, exitDelay: 60 };

function workers(...states: Array<Candidate["state"]>): Candidate[] {
  return states.map((state, at) => ({
    state,
    retiring: false,
    slot: false,
    waiting: false,
    idleSince: at,
  }));
}

describe("planSize", () => {
  it.each([
    { what: "below minFork: fork", pool: workers("idle"), waiting: 0, fork: true },
    {
      what: "one spare, none waiting: nothing",
      pool: workers("busy", "idle"),
      waiting: 0,
      fork: false,
    },
    { what: "no spare: fork", pool: workers("busy", "busy"), waiting: 0, fork: true },
    {
      what: "parked connections waiting: as many spares",
      pool: workers("busy", "idle"),
      waiting: 3,
      fork: true,
    },
    {
      what: "a starting worker counts as a spare",
      pool: workers("busy", "idle", "starting"),
      waiting: 2,
      fork: false,
    },
    {
      what: "never beyond maxFork",
      pool: workers("busy", "busy", "busy", "busy"),
      waiting: 5,
      fork: false,
    },
  ])("$what", ({ pool, waiting, fork }) => {
    // Short of spares since long enough (SHORT_MS) for a fork.
    expect(planSize(pool, options, 1000, waiting, 0, 0, 1000 - SHORT_MS).fork).toBe(fork);
  });

  it("waits for the fork delay, and says when to look again", () => {
    const plan = planSize(workers("busy", "busy"), options, 1000, 0, 1250, 0, 0);
    expect(plan).toMatchObject({ fork: false, short: true, wake: 1250 });
  });

  it("forks a spare only once the pool has lacked one for SHORT_MS, and below minFork at once", () => {
    const busy = workers("busy", "busy");
    const now = planSize(busy, options, 1000, 0, 0, 0, undefined);
    expect(now).toMatchObject({ fork: false, short: true, wake: 1000 + SHORT_MS });
    expect(planSize(busy, options, 1000 + SHORT_MS - 1, 0, 0, 0, 1000).fork).toBe(false);
    expect(planSize(busy, options, 1000 + SHORT_MS, 0, 0, 0, 1000).fork).toBe(true);
    expect(planSize(workers("idle"), options, 1000, 0, 0, 0, undefined).fork).toBe(true);
    expect(planSize(workers("busy", "idle"), options, 1000, 0, 0, 0, 900).short).toBe(false);
  });

  it("retires the oldest idle worker beyond preFork and minFork once exitDelay has passed", () => {
    const pool = workers("idle", "idle", "idle");
    expect(planSize(pool, options, 59_000, 0, 0, 0, undefined)).toMatchObject({
      retire: undefined,
      wake: 60_000,
    });
    expect(planSize(pool, options, 60_000, 0, 0, 0, undefined).retire).toBe(pool[0]);
  });
});
