// Only a few idle workers listen at once (LISTENING_SLOTS), chosen most
// recently idle first; the rest wait as spares. Real supervisors
// (test/fixtures/app.mjs) on 127.0.0.1 port 0: the few serve short
// connections back to back, connections that wait bring in more listeners
// (given back once idle), and no connection is lost while slots move or a
// listening worker is killed. The choice itself: worker-choice.test.ts.

import { afterEach, describe, expect, it } from "vitest";
import { LISTENING_SLOTS } from "../src/internal/worker-choice";
import { type App, eventually, holdMany, startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

const K = LISTENING_SLOTS;

/** MOONBRIDGE_DEBUG: the supervisor logs each slot it gives and each one handed back. */
const DEBUG = { MOONBRIDGE_DEBUG: "1" };

/** The pids the supervisor told to listen, in order, from its debug log. */
function grants(app: App): string[] {
  return [...app.output().matchAll(/worker (\d+) listens\n/g)].map((match) => match[1] as string);
}

/** How many slots workers handed back (a connection outlasted the release time). */
function releases(app: App): number {
  return [...app.output().matchAll(/handed its slot back\n/g)].length;
}

describe("listening slots", () => {
  it("of 8 idle workers only a few listen, and they serve short connections one after another", async () => {
    const app = await startApp({ options: { minFork: 8, maxFork: 8, preFork: 1 }, env: DEBUG });
    // The spares count as idle all the same; only K of the eight listen.
    await eventually(
      () => app.stats(),
      (s) => s.idle === 8 && s.listening === K,
      "eight idle workers, K of them listening",
    );
    const pids = new Set<string>();
    for (let i = 0; i < 24; i++) pids.add(await app.ask("PID"));
    // Every idle worker listening would spread these over most of the pool. Only
    // a connection that outlasted the release time (a cold first one, say) brings
    // in another: a worker serves only once told to listen. (The log comes on
    // stderr, which may lag behind: wait a little for it.)
    await eventually(
      () => new Set(grants(app)),
      (told) => [...pids].every((pid) => told.has(pid)),
      `every worker that served told to listen (${pids.size} served)`,
      3,
    );
    if (releases(app) === 0 && grants(app).length === K) expect(pids.size).toBeLessThanOrEqual(K);
    expect(pids.size).toBeLessThan(8);
    // An extra listener brought in by a slow connection gives its slot back after
    // a short while, so the count settles back to K (it may be above it a moment).
    await eventually(
      () => app.stats(),
      (s) => s.listening === K,
      "K listening again",
    );
    expect(await app.stop()).toBe(0);
  });

  it("connections that wait bring in more listeners, which give their slots back once idle; a waiting slot holder never leaves nobody listening", async () => {
    const app = await startApp({
      options: { minFork: 8, maxFork: 8, preFork: 1 },
      env: DEBUG,
    });
    await eventually(
      () => app.stats(),
      (s) => s.idle === 8 && s.listening === K,
      "every worker idle",
    );
    // A first round warms every worker up: a cold first connection computes more
    // than it waits, and hands its slot on instead (the slots move, none is added).
    for (const held of await holdMany(app, 8)) await held.release();
    await eventually(
      () => app.stats(),
      (s) => s.idle === 8 && s.listening === K,
      "every worker idle again",
    );
    // Every slot holder waits on its connection: each asks for one more listener.
    const first = await holdMany(app, K);
    // So a new connection is still served at once, by a worker told to listen since.
    const served = await app.ask("PID");
    expect(first.map((held) => held.pid)).not.toContain(served);
    const more = await holdMany(app, 6 - K); // six waiting connections, each its own worker
    const pids = new Set([...first, ...more].map((held) => held.pid));
    expect(pids.size).toBe(6);
    const busy = await eventually(
      () => app.stats(),
      (s) => s.busy === 6,
      "six busy workers",
    );
    expect(busy.listening).toBeGreaterThan(K);
    for (const held of [...first, ...more]) await held.release();
    // Idle again: the listeners beyond the slots give them back.
    await eventually(
      () => app.stats(),
      (s) => s.idle === 8 && s.listening === K,
      `${K} listening once all is idle`,
    );
    expect(app.output()).toMatch(/stops listening/);
    expect(await app.stop()).toBe(0);
  });

  it("loses no connection while slots move under load: many sequential and concurrent connections, all answered and counted", async () => {
    const app = await startApp({ options: { minFork: 6, maxFork: 6, preFork: 1 } });
    await eventually(
      () => app.stats(),
      (s) => s.idle === 6,
      "six idle workers",
    );
    let answered = 0;
    const client = async (lane: number) => {
      for (let i = 0; i < 30; i++) {
        // Some connections outlast the slot release time: slots move all the while.
        const answer = await app.ask((i + lane) % 4 === 0 ? "SLOW 20" : "PID");
        expect(answer).toMatch(/^\d+$/);
        answered++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, lane) => client(lane)));
    expect(answered).toBe(240);
    await eventually(
      () => app.stats(),
      (s) => s.served === 240 && s.idle === 6 && s.listening === K,
      "all 240 connections counted, every worker idle",
    );
    expect(await app.stop()).toBe(0);
  });

  it("a listening worker that is killed is replaced, its slot given to another, and no connection is lost", async () => {
    const app = await startApp({
      options: { minFork: 6, maxFork: 6, preFork: 1, forkDelay: 0.01, forkErrorDelay: 0.01 },
    });
    await eventually(
      () => app.stats(),
      (s) => s.idle === 6 && s.listening === K,
      "six idle workers",
    );
    const listening = new Set<string>();
    for (let i = 0; i < 12; i++) listening.add(await app.ask("PID"));
    for (const pid of listening) process.kill(Number(pid), "SIGKILL");
    // Sent at once: they wait in the backlog until the spares are told to listen.
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.ask("PID")));
    for (const answer of answers) {
      expect(answer).toMatch(/^\d+$/);
      expect(listening.has(answer)).toBe(false);
    }
    const stats = await eventually(
      () => app.stats(),
      (s) => s.workers === 6 && s.idle === 6 && s.listening === K,
      "the pool whole again",
    );
    expect(stats.exits.killed).toBe(listening.size);
    expect(await app.stop()).toBe(0);
  });
});
