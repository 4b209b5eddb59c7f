// Fault: an Upgrade request with a body (issue #24, "upgrade spin"). The
// server does not speak the protocol asked for, so it answers the request
// with `Connection: close` and closes the connection; the bytes the client
// sends after it (`helloX`) must not make the worker spin. Against a pool
// of 2 (the example, MIN_FORK=MAX_FORK=2): one such connection, then four,
// then probes on new connections and the workers' CPU over a second.

import { afterEach, describe, it } from "vitest";
import { raw } from "../helpers/raw";
import { parseResponses, probe, sleep, summary } from "./helpers/client";
import { cpuShares } from "./helpers/procs";
import { EXAMPLE, start, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

afterEach(stopAll);

const UPGRADE =
  "POST /ping HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\r\n";

/** The upgrade request, then `helloX` 300 ms later on the same connection; what came back within 5 s. */
function upgradeThenBytes(port: number) {
  return raw(port, [UPGRADE, "helloX"], { gapMillis: 300, waitMillis: 5000 });
}

const POOL_OF_TWO = { MIN_FORK: "2", MAX_FORK: "2" };
/** The share of a core over a second at which an idle worker counts as spinning. */
const SPINNING = 0.25;

describe("an Upgrade request with a body, then more bytes", () => {
  it("is answered with Connection: close and the connection is closed; the pool serves on", async () => {
    const app = await start(EXAMPLE, { env: POOL_OF_TWO });
    const result = await upgradeThenBytes(app.port);
    const responses = parseResponses(result.text);
    const after = await probe(app.port, 5000);
    const problems: string[] = [];
    if (responses.length !== 1) problems.push(`${responses.length} responses, not 1`);
    const connection = responses[0]?.headers.connection;
    if (!/\bclose\b/i.test(connection ?? ""))
      problems.push(`the answer's Connection header is ${connection ?? "missing"}, not close`);
    if (result.how === "open") problems.push("the server had not closed the connection after 5 s");
    if (after.status !== 204) problems.push(`a probe afterwards: ${summary([after])}`);
    verdict(problems, `a probe afterwards: ${summary([after])}; received:\n${result.text}`);
  });

  it("four such connections against a pool of 2: probes answered, no worker spinning", async () => {
    const app = await start(EXAMPLE, { env: POOL_OF_TWO });
    const results = await Promise.all(Array.from({ length: 4 }, () => upgradeThenBytes(app.port)));
    // raw() has closed every client socket by now (at the latest after 5 s).
    const stillOpen = results.filter((result) => result.how === "open").length;
    const answers = results.map((result) => parseResponses(result.text)[0]);
    const answered = answers.filter((answer) => answer !== undefined).length;
    const withClose = answers.filter((a) => /\bclose\b/i.test(a?.headers.connection ?? "")).length;
    // Workers that exist now and a second later (a worker forked meanwhile is busy starting up).
    const seen = app.workers();
    await sleep(1000);
    const workers = app.workers().filter((pid) => seen.includes(pid));
    const shares = await cpuShares(workers, 1);
    const cpu = [...shares].map(([pid, share]) => `worker ${pid} ${Math.round(share * 100)}%`);
    // An idle worker uses about 0% of a core; a spinning one less than 100% when the machine is
    // busy (two spinning on two cores beside the test measured 32% and 37%): 25% is spinning.
    const spinning = [...shares].filter(([, share]) => share >= SPINNING).length;
    const checks = await Promise.all([probe(app.port, 5000), probe(app.port, 5000)]);
    const problems: string[] = [];
    if (withClose !== 4)
      problems.push(`${withClose} of 4 answered with Connection: close (${answered} answered)`);
    if (stillOpen > 0) problems.push(`${stillOpen} of 4 connections still open after 5 s`);
    if (workers.length === 0) problems.push("no worker process lived through the measurement");
    if (spinning > 0)
      problems.push(`${spinning} workers at 25% of a core or more over 1 s: ${cpu.join(", ")}`);
    if (checks.some((check) => check.status !== 204))
      problems.push(`probes afterwards: ${summary(checks)}`);
    verdict(
      problems,
      `answered ${answered} of 4, ${withClose} with Connection: close, ${stillOpen} still open after 5 s; CPU over 1 s, a second after they closed: ${cpu.join(", ")}; probes afterwards: ${summary(checks)}`,
    );
  });
});
