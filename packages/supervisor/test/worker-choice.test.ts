// The supervisor's choice of workers (src/internal/worker-choice.ts), table-driven:
// slots go to the most recently idle workers without one (LIFO), never beyond
// the limit; runs prefer the newest idle worker; retiring takes the oldest.

import { describe, expect, it } from "vitest";
import {
  type Candidate,
  idleWorker,
  slotsToGrant,
  slotsToTrim,
} from "../src/internal/worker-choice";

type W = Candidate & { name: string };

const w = (name: string, idleSince: number, more: Partial<Candidate> = {}): W => ({
  name,
  state: "idle",
  retiring: false,
  slot: false,
  waiting: false,
  idleSince,
  ...more,
});

describe("slotsToGrant", () => {
  it.each([
    {
      what: "the most recently idle first (LIFO)",
      workers: [w("old", 1), w("newest", 9), w("middle", 5)],
      limit: 2,
      expected: ["newest", "middle"],
    },
    {
      what: "only as many as the slots missing",
      workers: [w("holder", 1, { slot: true }), w("a", 2), w("b", 3)],
      limit: 2,
      expected: ["b"],
    },
    {
      what: "a busy holder keeps its slot counted",
      workers: [w("busy", 1, { slot: true, state: "busy" }), w("a", 2), w("b", 3)],
      limit: 2,
      expected: ["b"],
    },
    {
      what: "a holder waiting on a long connection does not count: another listens for it",
      workers: [w("waiting", 1, { slot: true, state: "busy", waiting: true }), w("a", 2)],
      limit: 1,
      expected: ["a"],
    },
    {
      what: "none when the slots are held",
      workers: [w("x", 1, { slot: true }), w("y", 2, { slot: true }), w("a", 3)],
      limit: 2,
      expected: [],
    },
    {
      what: "every idle worker when fewer than the slots",
      workers: [w("a", 1), w("b", 2, { state: "busy" }), w("c", 3, { state: "starting" })],
      limit: 2,
      expected: ["a"],
    },
    {
      what: "not to a retiring or exiting worker, whose slot no longer counts",
      workers: [
        w("retiring", 9, { retiring: true, slot: true }),
        w("exiting", 8, { state: "exiting" }),
        w("a", 1),
      ],
      limit: 1,
      expected: ["a"],
    },
  ])("$what", ({ workers, limit, expected }) => {
    expect(slotsToGrant(workers, limit).map((worker) => worker.name)).toEqual(expected);
  });
});

describe("idleWorker", () => {
  const workers = [w("old", 1), w("new", 9, { slot: true }), w("busy", 10, { state: "busy" })];
  it("newest for a run, with a filter (a spare before a listener)", () => {
    expect(idleWorker(workers, "newest")?.name).toBe("new");
    expect(idleWorker(workers, "newest", (x) => !x.slot)?.name).toBe("old");
  });
  it("oldest to retire", () => {
    expect(idleWorker(workers, "oldest")?.name).toBe("old");
  });
});

describe("slotsToTrim", () => {
  const slot = { slot: true };
  it.each([
    {
      what: "none while the idle holders are within the limit",
      workers: [w("a", 1, slot), w("b", 2, slot), w("spare", 3)],
      limit: 2,
      expected: [],
    },
    {
      what: "beyond the limit, the ones idle longest (keep-alive connections ended)",
      workers: [w("new", 9, slot), w("old", 1, slot), w("mid", 5, slot), w("older", 0, slot)],
      limit: 2,
      expected: ["older", "old"],
    },
    {
      what: "busy holders are not counted nor trimmed: their slot serves once they are idle",
      workers: [
        w("busy1", 0, { slot: true, state: "busy" }),
        w("busy2", 0, { slot: true, state: "busy" }),
        w("a", 3, slot),
        w("b", 4, slot),
      ],
      limit: 2,
      expected: [],
    },
    {
      what: "a retiring holder does not count",
      workers: [w("leaving", 0, { slot: true, retiring: true }), w("a", 3, slot), w("b", 4, slot)],
      limit: 2,
      expected: [],
    },
  ])("$what", ({ workers, limit, expected }) => {
    expect(slotsToTrim(workers, limit).map((worker) => worker.name)).toEqual(expected);
  });
});
