// Real supervisors (test/fixtures/app.mjs in a child process) on 127.0.0.1
// port 0 and on Unix sockets: serving, pool sizes, worker replacement.

import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { APP, type App, eventually, holdMany, startApp, stopAll } from "./helpers/run-app";

afterEach(stopAll);

describe("serving", () => {
  it("answers connections in workers; globals are never shared between workers", async () => {
    const app = await startApp({ options: { minFork: 2, maxFork: 2, preFork: 1 } });
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await app.ask("GLOBAL"));
    const perWorker = new Map<string, number[]>();
    for (const answer of answers) {
      const [pid, count] = answer.split(" ");
      perWorker.set(pid as string, [...(perWorker.get(pid as string) ?? []), Number(count)]);
    }
    expect(perWorker.has(String(app.child.pid))).toBe(false); // the supervisor serves nobody
    for (const counts of perWorker.values()) {
      // Each worker counts only its own connections: 1, 2, 3, ...
      expect(counts).toEqual(counts.map((_, i) => i + 1));
    }
    expect(await app.stop()).toBe(0);
  });

  it("serves a Unix socket, replacing a stale socket file, and removes it at the end", async () => {
    const first = await startApp({ listeners: [{ proto: "local", path: "$DIR/app.sock" }] });
    const path = join(first.dir, "app.sock");
    expect(await first.ask("PID", { path })).toMatch(/^\d+$/);
    first.child.kill("SIGKILL"); // leaves a stale socket file behind
    await first.exited;
    expect(existsSync(path)).toBe(true);
    const second = await startApp({ listeners: [{ proto: "local", path }] });
    expect(await second.ask("PID", { path })).toMatch(/^\d+$/);
    expect(await second.stop()).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it("one worker serves many more connections than the listener copies it holds, on TCP and Unix sockets alike, and every one is counted", async () => {
    const app = await startApp({
      listeners: [
        { proto: "tcp", host: "127.0.0.1", port: 0 },
        { proto: "local", path: "$DIR/app.sock" },
      ],
      options: { minFork: 1, maxFork: 1, preFork: 0 },
    });
    const path = join(app.dir, "app.sock");
    const answers = new Set<string>();
    // Well past the sets of copies kept ahead (16): refills come in batches.
    for (let i = 0; i < 60; i++)
      answers.add(await app.ask("PID", i % 3 === 0 ? { path } : undefined));
    expect(answers.size).toBe(1);
    await eventually(
      () => app.stats(),
      (stats) => stats.served === 60 && stats.idle === 1,
      "all 60 connections reported, the worker idle",
    );
    expect(await app.stop()).toBe(0);
  });

  it("refuses to replace a file that is not a socket", async () => {
    const app = await startApp({ listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }] });
    const path = join(app.dir, "plain-file");
    writeFileSync(path, "keep me");
    const failing = await startApp({ listeners: [{ proto: "local", path }] }, false);
    expect(await failing.exited).not.toBe(0);
    expect(failing.output()).toMatch(/BIND_FAILED|not a socket/);
    expect(existsSync(path)).toBe(true);
    await app.stop();
  });

  it("listen() inside a handler is an error", async () => {
    const app = await startApp({});
    expect(await app.ask("LISTEN")).toBe("LISTEN_IN_HANDLER");
    await app.stop();
  });
});

describe("pool size", () => {
  it("starts minFork workers, grows to maxFork under load, queues beyond it, and shrinks after exitDelay", async () => {
    const app = await startApp({
      options: { minFork: 1, preFork: 1, maxFork: 3, forkDelay: 0.01, exitDelay: 0.3 },
    });
    // minFork 1 and preFork 1: one idle worker is both.
    await eventually(
      () => app.stats(),
      (stats) => stats.workers === 1 && stats.idle === 1,
      "one idle worker",
    );
    // Three connections held open: the pool grows to maxFork, one worker each.
    const held = await holdMany(app, 3);
    expect(new Set(held.map((h) => h.pid)).size).toBe(3);
    // (A worker that accepted on its own reports busy a moment after it answers.)
    const busiest = await eventually(
      () => app.stats(),
      (stats) => stats.busy === 3,
      "three busy workers",
    );
    expect(busiest.forks).toBeGreaterThanOrEqual(3);
    expect(busiest.workers).toBe(3);
    // Two more wait their turn: nobody answers them while all three are held.
    let answered = 0;
    const queued = Array.from({ length: 2 }, () =>
      app.ask("PID").then((answer) => {
        answered++;
        return answer;
      }),
    );
    await eventually(
      () => app.stats(),
      (stats) => stats.busy === 3 && stats.workers === 3,
      "the pool still full",
    );
    expect(answered).toBe(0);
    for (const h of held) await h.release();
    const answers = await Promise.all(queued);
    for (const answer of answers) expect(held.map((h) => h.pid)).toContain(answer);
    // Idle spares beyond preFork retire, one per exitDelay, down to minFork.
    const shrunk = await eventually(
      () => app.stats(),
      (stats) => stats.workers === 1,
      "the pool to shrink",
    );
    expect(shrunk.exits.retired).toBeGreaterThanOrEqual(1);
    expect(await app.stop()).toBe(0);
  });

  it("idleTimeout retires idle workers, which are replaced as the pool needs", async () => {
    const app = await startApp({
      options: { minFork: 1, preFork: 0, maxFork: 2, idleTimeout: 0.3, forkDelay: 0.01 },
    });
    const stats = await eventually(
      () => app.stats(),
      (s) => (s.exits["idle-timeout"] ?? 0) >= 2,
      "idle workers to time out",
    );
    expect(stats.workers).toBeLessThanOrEqual(2);
    expect(await app.ask("PID")).toMatch(/^\d+$/);
    await app.stop();
  });
});

describe("replacing workers", () => {
  it("connect returning anything but true ends that worker; the next connection gets another", async () => {
    const app = await startApp({
      options: { minFork: 1, preFork: 1, maxFork: 2, forkDelay: 0.01 },
    });
    const once = await app.ask("ONCE");
    await eventually(
      () => app.stats(),
      (s) => (s.exits["connect-not-true"] ?? 0) === 1,
      "the worker to exit",
    );
    const next = await app.ask("PID");
    expect(next).not.toBe(once);
    expect(app.records().filter((line) => line === `finish ${once}`)).toHaveLength(1);
    await app.stop();
  });

  it.each([
    { what: "a handler that throws", command: "THROW", reason: "crashed" },
    { what: "a handler that exits the process", command: "EXIT", reason: "crashed" },
    {
      what: "a handler stuck in a busy loop past its timeout",
      command: "HANG 0.3",
      reason: "killed",
    },
    // The heap limit (sized from memoryLimit) aborts the process: killed by SIGABRT.
    { what: "a handler that eats memory past the limit", command: "MEM", reason: "killed" },
  ])("$what costs only its own connection", async ({ command, reason }) => {
    const app = await startApp({
      options: {
        minFork: 2,
        preFork: 1,
        maxFork: 3,
        forkDelay: 0.01,
        forkErrorDelay: 0.05,
        memoryLimit: 64 * 1024 * 1024,
      },
    });
    const slow = app.ask("SLOW 300");
    const failed = await app.ask(command);
    expect(failed).toBe("");
    expect(await slow).toMatch(/^\d+$/); // the other connection never noticed
    const stats = await eventually(
      () => app.stats(),
      (s) => (s.exits[reason] ?? 0) >= 1,
      `a ${reason} worker`,
    );
    expect(stats.exits[reason]).toBe(1);
    expect(await app.ask("PID")).toMatch(/^\d+$/);
    expect(app.output()).toMatch(/moonbridge: worker \d+ (crashed|was killed)/);
    expect(await app.stop()).toBe(0);
  });
});

describe("a worker that dies while waiting for a connection", () => {
  it("loses nothing: connections wait in the backlog and another worker serves them", async () => {
    const app = await startApp({
      options: { minFork: 2, maxFork: 2, preFork: 1, forkDelay: 0.01, forkErrorDelay: 0.01 },
    });
    await eventually(
      () => app.stats(),
      (s) => s.idle === 2,
      "two idle workers",
    );
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) pids.add(await app.ask("PID"));
    // Kill every worker (listening on its copy, or about to): the connections sent
    // meanwhile wait in the kernel's backlog, held open by the supervisor's copy.
    for (const pid of pids) process.kill(Number(pid), "SIGKILL");
    const answers = await Promise.all(Array.from({ length: 4 }, () => app.ask("PID")));
    expect(answers.every((answer) => /^\d+$/.test(answer) && !pids.has(answer))).toBe(true);
    expect(await app.stop()).toBe(0);
  });
});

describe("a supervisor that dies", () => {
  it("leaves its busy worker to answer its connection and go, without an error", async () => {
    const app = await startApp({ options: { minFork: 1, maxFork: 1, preFork: 1 } });
    await eventually(
      () => app.stats(),
      (s) => s.idle === 1,
      "an idle worker",
    );
    const answer = app.ask("BLOCK 1500");
    await eventually(
      () => app.records(),
      (lines) => lines.some((line) => line.startsWith("block ")),
      "the worker blocked",
    );
    // The worker's event loop is blocked: it learns of the supervisor's end only after
    // it has answered, and its first message after the connection goes to a closed pipe.
    app.child.kill("SIGKILL");
    const pid = Number(await answer);
    expect(pid).toBeGreaterThan(0);
    await eventually(
      async () => alive(pid),
      (running) => !running,
      "the worker gone",
    );
    expect(app.output()).not.toMatch(/Unhandled 'error' event|EPIPE/);
  });
});

describe("a process marked as a worker that no supervisor forked", () => {
  it("fails in listen() with NO_SUPERVISOR", async () => {
    // As a process started by a worker would be: the variables inherited, no channel.
    const child = spawn(process.execPath, [APP], {
      env: {
        ...process.env,
        MOONBRIDGE_WORKER: "1",
        MOONBRIDGE_POOL: "0",
        MOONBRIDGE_TEST_CONFIG: JSON.stringify({
          listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }],
        }),
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/NO_SUPERVISOR/);
    expect(stderr).toMatch(/no IPC channel to a supervisor/);
  });
});

/** Whether process `pid` still runs (on Linux a zombie, dead but not yet reaped, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync("/proc/self/stat")) return true;
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("memoryLimit", () => {
  it("a worker above the limit after a connection answers it, then leaves; one that keeps growing is killed", async () => {
    const app = await startApp({
      options: { minFork: 1, preFork: 1, maxFork: 2, forkDelay: 0.01, memoryLimit: 96 * 2 ** 20 },
    });
    expect(await app.ask("GROW 80")).toMatch(/^\d+$/);
    await eventually(
      () => app.stats(),
      (s) => (s.exits["memory-limit"] ?? 0) === 1,
      "the worker to leave",
    );
    expect(await app.ask("GROWING")).toBe("");
    await eventually(
      () => app.stats(),
      (s) => (s.exits.killed ?? 0) === 1,
      "the growing worker to be killed",
    );
    expect(app.output()).toMatch(/far above memoryLimit; killing it/);
    expect(await app.ask("PID")).toMatch(/^\d+$/);
    expect(await app.stop()).toBe(0);
  });
});

describe("process titles", () => {
  it.runIf(existsSync("/proc/self/cmdline"))(
    "a plain node app's supervisor is named by its script, and its worker by number and state",
    async () => {
      const app = await startApp({ options: { minFork: 1, maxFork: 1 } });
      const worker = await app.ask("PID");
      const title = (pid: number | string) =>
        readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0+/g, " ").trim();
      expect(title(app.child.pid as number)).toBe("moonbridge: supervisor app.mjs");
      await eventually(
        async () => title(worker),
        (seen) => seen === "moonbridge: worker 1 idle",
        "the worker's title to say idle",
      );
      expect(await app.stop()).toBe(0);
    },
  );
});

describe("maxRequests", () => {
  /** The lengths of the runs of equal pids in `pids`, in order. */
  function runs(pids: string[]): number[] {
    const lengths: number[] = [];
    pids.forEach((pid, i) => {
      if (i > 0 && pids[i - 1] === pid) lengths.push((lengths.pop() as number) + 1);
      else lengths.push(1);
    });
    return lengths;
  }

  async function pidsOf(options: Record<string, unknown>, count: number) {
    const app = await startApp({
      options: { minFork: 1, preFork: 1, maxFork: 1, forkDelay: 0.01, ...options },
    });
    const pids: string[] = [];
    for (let i = 0; i < count; i++) pids.push(await app.ask("PID"));
    return { app, pids };
  }

  it("a worker serves that many connections, then is replaced", async () => {
    const { app, pids } = await pidsOf({ maxRequests: 3 }, 9);
    expect(runs(pids)).toEqual([3, 3, 3]);
    expect(new Set(pids).size).toBe(3);
    await eventually(
      () => app.stats(),
      (s) => (s.exits["max-requests"] ?? 0) === 3,
      "the third worker to retire",
    );
    expect(await app.stop()).toBe(0);
  });

  it("with jitter, each worker draws up to that many more; 0 is no limit, whatever the jitter", async () => {
    const { app, pids } = await pidsOf({ maxRequests: 2, maxRequestsJitter: 2 }, 24);
    const lengths = runs(pids);
    // The last run may be cut short by the end of the test.
    for (const length of lengths.slice(0, -1)) expect([2, 3, 4]).toContain(length);
    expect(lengths.length).toBeGreaterThanOrEqual(6);
    expect(await app.stop()).toBe(0);
    const unlimited = await pidsOf({ maxRequests: 0, maxRequestsJitter: 5 }, 12);
    expect(new Set(unlimited.pids).size).toBe(1);
    expect((await unlimited.app.stats()).exits["max-requests"] ?? 0).toBe(0);
    expect(await unlimited.app.stop()).toBe(0);
  });
});

describe("keepYoungGeneration", () => {
  /** Asks `count` connections at once, so that each goes to a worker of its own. */
  async function workers(app: App, count: number) {
    const held = await holdMany(app, count, "V8");
    await Promise.all(held.map((h) => h.release()));
    return held.map((h) => JSON.parse(h.pid) as { execArgv: string[]; random: number });
  }

  it("forks workers with --predictable and a random seed of each one's own; false or the application's own flags: as they are", async () => {
    const options = { minFork: 2, preFork: 2, maxFork: 2 };
    const kept = await workers(await startApp({ options }), 2);
    const seeds = kept.map((w) => {
      expect(w.execArgv).toContain("--predictable");
      return w.execArgv.find((arg) => arg.startsWith("--random-seed="));
    });
    expect(seeds[0]).toMatch(/^--random-seed=[1-9]\d*$/);
    expect(seeds[1]).not.toBe(seeds[0]);
    // --predictable alone would give every worker the same sequence.
    expect(kept[1]?.random).not.toBe(kept[0]?.random);

    const off = await workers(
      await startApp({ options: { ...options, keepYoungGeneration: false } }),
      1,
    );
    expect(off[0]?.execArgv.join(" ")).not.toMatch(/predictable|random-seed/);

    const own = await workers(await startApp({ options, nodeArgs: ["--random-seed=7"] }), 1);
    expect(own[0]?.execArgv).toEqual(["--random-seed=7"]);
  });
});

/** Start and end times of each run of interval `name`, from the fixture's records. */
function spans(records: string[], name: string): Array<{ start: number; end: number }> {
  const starts = records
    .filter((line) => line.startsWith(`run ${name} `))
    .map((line) => Number(line.split(" ")[3]));
  const ends = records
    .filter((line) => line.startsWith(`done ${name} `))
    .map((line) => Number(line.split(" ")[3]));
  return ends.map((end, i) => ({ start: starts[i] as number, end }));
}

describe("interval and main listeners", () => {
  it("an interval runs again and again, never overlapping; the main listener runs once", async () => {
    const app = await startApp({
      listeners: [
        { proto: "interval", name: "tick", delay: 0.1 },
        { proto: "main", name: "boot" },
      ],
      options: { minFork: 2, maxFork: 2 },
      runMillis: 50,
    });
    await eventually(
      () => app.records().filter((line) => line.startsWith("run tick")).length,
      (n) => n >= 4,
      "four ticks",
    );
    expect(app.records().filter((line) => line.startsWith("run boot"))).toHaveLength(1);
    await app.stop();
    const runs = spans(app.records(), "tick");
    // Non-strict: each run starts no sooner than a delay (100 ms) after the previous one ended.
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]?.start).toBeGreaterThanOrEqual((runs[i - 1]?.end ?? 0) + 95);
  });

  it("a strict interval keeps its rate and skips a tick that would overlap a run", async () => {
    const app = await startApp({
      listeners: [{ proto: "interval", name: "beat", delay: 0.1, strict: true }],
      options: { minFork: 2, maxFork: 2 },
      runMillis: 150,
    });
    await eventually(
      () => app.records().filter((line) => line.startsWith("run beat")).length,
      (n) => n >= 3,
      "three beats",
    );
    await app.stop();
    // A run lasts longer than the period: the ticks during it are skipped, so runs never overlap.
    const runs = spans(app.records(), "beat");
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]?.start).toBeGreaterThanOrEqual(runs[i - 1]?.end ?? 0);
  });
});

describe("signals", () => {
  it("SIGTERM finishes every connection in flight, runs finish in each worker, and exits 0", async () => {
    const app = await startApp({ options: { minFork: 3, maxFork: 3, preFork: 1 } });
    await eventually(
      () => app.stats(),
      (s) => s.idle === 3,
      "three idle workers",
    );
    const inFlight = [app.ask("SLOW 500"), app.ask("SLOW 500"), app.ask("SLOW 500")];
    await eventually(
      () => app.stats(),
      (s) => s.busy === 3,
      "three busy workers",
    );
    const code = app.stop("SIGTERM");
    const answers = await Promise.all(inFlight);
    expect(answers.every((answer) => /^\d+$/.test(answer))).toBe(true);
    expect(await code).toBe(0);
    expect(app.records().filter((line) => line.startsWith("finish"))).toHaveLength(3);
  });

  it("SIGHUP replaces every worker under continuous load without refusing a connection", async () => {
    const app = await startApp({
      options: { minFork: 2, maxFork: 4, preFork: 1, forkDelay: 0.01 },
    });
    const before = new Set<string>();
    const after = new Set<string>();
    let reloaded = false;
    let failures = 0;
    const load = (async () => {
      // Until new workers answer (a bound of 3,000 connections, not a timing).
      for (
        let i = 0;
        i < 3000 && (i < 150 || after.size === 0 || [...after].every((pid) => before.has(pid)));
        i++
      ) {
        try {
          const pid = await app.ask("PID");
          if (!/^\d+$/.test(pid)) failures++;
          (reloaded ? after : before).add(pid);
        } catch {
          failures++;
        }
      }
    })();
    await eventually(
      () => before.size,
      (n) => n >= 1,
      "some answers",
    );
    const old = new Set(before);
    app.child.kill("SIGHUP");
    reloaded = true;
    await load;
    expect(failures).toBe(0);
    const fresh = [...after].filter((pid) => !old.has(pid));
    expect(fresh.length).toBeGreaterThan(0);
    await app.stop();
  });
});
