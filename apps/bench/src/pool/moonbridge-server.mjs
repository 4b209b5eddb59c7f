// Our side of pool.bench.mjs: @moonbridge/supervisor's listen() with a trivial
// HTTP connect handler (read the request head line by line up to the empty
// line, write one fixed response with `Connection: close`, return true; the
// worker closes the socket). BENCH_POOL_SIZE sets minFork = maxFork (default
// 2), preFork stays 1, forkDelay 0.01 s so that a large pool starts at once.
// Binds 127.0.0.1, port 0, and prints the port on stdout once every worker is
// idle. This module runs in the supervisor and again in every worker, as
// listen() requires. Loads the build of @moonbridge/supervisor (a workspace
// dependency of apps/bench: build it first), or the build at
// BENCH_SUPERVISOR (a path to its index.js) to compare with an earlier one.
// BENCH_DELAY_MS makes each request wait that long before its answer.
import { pathToFileURL } from "node:url";

/** @type {typeof import("@moonbridge/supervisor")} */
const { listen } = await import(
  process.env.BENCH_SUPERVISOR
    ? pathToFileURL(process.env.BENCH_SUPERVISOR).href
    : "@moonbridge/supervisor"
);

const size = Number(process.env.BENCH_POOL_SIZE ?? 2);
if (!Number.isInteger(size) || size < 1)
  throw new Error(
    `BENCH_POOL_SIZE must be a positive integer, got "${process.env.BENCH_POOL_SIZE}"`,
  );
/** BENCH_DELAY_MS: milliseconds each request waits before its answer, as for a database. */
const delay = Number(process.env.BENCH_DELAY_MS ?? 0);
const RESPONSE = Buffer.from(
  "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello World!\n",
);

const pool = listen({
  listeners: [{ proto: "tcp", host: "127.0.0.1", port: 0 }],
  minFork: size,
  maxFork: size,
  preFork: 1,
  forkDelay: 0.01,
  async connect(socket) {
    for (;;) {
      const line = await socket.xread(8192, "\n");
      if (line === null) return true; // the client left before a whole head
      if (line.length === 1 || (line.length === 2 && line[0] === 0x0d)) break; // the empty line
    }
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay)); // "a database"
    socket.write(RESPONSE);
    await socket.flush();
    return true;
  },
});

if (pool.role === "supervisor") {
  const [address] = await pool.ready;
  if (address?.proto !== "tcp") throw new Error("expected a tcp listener");
  while (pool.stats().idle < size) await new Promise((resolve) => setTimeout(resolve, 20));
  process.stdout.write(`${address.port}\n`);
}
