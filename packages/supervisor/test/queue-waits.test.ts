// How long a parked connection with a request waits for a worker
// (moonbridge_queue_wait_seconds): timed from when it joins the queue to
// when a worker takes it, a put-back one keeping its first time.

import { describe, expect, it } from "vitest";
import { Histogram } from "../src/internal/histogram";
import type { NativeHandle } from "../src/internal/native-handles";
import { ParkedConnections } from "../src/internal/parked-connections";

/** A handle that is never read (parked with wake: it waits for a worker at once). */
const handle = { close() {} } as unknown as NativeHandle;
const WAKE = { wake: true, timeout: 0, note: undefined, resumeOnTimeout: false };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("queue waits", () => {
  it("a histogram counts each observation at or below each bound, cumulatively", () => {
    const waits = new Histogram([0.01, 0.1]);
    for (const seconds of [0.01, 0.02, 5]) waits.observe(seconds);
    expect(waits.snapshot()).toEqual({
      buckets: [
        [0.01, 1],
        [0.1, 2],
        [Number.POSITIVE_INFINITY, 3],
      ],
      sum: 5.03,
      count: 3,
    });
  });

  it("time a connection from joining the queue to a worker's taking it; one put back keeps its first time", async () => {
    const parked = new ParkedConnections(() => {});
    parked.add(handle, Buffer.from("GET / HTTP/1.1\r\n\r\n"), WAKE);
    expect(parked.queueWaits().count).toBe(0);
    await sleep(30);
    const first = parked.next();
    expect(first).toBeDefined();
    // Refused by a worker: first in line again, still timed from the start.
    parked.putBack(first as NonNullable<typeof first>);
    await sleep(30);
    parked.release(parked.next() as NonNullable<typeof first>);
    const waits = parked.queueWaits();
    expect(waits.count).toBe(1);
    expect(waits.sum).toBeGreaterThanOrEqual(0.055);
    expect(waits.buckets.find(([bound]) => bound === 0.05)?.[1]).toBe(0);
    expect(waits.buckets.at(-1)).toEqual([Number.POSITIVE_INFINITY, 1]);
  });
});
