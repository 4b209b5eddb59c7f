// The pool's metrics in the Prometheus text format: pool.metrics() and the
// metrics option's server, counters that survive the workers that reported
// them, and a scrape answered while every worker is busy.

import { describe, expect, it } from "vitest";
import { SupervisorError } from "../src/errors";
import { Histogram } from "../src/internal/histogram";
import { metricsText } from "../src/internal/metrics-text";
import { resolveOptions } from "../src/options";
import type { PoolStats } from "../src/pool";
import { eventually, hold, startApp } from "./helpers/run-app";

const STATS: PoolStats = {
  workers: 3,
  idle: 1,
  busy: 1,
  starting: 1,
  listening: 2,
  served: 40,
  requests: 120,
  forks: 5,
  exits: { "max-requests": 2, crashed: 1 },
  parked: 4,
  waiting: 1,
  parkedMax: 9,
  parks: 12,
  resumes: 8,
  copies: 6,
};

/** The samples of a metrics text: "name{labels}" -> value. */
function samples(text: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    found[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return found;
}

describe("the metrics text", () => {
  it("has a HELP and a TYPE for each metric and a sample per state, reason and figure, labelled with the pool", () => {
    const waits = new Histogram([0.01, 0.1]);
    for (const seconds of [0.005, 0.05, 0.05, 3]) waits.observe(seconds);
    const text = metricsText(STATS, 1, waits.snapshot());
    expect(samples(text)).toEqual({
      'moonbridge_workers{pool="1",state="idle"}': 1,
      'moonbridge_workers{pool="1",state="busy"}': 1,
      'moonbridge_workers{pool="1",state="starting"}': 1,
      'moonbridge_listening_workers{pool="1"}': 2,
      'moonbridge_requests_total{pool="1"}': 120,
      'moonbridge_connections_total{pool="1"}': 40,
      'moonbridge_forks_total{pool="1"}': 5,
      'moonbridge_worker_exits_total{pool="1",reason="crashed"}': 1,
      'moonbridge_worker_exits_total{pool="1",reason="max-requests"}': 2,
      'moonbridge_parked_connections{pool="1"}': 4,
      'moonbridge_parked_waiting_connections{pool="1"}': 1,
      'moonbridge_parks_total{pool="1"}': 12,
      'moonbridge_resumes_total{pool="1"}': 8,
      'moonbridge_connection_copies{pool="1"}': 6,
      'moonbridge_queue_wait_seconds_bucket{pool="1",le="0.01"}': 1,
      'moonbridge_queue_wait_seconds_bucket{pool="1",le="0.1"}': 3,
      'moonbridge_queue_wait_seconds_bucket{pool="1",le="+Inf"}': 4,
      'moonbridge_queue_wait_seconds_sum{pool="1"}': 3.105,
      'moonbridge_queue_wait_seconds_count{pool="1"}': 4,
    });
    expect(text).toContain("# TYPE moonbridge_queue_wait_seconds histogram\n");
    expect(text).toContain("# TYPE moonbridge_requests_total counter\n");
    expect(text).toContain("# TYPE moonbridge_workers gauge\n");
    for (const line of text.trimEnd().split("\n"))
      expect(line).toMatch(/^(# (HELP|TYPE) moonbridge_\w+ .+|moonbridge_\w+\{[^}]*\} [\d.]+)$/);
  });

  it("the metrics option is checked", () => {
    const base = { listeners: [{ proto: "tcp", port: 0 }], connect: () => true };
    expect(resolveOptions({ ...base, metrics: { port: 9100 } }).metrics).toEqual({
      host: "127.0.0.1",
      port: 9100,
    });
    expect(() => resolveOptions({ ...base, metrics: { port: 70000 } })).toThrow(SupervisorError);
    expect(() => resolveOptions({ ...base, metrics: { port: 0, path: "/m" } })).toThrow(
      /metrics: unknown option "path"/,
    );
    expect(() => resolveOptions({ ...base, metrics: 9100 })).toThrow(/metrics must be an object/);
  });
});

describe("the metrics server", () => {
  it("answers scrapes at /metrics, also while the only worker is busy; its counters outlive the workers", async () => {
    const app = await startApp({
      options: { minFork: 1, maxFork: 1, forkDelay: 0.01, maxRequests: 2, metrics: { port: 0 } },
    });
    const address = JSON.parse(/METRICS (.*)/.exec(app.output())?.[1] ?? "null") as {
      host: string;
      port: number;
    };
    expect(address.host).toBe("127.0.0.1");
    const url = `http://127.0.0.1:${address.port}`;
    // Four connections: two workers retire after two each.
    for (let i = 0; i < 4; i++) expect(await app.ask("PID")).toMatch(/^\d+$/);
    const scraped = await eventually(
      async () => samples(await (await fetch(`${url}/metrics`)).text()),
      (s) => s['moonbridge_worker_exits_total{pool="0",reason="max-requests"}'] === 2,
      "two workers to retire",
    );
    expect(scraped['moonbridge_requests_total{pool="0"}']).toBe(4);
    expect(scraped['moonbridge_connections_total{pool="0"}']).toBe(4);
    expect(scraped['moonbridge_forks_total{pool="0"}']).toBeGreaterThanOrEqual(3);
    // The one worker held by a connection: the supervisor answers all the same.
    const held = await hold(app);
    const busy = await fetch(`${url}/metrics`);
    expect(busy.status).toBe(200);
    expect(busy.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    await eventually(
      async () => samples(await (await fetch(`${url}/metrics`)).text()),
      (s) => s['moonbridge_workers{pool="0",state="busy"}'] === 1,
      "the held worker to count as busy",
    );
    await held.release();
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
    expect(await app.stop()).toBe(0);
  });
});
