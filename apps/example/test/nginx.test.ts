// A rolling deploy behind nginx (README, "Behind nginx"): two instances of
// the example behind Debian's nginx, run with the README's configuration
// word for word (its ports and listen line replaced), are restarted one
// after the other, each waited for before the next, under a bounded mixed
// load through nginx: GETs, POSTs of up to 256 KiB whose SHA-256 the
// inspector must echo, slow requests, all on kept-alive connections. Every
// request must get its whole, right answer: no 502, nothing lost.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Example, startExample, stopAll } from "./helpers/example";
import { type Nginx, nginxMissing, startNginx } from "./helpers/nginx";

const missing = nginxMissing(import.meta.filename);

/** The README's tested site configuration, the first ```nginx block of "Behind nginx". */
function readmeSite(): string {
  const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Behind nginx"));
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README.md has no nginx block under ## Behind nginx");
  return block;
}

/** Each instance: a small pool, an access log line per request (to see who served). */
const INSTANCE_ENV = {
  MIN_FORK: "2",
  MAX_FORK: "4",
  ACCESS_LOG: "common",
  TRUST_PROXY: "loopback",
};

type Kind = "get" | "post" | "slow" | "ping";
const KINDS: Kind[] = ["get", "post", "get", "slow", "post", "ping"];

interface Outcome {
  kind: Kind;
  /** What was wrong with the answer (a status, a body, an error), or undefined when it was right. */
  fault: string | undefined;
}

/** One request through nginx on the agent's kept-alive connections, and whether its answer was right. */
function send(agent: Agent, socketPath: string, kind: Kind, n: number): Promise<Outcome> {
  const body = kind === "post" ? randomBytes(1 + (n % 7) * 37_000) : undefined;
  const path =
    kind === "slow" ? "/slow?seconds=0.2" : kind === "ping" ? "/ping" : `/anything/${kind}?n=${n}`;
  return new Promise((resolve) => {
    const done = (fault: string | undefined) => resolve({ kind, fault });
    const req = httpRequest(
      {
        agent,
        socketPath,
        method: kind === "post" ? "POST" : "GET",
        path,
        headers: body ? { "Content-Type": "application/octet-stream" } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error) => done(`response ${error.message}`));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          const expected = kind === "ping" ? 204 : 200;
          if (res.statusCode !== expected) return done(`status ${res.statusCode}`);
          if (kind === "slow")
            return done(text.includes("Worked for 0.2 seconds") ? undefined : "slow page");
          if (kind === "ping") return done(undefined);
          const answer = JSON.parse(text) as { query: string; body: { sha256: string } | null };
          if (answer.query !== `?n=${n}`) return done("another request's answer");
          if (body === undefined) return done(answer.body === null ? undefined : "a body");
          const sha256 = createHash("sha256").update(body).digest("hex");
          return done(answer.body?.sha256 === sha256 ? undefined : "body hash");
        });
      },
    );
    req.on("error", (error) => done(`request ${error.message}`));
    req.end(body);
  });
}

/** Restarts an instance on its port as a deploy does: stop (SIGTERM, exit 0), start, wait for /ping. */
async function restart(old: Example): Promise<Example> {
  expect(await old.stop()).toBe(0);
  const fresh = await startExample({ ...INSTANCE_ENV, PORT: String(old.port) });
  const ping = await fetch(`${fresh.url}/ping`);
  expect(ping.status).toBe(204);
  return fresh;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(missing !== undefined)("behind nginx", () => {
  let nginx: Nginx | undefined;
  afterAll(async () => {
    await nginx?.stop();
    stopAll();
  });

  it("a rolling restart of both instances under load: no 502, nothing lost", async () => {
    let a = await startExample(INSTANCE_ENV);
    let b = await startExample(INSTANCE_ENV);
    const site = readmeSite()
      .replace("127.0.0.1:8081", `127.0.0.1:${a.port}`)
      .replace("127.0.0.1:8082", `127.0.0.1:${b.port}`);
    nginx = await startNginx(site);
    const socketPath = nginx.socketPath;

    const outcomes: Outcome[] = [];
    let stop = false;
    const agent = new Agent({ keepAlive: true, maxSockets: 12 });
    const client = async (id: number) => {
      for (let n = id * 100_000; !stop; n++) {
        outcomes.push(await send(agent, socketPath, KINDS[n % KINDS.length] as Kind, n));
      }
    };
    const clients = Array.from({ length: 12 }, (_, id) => client(id));
    try {
      await sleep(1500);
      a = await restart(a);
      await sleep(1500);
      b = await restart(b);
      await sleep(1500);
    } finally {
      stop = true;
      await Promise.all(clients);
      agent.destroy();
    }

    const faults = outcomes.filter((o) => o.fault !== undefined);
    const counts = new Map<string, number>();
    for (const o of faults) {
      const key = `${o.kind}: ${o.fault}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const report = `${outcomes.length} requests, ${faults.length} without their right answer: ${JSON.stringify(
      Object.fromEntries(counts),
    )}\nnginx's error log:\n${nginx.errorLog()}`;
    if (process.env.FAULTS_REPORT) console.log(report.split("\n")[0]);
    expect(faults.length, report).toBe(0);
    for (const kind of ["get", "post", "slow", "ping"] as const) {
      expect(outcomes.filter((o) => o.kind === kind).length, report).toBeGreaterThan(5);
    }
    // Both new instances served requests through nginx (their access logs).
    for (const fresh of [a, b])
      expect(fresh.output(), report).toMatch(/"POST \/anything\/post\?n=\d+ HTTP\/1\.1" 200/);
    await a.stop();
    await b.stop();
  });
});
