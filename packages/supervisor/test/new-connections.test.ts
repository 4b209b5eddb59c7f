// NewConnections: which of a worker's new connections keep it from
// listening, which get a copy in the supervisor and when, and what a holder
// giving the turn back means for each (new-connections.ts).

import { setImmediate as immediate } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NewConnections } from "../src/internal/new-connections";

function make(): { connections: NewConnections; copied: object[]; settled: () => number } {
  const copied: object[] = [];
  let settled = 0;
  const connections = new NewConnections(
    (socket) => copied.push(socket),
    () => settled++,
  );
  return { connections, copied, settled: () => settled };
}

/** Until the immediates set before now, and those they set, have run: past the next poll. */
async function pastNextPoll(): Promise<void> {
  await immediate();
  await immediate();
}

// Timers are faked (they run when the test says), immediates are not.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a worker's new connections", () => {
  it("one waiting for its first bytes is copied when another's request runs, and no longer pending", () => {
    const { connections, copied } = make();
    const waiting = {};
    const other = {};
    connections.accepted(waiting);
    expect(connections.gives(waiting, true, false)).toBe("give");
    expect(connections.pending).toBe(true);
    connections.copyWaiting(other);
    expect(copied).toEqual([waiting]);
    expect(connections.pending).toBe(false);
  });

  it("one whose bytes came is never copied: it runs, then waits between requests and asks for a copy", () => {
    const { connections, copied } = make();
    const socket = {};
    connections.accepted(socket);
    connections.gives(socket, true, false); // waits for its first bytes
    connections.asks(socket); // they came
    connections.copyWaiting(undefined);
    expect(copied).toEqual([]);
    expect(connections.gives(socket, false, true)).toBe("give"); // the look
    expect(connections.pending).toBe(true); // ready: the worker takes no new connection yet
    connections.asks(socket);
    expect(connections.gives(socket, true, false)).toBe("copy"); // its response is done
    expect(connections.pending).toBe(false);
  });

  it("one that read part of a head leaves the list uncopied, and a later look keeps the turn", () => {
    const { connections, copied } = make();
    const socket = {};
    connections.accepted(socket);
    connections.asks(socket);
    expect(connections.gives(socket, false, false)).toBe("give");
    expect(connections.pending).toBe(false);
    expect(connections.gives(socket, false, true)).toBe("keep");
    expect(copied).toEqual([]);
  });

  it("settles after FRESH_WAIT_MS: copies what still waits, then lets the worker listen", async () => {
    const { connections, copied, settled } = make();
    const socket = {};
    connections.accepted(socket);
    connections.gives(socket, true, false);
    connections.settleSoon();
    connections.settleSoon(); // once
    await pastNextPoll();
    expect(settled()).toBe(0); // a client slow to send gets a moment first
    vi.advanceTimersByTime(1);
    expect(settled()).toBe(1);
    expect(copied).toEqual([socket]);
  });

  it("after a run of idle connections, settles after the next poll", async () => {
    const { connections, copied, settled } = make();
    for (let i = 0; i < 8; i++) {
      const idle = {};
      connections.accepted(idle);
      connections.gives(idle, true, false);
      connections.copyWaiting(undefined);
    }
    const next = {};
    connections.accepted(next);
    connections.gives(next, true, false);
    connections.settleSoon();
    await pastNextPoll();
    expect(settled()).toBe(1);
    expect(copied).toHaveLength(9);
  });
});
