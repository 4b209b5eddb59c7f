// Faults: processes killed from outside (issue #24). A busy worker killed
// with SIGKILL while other requests wait for a worker costs only its own
// request: the waiting ones are answered, the supervisor logs the kill and
// forks a replacement. The supervisor itself killed with SIGKILL (not its
// group): the workers leave on their own (no orphans), a request in flight
// is answered or closed, not left hanging, and the port then refuses
// connections. Runs the fixture app, whose /wait route logs its worker's pid.

import { afterEach, describe, it } from "vitest";
import { exchange, get, sleep, summary } from "./helpers/client";
import { eventually, isAlive } from "./helpers/procs";
import { fixture, start, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

afterEach(stopAll);

const CLOSE = "Connection: close\r\n";
const BOTH_WAITING = /wait started in worker (\d+)[\s\S]*wait started in worker (\d+)/;

describe("a busy worker killed while other requests wait", () => {
  it("loses its own request only; the 4 waiting are answered; the kill is logged and the worker replaced", async () => {
    const app = await start(fixture("app.mjs"), { env: { MIN_FORK: "2", MAX_FORK: "2" } });
    const long = [0, 1].map(() => exchange(app.port, get("/wait?ms=3000", CLOSE), 15_000));
    const [, first, second] = await app.waitFor(BOTH_WAITING, 0, 15);
    const busy = [Number(first), Number(second)];
    const waiting = [0, 1, 2, 3].map(() => exchange(app.port, get("/ping", CLOSE), 15_000));
    await sleep(300); // the four are in the kernel's backlog: both workers are busy
    const victim = busy[0] as number;
    process.kill(victim, "SIGKILL");
    const [longs, pings] = await Promise.all([Promise.all(long), Promise.all(waiting)]);
    const replaced = await eventually(() => app.workers().some((pid) => !busy.includes(pid)), 10);
    const killedLine = new RegExp(`worker ${victim}\\b[^\\n]*killed`);
    await eventually(() => killedLine.test(app.output()), 5);
    const problems: string[] = [];
    const lost = longs.filter((e) => e.outcome !== "answered");
    const survivor = longs.filter((e) => e.status === 200 && e.complete);
    if (lost.length !== 1 || !["reset", "closed"].includes(lost[0]?.outcome ?? ""))
      problems.push(`the two long requests: ${summary(longs)} (one reset or closed expected)`);
    if (survivor.length !== 1 || !survivor[0]?.body.includes(`worker ${busy[1]}`))
      problems.push(`the other worker's long request was not answered whole by it`);
    const answered = pings.filter((e) => e.status === 204).length;
    if (answered !== 4)
      problems.push(`${answered} of 4 waiting requests answered: ${summary(pings)}`);
    if (!killedLine.test(app.output()))
      problems.push(`no log line says worker ${victim} was killed`);
    if (!replaced)
      problems.push(`no new worker within 10 s (workers: ${app.workers().join(", ")})`);
    verdict(
      problems,
      `the long requests: ${summary(longs)}; the waiting ones: ${summary(pings)}; workers now: ${app.workers().join(", ")}\nlog:\n${app.output().slice(-1500)}`,
    );
  });
});

describe("the supervisor killed with SIGKILL", () => {
  it("its workers exit on their own, the request in flight is answered or closed, the port refuses", async () => {
    const app = await start(fixture("app.mjs"), { env: { MIN_FORK: "2", MAX_FORK: "4" } });
    await eventually(() => app.workers().length >= 2, 10); // both of minFork
    const inFlight = exchange(app.port, get("/wait?ms=1500", CLOSE), 15_000);
    await app.waitFor(/wait started in worker \d+/, 0, 15);
    const workers = app.workers();
    process.kill(app.pid, "SIGKILL");
    const result = await inFlight;
    const allGone = await eventually(() => workers.every((pid) => !isAlive(pid)), 10);
    const groupGone = await eventually(() => app.group().length === 0, 2);
    const after = await exchange(app.port, get("/ping", CLOSE), 5000);
    const problems: string[] = [];
    if (workers.length === 0) problems.push("no workers found before the kill");
    if (result.outcome === "timeout" || (result.outcome === "answered" && !result.complete))
      problems.push(`the request in flight: ${summary([result])}, complete: ${result.complete}`);
    if (!allGone)
      problems.push(
        `workers still running 10 s after the supervisor died: ${workers.filter((pid) => isAlive(pid)).join(", ")}`,
      );
    if (!groupGone)
      problems.push(`processes of its group still running: ${app.group().join(", ")}`);
    if (after.outcome !== "refused")
      problems.push(`a connection afterwards was not refused: ${summary([after])}`);
    verdict(
      problems,
      `workers before the kill: ${workers.join(", ")}; the request in flight: ${summary([result])}; a connection afterwards: ${summary([after])}`,
    );
  });
});
