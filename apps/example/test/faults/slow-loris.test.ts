// Fault: a slow-loris attack on the default configuration (issue #24): the
// example with its default pool (4 to 16 workers) and default timeouts, 64
// connections that each send a request head a byte every 2 s, never
// finishing it. Connections still sending their head must not hold the
// workers (they are parked in the supervisor, where they cost a few KB: see
// "Parking" in docs/architecture.md), so health probes on new connections
// are answered at once meanwhile; and none of the 64 is answered (or closed)
// before requestHeaderTimeout (120 s), as they keep trickling.

import { connect, type Socket } from "node:net";
import { afterEach, describe, it } from "vitest";
import { probes, sleep, summary } from "./helpers/client";
import { EXAMPLE, start, stopAll } from "./helpers/server";
import { verdict } from "./helpers/verdict";

const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  stopAll();
});

interface Trickler {
  connected: boolean;
  /** Bytes the server sent back. */
  received: number;
  /** How the server ended it, if it did: "end" (FIN) or an error's code. */
  ended: string | undefined;
  timer: ReturnType<typeof setInterval>;
}

/** A client that sends a request head's start, then one more header byte every 2 s, forever. */
function trickle(port: number): Trickler {
  const socket = connect({ port, host: "127.0.0.1" });
  sockets.push(socket);
  const state: Trickler = {
    connected: false,
    received: 0,
    ended: undefined,
    timer: setInterval(() => {
      if (state.ended === undefined) socket.write("a");
    }, 2000),
  };
  socket.on("connect", () => {
    state.connected = true;
  });
  socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-a: ");
  socket.on("data", (chunk: Buffer) => {
    state.received += chunk.length;
  });
  socket.on("end", () => {
    state.ended ??= "end";
  });
  socket.on("error", (error: NodeJS.ErrnoException) => {
    state.ended ??= error.code ?? error.message;
  });
  socket.on("close", () => {
    state.ended ??= "close";
  });
  return state;
}

describe("slow loris against the default configuration", () => {
  it("64 connections trickling a request head: probes answered at once, no trickler answered early", async () => {
    const app = await start(EXAMPLE);
    const tricklers = Array.from({ length: 64 }, () => trickle(app.port));
    try {
      await sleep(1000);
      const checks = await probes(app.port, 10, 500, 5000);
      const waits = checks.map((check) => Math.round(check.doneAt - check.sentAt));
      const slowest = Math.max(...waits);
      const connected = tricklers.filter((t) => t.connected).length;
      const answered = tricklers.filter((t) => t.received > 0).length;
      const ended = tricklers.filter((t) => t.ended !== undefined);
      const problems: string[] = [];
      const good = checks.filter((check) => check.status === 204).length;
      if (good !== 10) problems.push(`${good} of 10 probes answered 204: ${summary(checks)}`);
      const late = waits.filter((ms, i) => checks[i]?.status === 204 && ms > 2000).length;
      if (late > 0) problems.push(`${late} probes answered after more than 2 s`);
      if (connected !== 64) problems.push(`${connected} of 64 tricklers connected`);
      if (answered > 0) problems.push(`${answered} of 64 tricklers got an answer`);
      if (ended.length > 0)
        problems.push(
          `${ended.length} of 64 tricklers' connections ended: ${ended.map((t) => t.ended).join(", ")}`,
        );
      verdict(
        problems,
        `probes: ${summary(checks)}, waited ${waits.join(", ")} ms (slowest ${slowest} ms); tricklers: ${connected} connected, ${answered} answered, ${ended.length} ended`,
      );
    } finally {
      for (const t of tricklers) clearInterval(t.timer);
    }
  });
});
