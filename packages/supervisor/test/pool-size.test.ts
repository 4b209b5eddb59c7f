// planSize(): the pool's sizing rules as a table of workers and clocks.

import { describe, expect, it } from "vitest";
import { planSize } from "../src/internal/pool-size";
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
    expect(planSize(pool, options, 1000, waiting, 0, 0).fork).toBe(fork);
  });

  it("waits for the fork delay, and says when to look again", () => {
    const plan = planSize(workers("busy", "busy"), options, 1000, 0, 1250, 0);
    expect(plan).toMatchObject({ fork: false, wake: 1250 });
  });

  it("retires the oldest idle worker beyond preFork and minFork once exitDelay has passed", () => {
    const pool = workers("idle", "idle", "idle");
    expect(planSize(pool, options, 59_000, 0, 0, 0)).toMatchObject({
      retire: undefined,
      wake: 60_000,
    });
    expect(planSize(pool, options, 60_000, 0, 0, 0).retire).toBe(pool[0]);
  });
});
