// Faults around the supervisor's signals (issue #24): SIGTERM under a mixed
// load (keep-alive clients, Connection: close clients, slow requests) must
// answer whatever it accepted, whole and with `Connection: close`, lose
// nothing on kept-alive connections, reset nothing, refuse new connections
// soon, and exit 0; SIGHUP with a new version that cannot load must leave
// the old workers serving, and with a good one replace them without a
// failed request. Runs the fixture app (fixtures/app.mjs), the reload tests
// on a copy of it that they overwrite.

import { readFileSync } from "node:fs";
import { afterEach, describe, it } from "vitest";
import {
  Connection,
  type Exchange,
  get,
  type Outcome,
  probe,
  probes,
  sleep,
  summary,
} from "./helpers/client";
import { eventually, isAlive } from "./helpers/procs";
import {
  copyFixture,
  fixture,
  removeCopies,
  rewrite,
  start,
  statsWhere,
  stopAll,
} from "./helpers/server";
import { verdict } from "./helpers/verdict";

afterEach(() => {
  stopAll();
  removeCopies();
});

const CLOSE = "Connection: close\r\n";

type Kind = "keep-alive" | "close" | "slow";
interface Sent extends Exchange {
  kind: Kind;
}

/** "keep-alive (new connection)", "close", ... for failure messages. */
function kindOf(e: Sent): string {
  return e.kind === "keep-alive" ? `keep-alive (${e.fresh ? "new" : "kept"} connection)` : e.kind;
}

describe("SIGTERM under mixed load", () => {
  it("answers what it accepted (whole, Connection: close), loses and resets nothing, refuses new connections, exits 0", async () => {
    const app = await start(fixture("app.mjs"));
    const sent: Sent[] = [];
    let signalAt = Number.POSITIVE_INFINITY;
    let quit = false; // set if the test fails early, so that no client loops on
    const deadline = () => quit || performance.now() > signalAt + 8000;
    /** After the signal a client stops at its first refused connection (or at the deadline). */
    const loop = async (kind: "keep-alive" | "close") => {
      let connection: Connection | undefined;
      for (;;) {
        if (connection === undefined || !connection.open) {
          connection?.destroy();
          connection = new Connection(app.port);
        }
        const request = kind === "close" ? get("/hello", CLOSE) : get("/hello");
        const exchange = await connection.send(request, 10_000);
        sent.push({ ...exchange, body: "", kind }); // thousands: keep no bodies
        const keep = exchange.outcome === "answered" && exchange.complete && !exchange.close;
        if (kind === "close" || !keep) {
          connection.destroy();
          connection = undefined;
        }
        if (exchange.sentAt > signalAt && exchange.outcome === "refused") break;
        if (deadline()) break;
        if (exchange.outcome !== "answered") await sleep(50); // no tight loop on failures
      }
      connection?.destroy();
    };
    const slow = async () => {
      const connection = new Connection(app.port);
      const exchange = await connection.send(get("/wait?ms=3000", CLOSE), 15_000);
      connection.destroy();
      sent.push({ ...exchange, kind: "slow" });
    };
    // The slow requests first, each in a worker of its own; then a second of load.
    const slows = [slow(), slow()];
    await app.waitFor(/wait started in worker \d+[\s\S]*wait started in worker \d+/, 0, 10);
    const clients = [
      ...slows,
      ...Array.from({ length: 8 }, () => loop("keep-alive")),
      ...Array.from({ length: 8 }, () => loop("close")),
    ];
    let exit: Awaited<ReturnType<typeof app.exitWithin>>;
    try {
      await sleep(1000);
      signalAt = performance.now();
      app.signal("SIGTERM");
      exit = await app.exitWithin(20);
    } finally {
      await Promise.race([Promise.all(clients), sleep(10_000)]);
      quit = true;
      await Promise.all(clients);
    }

    const sentAfter = (ms: number) => (e: Sent) => e.sentAt > signalAt + ms;
    const count = (filter: (e: Sent) => boolean) => sent.filter(filter).length;
    const byKind = (["keep-alive", "close", "slow"] as const).map((kind) => {
      const mine = sent.filter((e) => e.kind === kind);
      return `${kind}: before the signal ${summary(mine.filter((e) => !sentAfter(0)(e)))}; after it ${summary(mine.filter(sentAfter(0)))}`;
    });
    const lost = (outcomes: Outcome[]) => (e: Sent) => outcomes.includes(e.outcome);
    const problems: string[] = [];
    const incomplete = count((e) => e.outcome === "answered" && !e.complete);
    if (incomplete > 0) problems.push(`${incomplete} responses incomplete`);
    const withoutClose = count((e) => sentAfter(500)(e) && e.outcome === "answered" && !e.close);
    if (withoutClose > 0)
      problems.push(
        `${withoutClose} responses to requests sent 0.5 s or more after the signal lack Connection: close`,
      );
    const lostKept = count(
      (e) => e.kind === "keep-alive" && !e.fresh && lost(["reset", "closed", "timeout"])(e),
    );
    if (lostKept > 0)
      problems.push(
        `${lostKept} requests on kept-alive connections lost (reset, closed or timed out)`,
      );
    const resets = sent.filter(lost(["reset"]));
    if (resets.length > 0) {
      const when = resets.map((e) => `${kindOf(e)} ${Math.round(e.sentAt - signalAt)}`);
      problems.push(
        `${resets.length} requests reset (sent at ms from the signal): ${when.slice(0, 20).join(", ")}`,
      );
    }
    const closedFresh = count((e) => e.fresh && e.outcome === "closed");
    if (closedFresh > 0)
      problems.push(
        `${closedFresh} requests on new (accepted) connections closed without an answer`,
      );
    const timeouts = count(lost(["timeout"]));
    if (timeouts > 0) problems.push(`${timeouts} requests not answered within 10 s`);
    const accepted = count((e) => e.fresh && sentAfter(1000)(e) && e.outcome !== "refused");
    if (accepted > 0)
      problems.push(
        `${accepted} connections attempted 1 s or more after the signal were not refused`,
      );
    if (count(sentAfter(0)) === 0 || count((e) => sentAfter(0)(e) && e.outcome === "refused") === 0)
      problems.push("no connection attempt after the signal was refused");
    const slowAnswered = count((e) => e.kind === "slow" && e.status === 200 && e.complete);
    if (slowAnswered !== 2)
      problems.push(`${slowAnswered} of 2 slow requests answered (200, whole)`);
    if (count((e) => !sentAfter(0)(e) && e.status === 200) === 0)
      problems.push("nothing was answered before the signal");
    if (exit === "running") problems.push("the supervisor was still running 20 s after SIGTERM");
    else if (exit.code !== 0)
      problems.push(`the supervisor exited with code ${exit.code} (signal ${exit.signal}), not 0`);
    verdict(problems, `${byKind.join("\n")}\nlog:\n${app.output().slice(-1500)}`);
  });
});

const V1 = 'const VERSION = "version 1";';
const STATS = ["--stats", "0.2"];
/** Both workers of minFork have started (loaded the app). */
const bothReady = (stats: Record<string, unknown>) =>
  Number(stats.workers) >= 2 && Number(stats.starting) === 0;

describe("SIGHUP", () => {
  it("with a new version that cannot load: the old workers serve on, the log says the reload was abandoned", async () => {
    const file = copyFixture("app.mjs");
    const app = await start(file, { env: { MIN_FORK: "2", MAX_FORK: "4" }, args: STATS });
    await statsWhere(app, bothReady, 10); // both of minFork have loaded version 1
    const before = await probes(app.port, 3, 100, 5000, "/version");
    rewrite(file, 'throw new Error("this version cannot load (on purpose)");\n');
    const from = app.output().length;
    app.signal("SIGHUP");
    const during = await probes(app.port, 10, 500, 5000, "/version");
    // The line saying so: the reload, and that it was given up (or why).
    const abandoned =
      /^.*reload.*(abandon|fail|cancel|abort|gave up|keep).*$|^.*(abandon|fail|cancel|abort|gave up|keep).*reload.*$/im;
    await eventually(() => abandoned.test(app.output().slice(from)), 3);
    const problems: string[] = [];
    if (before.some((e) => e.body !== "version 1")) problems.push(`before: ${summary(before)}`);
    const served = during.filter((e) => e.status === 200 && e.body === "version 1").length;
    if (served !== 10)
      problems.push(
        `${served} of 10 probes after SIGHUP answered by the old version: ${summary(during)}`,
      );
    if (!abandoned.test(app.output().slice(from)))
      problems.push("no log line says the reload was abandoned");
    if (app.child.exitCode !== null || app.child.signalCode !== null)
      problems.push(`the supervisor exited (code ${app.child.exitCode})`);
    verdict(
      problems,
      `probes after SIGHUP: ${summary(during)}\nlog after SIGHUP:\n${app.output().slice(from, from + 3000)}`,
    );
  });

  it("with a good new version: the workers are replaced, and no request fails meanwhile", async () => {
    const file = copyFixture("app.mjs");
    const app = await start(file, { env: { MIN_FORK: "2", MAX_FORK: "4" }, args: STATS });
    await statsWhere(app, bothReady, 10); // both of minFork have loaded version 1
    const first = await probe(app.port, 5000, "/version");
    const old = app.workers();
    const source = readFileSync(file, "utf8");
    if (!source.includes(V1)) throw new Error(`the fixture has no line ${V1}`);
    rewrite(file, source.replace(V1, 'const VERSION = "version 2";'));
    app.signal("SIGHUP");
    const seen: Exchange[] = [];
    let streak = 0;
    const until = performance.now() + 20_000;
    // Two keep-alive clients and a probe on a new connection, until 5 probes in a row see version 2.
    let done = false;
    const keepAlive = async () => {
      let connection: Connection | undefined;
      while (!done) {
        if (connection === undefined || !connection.open) connection = new Connection(app.port);
        const exchange = await connection.send(get("/version"), 5000);
        seen.push(exchange);
        if (exchange.outcome !== "answered" || exchange.close) {
          connection.destroy();
          connection = undefined;
        }
        await sleep(50);
      }
      connection?.destroy();
    };
    const clients = [keepAlive(), keepAlive()];
    const probed: Exchange[] = [];
    try {
      while (streak < 5 && performance.now() < until) {
        const exchange = await probe(app.port, 5000, "/version");
        probed.push(exchange);
        streak = exchange.body === "version 2" ? streak + 1 : 0;
        await sleep(100);
      }
    } finally {
      done = true;
      await Promise.all(clients);
    }
    const oldGone = await eventually(() => old.every((pid) => !isAlive(pid)), 10);
    const all = [...probed, ...seen];
    const failed = all.filter((e) => e.status !== 200);
    const problems: string[] = [];
    if (first.body !== "version 1") problems.push(`before: ${summary([first])}`);
    if (streak < 5) problems.push("probes did not see version 2 five times in a row within 20 s");
    if (failed.length > 0) problems.push(`${failed.length} requests failed: ${summary(failed)}`);
    if (!oldGone)
      problems.push(`old workers still running: ${old.filter((pid) => isAlive(pid)).join(", ")}`);
    const versions = (list: Exchange[]) =>
      `version 1 x${list.filter((e) => e.body === "version 1").length}, version 2 x${list.filter((e) => e.body === "version 2").length}`;
    verdict(
      problems,
      `probes: ${summary(probed)} (${versions(probed)}); keep-alive: ${summary(seen)} (${versions(seen)})\nlog:\n${app.output().slice(-1500)}`,
    );
  });
});
