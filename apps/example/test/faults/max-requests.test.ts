// maxRequests: a worker that has begun that many requests finishes what it
// runs, hands its idle connections on and is replaced: keep-alive requests
// count one by one, an idle connection outlives the worker that served it,
// and a load with many retirements loses no request (a request that a
// leaving worker answers says `Connection: close`, and the client goes on
// with a new connection, as HTTP clients do).

import { afterEach, describe, expect, it } from "vitest";
import { Connection, type Exchange, get, summary } from "./helpers/client";
import { fixture, start, statsWhere, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

afterEach(stopAll);

const WAIT_MS = 15_000;

/** What is wrong with `answer` to /echo?token=`token`, if anything. */
function echoProblem(token: string, answer: Exchange): string | undefined {
  if (answer.outcome === "answered" && answer.status === 200 && answer.body === `${token}\n`)
    return undefined;
  return `${token}: ${summary([answer])} ${JSON.stringify(answer.body)}`;
}

describe("maxRequests", () => {
  it("counts each keep-alive request: one connection's requests go to a new worker after every 5", async () => {
    const app = await start(fixture("app.mjs"), {
      env: { MIN_FORK: "1", MAX_FORK: "1", MAX_REQUESTS: "5" },
    });
    const connection = new Connection(app.port);
    const pids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await connection.send(get("/pid"), WAIT_MS);
      expect(answer.outcome, `request ${i}: ${summary([answer])}`).toBe("answered");
      pids.push(answer.body.trim());
    }
    connection.destroy();
    // Runs of exactly 5, each from a worker of its own, all on the one connection.
    const runs: string[][] = [];
    for (const pid of pids) {
      const last = runs.at(-1);
      if (last?.[0] === pid) last.push(pid);
      else runs.push([pid]);
    }
    expect(runs.map((run) => run.length)).toEqual([5, 5, 5, 5]);
    expect(new Set(pids).size).toBe(4);
  });

  it("under load, with jitter: every request answered, with its own bytes, while workers retire", async () => {
    const app = await start(fixture("app.mjs"), {
      env: { MIN_FORK: "2", MAX_FORK: "4", MAX_REQUESTS: "25", MAX_REQUESTS_JITTER: "10" },
      args: ["--stats", "0.2"],
    });
    const problems: string[] = [];
    const CONNECTIONS = 16;
    const REQUESTS = 30;
    let reconnects = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        let connection = new Connection(app.port);
        for (let r = 0; r < REQUESTS; r++) {
          const token = `c${c}-r${r}`;
          const answer = await connection.send(get(`/echo?token=${token}`), WAIT_MS);
          const problem = echoProblem(token, answer);
          if (problem !== undefined) problems.push(problem);
          // A leaving worker ends each connection after its answer, saying so: as any client
          // does, the next request goes on a new connection.
          if (answer.close) {
            connection.destroy();
            connection = new Connection(app.port);
            reconnects++;
          }
        }
        connection.destroy();
      }),
    );
    // 480 requests: fewer than 4 × 35 in the workers left, each retired one took 25 to 35 and
    // what waited for its turn then (a few more).
    const stats = await statsWhere(app, (s) => Number(exits(s)["max-requests"]) >= 6, 10);
    const retired = Number(exits(stats)["max-requests"] ?? 0);
    if (retired < 6) problems.push(`${retired} workers retired over maxRequests, not 6 or more`);
    const other = Object.entries(exits(stats)).filter(([reason]) => reason !== "max-requests");
    if (other.length > 0)
      problems.push(`other exits: ${JSON.stringify(Object.fromEntries(other))}`);
    verdict(problems, `${reconnects} reconnects\n${app.output().slice(-1500)}`);
  });
});

/** The exits by reason of a stats line. */
function exits(stats: Record<string, unknown> | undefined): Record<string, number> {
  return (stats?.exits ?? {}) as Record<string, number>;
}
