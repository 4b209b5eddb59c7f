// Fault: the port is taken (issue #24, "busy port"). The moonbridge command
// started on an address someone else holds, a plain net.Server of this test
// or another running moonbridge, must exit with code 1, say BIND_FAILED and
// the address, never print "listening on", and leave no process behind.

import { createServer, type Server as NetServer } from "node:net";
import { afterEach, describe, it } from "vitest";
import { probe, summary } from "./helpers/client";
import { eventually } from "./helpers/procs";
import { EXAMPLE, type Launched, launch, start, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

const held: NetServer[] = [];

afterEach(() => {
  stopAll();
  for (const server of held.splice(0)) server.close();
});

/** Starts the example on 127.0.0.1:`port` and reports what went wrong, if anything. */
async function startOnBusyPort(port: number): Promise<{ problems: string[]; app: Launched }> {
  const app = launch(EXAMPLE, { env: { PORT: String(port) } });
  const exit = await app.exitWithin(10);
  // After its exit, no process of its group (workers) may be left: allow a moment for them to go.
  const emptied = await eventually(() => app.group().length === 0, 2);
  const output = app.output();
  const problems: string[] = [];
  if (exit === "running") problems.push("still running 10 s after it started");
  else if (exit.code !== 1) problems.push(`exit code ${exit.code} (signal ${exit.signal}), not 1`);
  if (!/BIND_FAILED/.test(output)) problems.push("the output does not say BIND_FAILED");
  if (!output.includes(`127.0.0.1:${port}`))
    problems.push(`the output does not name 127.0.0.1:${port}`);
  if (/listening on/.test(output)) problems.push('it printed "listening on"');
  if (!emptied) problems.push(`processes of its group still running: ${app.group().join(", ")}`);
  return { problems, app };
}

describe("a port someone else holds", () => {
  it("held by a plain net.Server: exit 1, BIND_FAILED with the address, nothing left", async () => {
    const holder = createServer();
    held.push(holder);
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as { port: number };
    const { problems, app } = await startOnBusyPort(port);
    verdict(problems, `output:\n${app.output()}`);
  });

  it("held by another running moonbridge: the second exits 1, the first serves on", async () => {
    const first = await start(EXAMPLE);
    const { problems, app } = await startOnBusyPort(first.port);
    const check = await probe(first.port, 5000);
    if (check.status !== 204)
      problems.push(`the first server, probed afterwards: ${summary([check])}`);
    verdict(problems, `output of the second:\n${app.output()}`);
  });
});
