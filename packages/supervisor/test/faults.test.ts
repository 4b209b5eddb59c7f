// What a fault costs, on real supervisors (test/fixtures/app.mjs): a worker
// that crashes after starting is replaced at once (forkErrorDelay is for a
// crash loop at start, which backs off); a reload whose new version cannot
// start leaves the old workers serving; stopping closes the port in every
// process at once and answers what was already taken; stats count every
// connection; a handler that never returns true is named in the log.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, hold, startApp, stopAll, talk } from "./helpers/run-app";

afterEach(stopAll);

describe("a worker that crashes after it started", () => {
  it("is replaced at once, not after forkErrorDelay, and every exit is counted", async () => {
    const app = await startApp({
      options: { minFork: 1, maxFork: 1, preFork: 1, forkErrorDelay: 60 },
    });
    for (let i = 0; i < 3; i++) {
      expect(await talk(app.port, "THROW")).toBe("");
      // Within the test's bound, far below the 60 s a crash loop would wait.
      expect(await talk(app.port, "PID")).toMatch(/^\d+$/);
    }
    const stats = await eventually(
      () => app.stats(),
      (s) => s.exits.crashed === 3,
      "three crashes counted",
    );
    expect(stats.forks).toBe(4);
    expect(app.output().match(/crashed \(exit code 1\); replacing it/g)).toHaveLength(3);
    await app.stop();
  });

  it("a crash loop at start waits forkErrorDelay, doubled with each failure in a row", async () => {
    const app = await startApp(
      { options: { minFork: 1, maxFork: 1, forkErrorDelay: 0.5 }, prepareFails: true },
      false,
    );
    await eventually(
      () => app.output().match(/failed to start \(exit code 1\); trying again in [\d.]+ s/g) ?? [],
      (lines) => lines.length >= 3,
      "three failures in a row",
    );
    const waits = [...app.output().matchAll(/trying again in ([\d.]+) s/g)].map((m) =>
      Number(m[1]),
    );
    expect(waits.slice(0, 3)).toEqual([0.5, 1, 2]);
    app.child.kill("SIGKILL");
  });
});

describe("stats", () => {
  it("served counts the connections of workers that exited after them", async () => {
    const app = await startApp({ options: { minFork: 1, maxFork: 2 } });
    for (let i = 0; i < 4; i++) expect(await talk(app.port, "ONCE")).toMatch(/^\d+$/);
    await eventually(
      () => app.stats(),
      (s) => s.served === 4 && s.exits["connect-not-true"] === 4,
      "4 served by 4 workers that exited",
    );
    await app.stop();
  });
});

describe("connect not returning true", () => {
  it("is named in the log once when workers keep exiting for it", async () => {
    const app = await startApp({ options: { minFork: 1, maxFork: 2 } });
    for (let i = 0; i < 12; i++) expect(await talk(app.port, "ONCE")).toMatch(/^\d+$/);
    await eventually(
      () => app.output(),
      (out) => out.includes("did not return exactly true"),
      "the log line",
    );
    expect(app.output().match(/did not return exactly true/g)).toHaveLength(1);
    expect(app.output()).toContain("return true from connect");
    await app.stop();
  });
});

describe("SIGHUP", () => {
  it("with a version that cannot start: the reload is abandoned and the old workers serve on", async () => {
    const broken = join(mkdtempSync(join(tmpdir(), "moon-broken-")), "broken");
    const app = await startApp({
      options: { minFork: 2, maxFork: 4, forkErrorDelay: 0.25 },
      brokenIf: broken,
    });
    await eventually(
      () => app.stats(),
      (s) => s.idle >= 2,
      "two workers",
    );
    writeFileSync(broken, "");
    app.child.kill("SIGHUP");
    await eventually(
      () => app.output(),
      (out) => /reload abandoned/.test(out),
      "the reload abandoned",
    );
    expect(app.output()).toMatch(/failed to start.*reload abandoned/);
    const answers = await Promise.all(Array.from({ length: 10 }, () => talk(app.port, "PID")));
    for (const answer of answers) expect(answer).toMatch(/^\d+$/);
    expect((await app.stats()).workers).toBeGreaterThanOrEqual(2);
    expect(app.child.exitCode).toBeNull();
    await app.stop();
  });

  it("with a version that starts: every old worker is replaced, and no connection fails", async () => {
    const app = await startApp({ options: { minFork: 3, maxFork: 4, forkDelay: 0.01 } });
    await eventually(
      () => app.stats(),
      (s) => s.idle >= 3,
      "three workers",
    );
    const oldPids = new Set(
      app
        .records()
        .filter((line) => line.startsWith("prepare"))
        .map((line) => line.split(" ")[1]),
    );
    app.child.kill("SIGHUP");
    await eventually(
      () => app.output(),
      (out) => out.includes("reload done"),
      "the reload done",
    );
    const answers = await Promise.all(Array.from({ length: 10 }, () => talk(app.port, "PID")));
    for (const answer of answers) {
      expect(answer).toMatch(/^\d+$/);
      expect(oldPids.has(answer)).toBe(false);
    }
    await app.stop();
  });
});

describe("SIGTERM", () => {
  it("refuses new connections at once while a busy worker finishes, and answers those already waiting in the backlog", async () => {
    const app = await startApp({ options: { minFork: 1, maxFork: 1, preFork: 0 } });
    const busy = await hold(app); // the one worker is busy until released
    // Three connections wait in the backlog, their requests sent.
    const waiting = [talk(app.port, "PID"), talk(app.port, "PID"), talk(app.port, "PID")];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const code = app.stop();
    await eventually(
      () => app.output(),
      (out) => /listeners closed in every process; 3 connections taken from the backlog/.test(out),
      "the listeners closed",
    );
    // The busy worker still holds its connection (and held listener copies): the port is closed all the same.
    expect(await talk(app.port, "PID")).toBe("ECONNREFUSED");
    await busy.release();
    for (const answer of await Promise.all(waiting)) expect(answer).toMatch(/^\d+$/);
    expect(await code).toBe(0);
  });
});

describe("a stop signal twice", () => {
  it("at once (a terminal's Ctrl-C to the group, then a parent forwarding it) is one: a clean stop, exit 0", async () => {
    const app = await startApp({});
    app.child.kill("SIGINT");
    app.child.kill("SIGINT");
    expect(await app.exited).toBe(0);
    expect(app.output()).not.toContain("again: exiting now");
  });

  it("a moment later, while a worker is busy: exits at once, 1", async () => {
    const app = await startApp({});
    const busy = await hold(app);
    app.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain("SIGTERM again: exiting now");
    await busy.release().catch(() => {});
  });
});
