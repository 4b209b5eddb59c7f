// Parking end to end, through the moonbridge command: a thousand idle
// keep-alive clients against a pool of at most 4 workers. Each sends one
// request and stays idle; the idle connections go to the supervisor (they
// could not all have a worker), and each client's second request is
// answered. The supervisor's --stats lines show them parked and resumed.

import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { raiseOpenFiles, startExample, stopAll, useExample } from "./helpers/example";
import { raw, statuses } from "./helpers/raw";

const CLIENTS = 1000;
const OPEN_FILES = CLIENTS + 1024;

afterAll(stopAll);

const PING = "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n";

/** The newest --stats line's counters. */
function latestStats(output: string): Record<string, number> | undefined {
  const lines = [...output.matchAll(/pool 0: (\{.*\})/g)];
  const last = lines.at(-1);
  return last === undefined ? undefined : JSON.parse(last[1] as string);
}

async function until(what: string, check: () => boolean, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("idle keep-alive clients are parked in the supervisor", () => {
  it(`${CLIENTS} idle clients against maxFork 4 all get their second request answered`, async () => {
    const app = await startExample(
      { MIN_FORK: "2", MAX_FORK: "4", HEARTBEAT_SECONDS: "3600" },
      ["--stats", "0.2"],
      OPEN_FILES,
    );
    const script = join(import.meta.dirname, "helpers", "idle-clients.mjs");
    const clients = spawn(
      "sh",
      [
        "-c",
        raiseOpenFiles(OPEN_FILES),
        "sh",
        process.execPath,
        script,
        String(app.port),
        String(CLIENTS),
        "/ping",
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    const lines = createInterface({ input: clients.stdout });
    const results: Array<Record<string, number>> = [];
    lines.on("line", (line) => results.push(JSON.parse(line)));
    try {
      await until("every client's first answer", () => results.length === 1, 120);
      expect(results[0]).toEqual({ idle: CLIENTS, failed: 0 });
      // Idle, they cannot all hold one of 4 workers: the supervisor holds them.
      await until(
        "the idle connections to be parked",
        () => latestStats(app.output())?.parked === CLIENTS,
      );
      const parked = latestStats(app.output());
      expect(parked?.workers).toBeLessThanOrEqual(4);
      clients.stdin.write("GO\n");
      await until("every client's second answer", () => results.length === 2, 120);
      expect(results[1]).toMatchObject({ answered: CLIENTS, failed: 0 });
      await until(
        "the stats to count the resumes",
        () => (latestStats(app.output())?.resumes ?? 0) >= CLIENTS,
      );
      const after = latestStats(app.output());
      expect(after?.parkedMax).toBe(CLIENTS);
      expect(after?.workers).toBeLessThanOrEqual(4);
    } finally {
      clients.kill("SIGKILL");
      await app.stop();
    }
  });
});

describe("a parked connection's next request", () => {
  const app = useExample(
    {
      MAX_FORK: "2",
      MIN_FORK: "2",
      HTTP_PARK_AFTER: "0.1",
      HTTP_HEADER_TIMEOUT: "1",
      HEARTBEAT_SECONDS: "3600",
    },
    ["--stats", "0.1"],
  );

  it("split across the hand-back to a worker: answered", async () => {
    const before = latestStats(app.output())?.resumes ?? 0;
    // 400 ms apart: parked after the first response; resumed at the first byte of the second request.
    const result = await raw(app.port, [PING, "GET /ping HTTP/1.1\r\nHo", "st: a\r\n\r\n"], {
      gapMillis: 400,
      until: (text) => statuses(text).length === 2,
    });
    expect(statuses(result.text)).toEqual([204, 204]);
    await until(
      "the resume to be counted",
      () => (latestStats(app.output())?.resumes ?? 0) > before,
    );
  });

  it("half sent, then stalled: the request header timeout still applies (408)", async () => {
    const result = await raw(app.port, [PING, "GET /ping HTTP/1.1\r\nHo"], { gapMillis: 400 });
    expect(statuses(result.text)).toEqual([204, 408]);
    expect(result.how).toBe("end");
  });

  it("pipelined requests that straddle a park are answered in order", async () => {
    const result = await raw(app.port, [PING + PING, PING + PING], {
      gapMillis: 400,
      until: (text) => statuses(text).length === 4,
    });
    expect(statuses(result.text)).toEqual([204, 204, 204, 204]);
  });
});

describe("stopping", () => {
  it("SIGTERM closes an idle keep-alive connection its worker holds, so the worker exits at once", async () => {
    const app = await startExample({ HTTP_PARK_AFTER: "600", HEARTBEAT_SECONDS: "3600" });
    const client = raw(app.port, PING, { waitMillis: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // answered; idle in its worker now
    expect(await app.stop()).toBe(0);
    const result = await client;
    expect(statuses(result.text)).toEqual([204]);
    expect(result.how).toBe("end");
    expect(app.output()).not.toContain("still busy after shutdownTimeout");
  });
});
