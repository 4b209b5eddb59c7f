// PROXY_PROTOCOL=1: the example's listener takes a PROXY protocol header
// first on each connection, and the home page shows the client's address
// from it. The address stays with a kept-alive connection when it is parked
// in the supervisor and resumed, and when the worker serving it is killed
// and another one serves its next request.

import { createConnection, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { startExample } from "./helpers/example";

const HEADER = "PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n";
const GET_HOME = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";

/** A kept-alive connection that sends a request and reads one whole response at a time. */
function connection(port: number) {
  const socket: Socket = createConnection({ host: "127.0.0.1", port });
  let received = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    received += chunk;
  });
  socket.on("error", () => {});
  /** The next response: its page's client address and worker process. */
  const ask = async (text: string) => {
    received = "";
    socket.write(text);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const head = received.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      if (head !== -1 && length !== undefined && received.length >= head + 4 + Number(length))
        break;
      if (Date.now() > deadline || socket.destroyed)
        throw new Error(`no whole response: ${JSON.stringify(received)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return {
      client: /<strong id="client">([^<]*)<\/strong>/.exec(received)?.[1],
      worker: Number(/worker process (\d+)/.exec(received)?.[1]),
    };
  };
  return { socket, ask };
}

describe("the example with PROXY_PROTOCOL=1", () => {
  it("shows the header's client address, and keeps it across a park and a killed worker", async () => {
    const app = await startExample({
      PROXY_PROTOCOL: "1",
      MIN_FORK: "2",
      MAX_FORK: "2",
      HTTP_PARK_AFTER: "60",
    });
    try {
      // Kept in its worker between requests (parkAfter 60 s), with a copy in the supervisor.
      const kept = connection(app.port);
      const first = await kept.ask(HEADER + GET_HOME);
      expect(first.client).toBe("203.0.113.7");
      // The copy of the idle connection is on its way to the supervisor (as in worker-death.test.ts).
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(first.worker, "SIGKILL");
      await app.waitFor(new RegExp(`worker ${first.worker} .*(killed|signal)`));
      const second = await kept.ask(GET_HOME);
      expect(second.worker).not.toBe(first.worker);
      expect(second.client).toBe("203.0.113.7");
      kept.socket.destroy();
    } finally {
      await app.stop();
    }
  });

  it("keeps it when an idle connection is parked and resumed", async () => {
    const app = await startExample({ PROXY_PROTOCOL: "1", HTTP_PARK_AFTER: "0.1" });
    try {
      const parked = connection(app.port);
      expect((await parked.ask(HEADER + GET_HOME)).client).toBe("203.0.113.7");
      await new Promise((resolve) => setTimeout(resolve, 600)); // parked after 0.1 s idle
      expect((await parked.ask(GET_HOME)).client).toBe("203.0.113.7");
      parked.socket.destroy();
      // A connection without the header is closed unanswered.
      const bare = connection(app.port);
      await expect(bare.ask(GET_HOME)).rejects.toThrow(/no whole response/);
    } finally {
      await app.stop();
    }
  });
});
