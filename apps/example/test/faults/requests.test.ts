// Requests, not connections (issue #25): a worker holds many connections and
// runs one request at a time. Against the fixture app: 1,000 keep-alive
// connections x 20 requests, each echoing its own token, every answer its
// own (nothing of one connection reaches another); pipelined requests answered
// in order; and requests whose callbacks wait on timers, from more
// connections than workers, never overlap in a worker (the fixture logs an
// overlap) and are all answered.

import { afterEach, describe, it } from "vitest";
import { raw } from "../helpers/raw";
import { Connection, get, parseResponses, summary } from "./helpers/client";
import { fixture, start, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

afterEach(stopAll);

const CONNECTIONS = 1000;
const REQUESTS = 20;

describe("a pool that serves requests, not connections", () => {
  it(`answers ${CONNECTIONS} keep-alive connections x ${REQUESTS} requests, each with its own token`, async () => {
    const app = await start(fixture("app.mjs"), { openFiles: 8192 });
    const problems: string[] = [];
    let answered = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        const connection = new Connection(app.port);
        for (let r = 0; r < REQUESTS; r++) {
          const token = `c${c}r${r}`;
          const result = await connection.send(get(`/echo?token=${token}`), 30_000);
          if (result.status === 200 && result.body === `${token}\n`) answered++;
          else {
            problems.push(`${token}: ${summary([result])} ${JSON.stringify(result.body)}`);
            break;
          }
        }
        connection.destroy();
      }),
    );
    if (answered !== CONNECTIONS * REQUESTS)
      problems.unshift(
        `${answered} of ${CONNECTIONS * REQUESTS} requests answered with their own token`,
      );
    verdict(problems.slice(0, 10), `answered ${answered}`);
  });

  it("answers pipelined requests in order", async () => {
    const app = await start(fixture("app.mjs"), { env: { MIN_FORK: "2", MAX_FORK: "2" } });
    const tokens = Array.from({ length: 30 }, (_, i) => `p${i}`);
    const result = await raw(app.port, [tokens.map((t) => get(`/echo?token=${t}`)).join("")], {
      waitMillis: 3000,
    });
    const bodies = parseResponses(result.text).map((response) => response.body);
    verdict(
      bodies.join("") === tokens.map((t) => `${t}\n`).join("") ? [] : ["out of order or missing"],
      `bodies: ${JSON.stringify(bodies)}`,
    );
  });

  it("never runs two callbacks at once in a worker: 16 connections x 5 waiting requests on 2 workers", async () => {
    const app = await start(fixture("app.mjs"), { env: { MIN_FORK: "2", MAX_FORK: "2" } });
    const results = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const connection = new Connection(app.port);
        const mine = [];
        for (let r = 0; r < 5; r++) mine.push(await connection.send(get("/wait?ms=20"), 30_000));
        connection.destroy();
        return mine;
      }),
    );
    const all = results.flat();
    const problems: string[] = [];
    const ok = all.filter((e) => e.status === 200 && e.complete).length;
    if (ok !== all.length) problems.push(`${ok} of ${all.length} answered: ${summary(all)}`);
    if (/OVERLAP/.test(app.output())) problems.push("a worker ran two callbacks at once");
    verdict(problems, app.output().slice(-1500));
  });
});
