// Fault: a storm of crashing requests (issue #24, "crash storm with probes").
// The example with its default pool: /throw answers 500 and its worker exits;
// /slow?seconds=5 runs past its timeout(2) and its worker is killed. While
// clients hammer those, health probes (GET /ping on new connections) must
// still be answered, the pool must recover once the storm stops, and the
// supervisor must log the workers it replaced. Also a burst of crashing
// requests whose clients give up at once must not keep probes waiting.

import { afterEach, describe, it } from "vitest";
import { type Exchange, exchange, get, probes, sleep, summary, tally } from "./helpers/client";
import { EXAMPLE, start, statsWhere, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

afterEach(stopAll);

const CLOSE = "Connection: close\r\n";
const STORM_SECONDS = 6;

/** Sends `request` on a new connection after another, until `stop()`; every outcome into `into`. */
async function hammer(
  port: number,
  request: string,
  timeoutMs: number,
  stop: () => boolean,
  into: Exchange[],
): Promise<void> {
  while (!stop()) into.push(await exchange(port, request, timeoutMs));
}

describe("crashing requests", () => {
  it("16 clients on /throw (and 2 on a route killed by its timeout) for 6 s: probes answered, the pool recovers", async () => {
    const app = await start(EXAMPLE, { args: ["--stats", "0.5"] });
    let stormOver = false;
    const stop = () => stormOver;
    const thrown: Exchange[] = [];
    const killed: Exchange[] = [];
    // The requests to be killed go first, so that they find workers before the storm starts.
    const storm = Array.from({ length: 2 }, () =>
      hammer(app.port, get("/slow?seconds=5", CLOSE), 5000, stop, killed),
    );
    await sleep(300);
    for (let i = 0; i < 16; i++)
      storm.push(hammer(app.port, get("/throw", CLOSE), 5000, stop, thrown));
    const during = await probes(app.port, (STORM_SECONDS * 1000) / 200, 200, 5000);
    stormOver = true;
    await Promise.all(storm); // each client ends with its request in flight answered or given up
    const storming = `storm on /throw: ${summary(thrown)}; on /slow?seconds=5: ${summary(killed)}`;
    const from = app.output().length;
    const after = await probes(app.port, 5, 200, 5000);
    // The pool recovers: back to minFork (4) workers or more, with an idle one, within 10 s.
    const healthy = (stats: Record<string, unknown>) =>
      Number(stats.workers) >= 4 && Number(stats.idle) >= 1;
    const stats = await statsWhere(app, healthy, 10, from);
    const recovered = stats !== undefined && healthy(stats);
    const log = app.output();
    const answeredDuring = tally(during).answered;
    const problems: string[] = [];
    if (tally(thrown).answered === 0) problems.push("no /throw request was answered (500)");
    if (answeredDuring < during.length / 2)
      problems.push(`probes during the storm: ${answeredDuring} of ${during.length} answered`);
    if (after.some((exchange) => exchange.status !== 204))
      problems.push(`probes after the storm: ${summary(after)}`);
    if (!recovered) problems.push(`the pool did not recover in 10 s: ${JSON.stringify(stats)}`);
    if (!/worker \d+ [^\n]*crashed[^\n]*replac/.test(log))
      problems.push('no "worker N crashed ...; replacing it" line in the log');
    if (!/worker \d+ [^\n]*killed[^\n]*replac/.test(log))
      problems.push('no "worker N was killed ...; replacing it" line in the log');
    verdict(
      problems,
      `probes during the storm: ${summary(during)}\nprobes after it: ${summary(after)}\n${storming}\nstats: ${JSON.stringify(stats)}`,
    );
  });

  it("a burst of 60 crashing requests whose clients give up after 300 ms: probes answered within 10 s", async () => {
    const app = await start(EXAMPLE);
    const burst = await Promise.all(
      Array.from({ length: 60 }, () => exchange(app.port, get("/throw", CLOSE), 300)),
    );
    const after = await probes(app.port, 3, 500, 10_000);
    const waited = after.map((exchange) => Math.round(exchange.doneAt - exchange.sentAt));
    const answered = after.filter((exchange) => exchange.status === 204).length;
    verdict(
      answered === 3 ? [] : [`${answered} of 3 probes answered 204 within 10 s: ${summary(after)}`],
      `the burst: ${summary(burst)}\nprobes after it: ${summary(after)}; waited ${waited.join(", ")} ms`,
    );
  });
});
