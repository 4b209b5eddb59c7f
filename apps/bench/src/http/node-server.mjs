// The peers for http.bench.mjs: node:http answering the same hello world
// (status 200, text/plain, "Hello World!\n"), in one process
// (BENCH_WORKERS=1) or in node:cluster with BENCH_WORKERS workers
// (round-robin, Node's default on Linux). BENCH_COUNTS_FILE, when set, gets
// one line per connection, "PORT REQUESTS", when it closes: the client's TCP
// port and the number of requests it carried (the format of our server's
// lines, read by src/load/counts.mjs).
// BENCH_KEEPALIVE_S, when set, is the server's keepAliveTimeout in seconds
// (Node's default, 5 s, closes an idle keep-alive connection long before
// ours would: the parking bench sets 65, our idleTimeout). BENCH_BACKLOG, in
// one process, is the listen backlog (Node's default 511; ours is 4096).
// Binds 127.0.0.1, port 0, and prints the port on stdout once every worker
// listens.
// BENCH_STACK=moonbridge serves the same answer with this repository's HTTP
// stack instead (a net.Server whose connections go to http.generateHandler
// through MoonSocket, every worker holding many connections at once, no
// isolation between them): what a worker serving requests rather than
// connections can reach, as a reference row of bench:http.

import cluster from "node:cluster";
import { appendFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { MoonSocket } from "moonbridge";
import { helloHandler } from "../load/ours.mjs";

const workers = Number(process.env.BENCH_WORKERS ?? 1);
if (!Number.isInteger(workers) || workers < 1)
  throw new Error(`BENCH_WORKERS must be a positive integer, got "${process.env.BENCH_WORKERS}"`);
const counts = process.env.BENCH_COUNTS_FILE;
const BODY = "Hello World!\n";
const keepAlive = process.env.BENCH_KEEPALIVE_S;
if (keepAlive !== undefined && !(Number(keepAlive) > 0))
  throw new Error(`BENCH_KEEPALIVE_S must be a positive number of seconds, got "${keepAlive}"`);

const backlog = Number(process.env.BENCH_BACKLOG ?? 511);
if (!Number.isInteger(backlog) || backlog < 1)
  throw new Error(`BENCH_BACKLOG must be a positive integer, got "${process.env.BENCH_BACKLOG}"`);

const stack = process.env.BENCH_STACK ?? "node:http";
if (stack !== "node:http" && stack !== "moonbridge")
  throw new Error(`BENCH_STACK must be node:http or moonbridge, got "${stack}"`);

/** Our HTTP stack on a plain net.Server: each connection's requests are counted as node:http's are. */
function serveOurs() {
  /** @type {WeakMap<MoonSocket, number>} */
  const served = new WeakMap();
  const handler = helloHandler({ parking: false }, (request) => {
    served.set(request.socket, (served.get(request.socket) ?? 0) + 1);
  });
  return net.createServer({ noDelay: true }, (socket) => {
    const port = socket.remotePort ?? "?";
    const moonSocket = new MoonSocket(socket);
    void Promise.resolve(handler(moonSocket)).finally(() => {
      if (counts !== undefined) appendFileSync(counts, `${port} ${served.get(moonSocket) ?? 0}\n`);
    });
  });
}

function serve() {
  if (stack === "moonbridge") return serveOurs();
  /** @type {WeakMap<import("node:net").Socket, number>} */
  const perConnection = new WeakMap();
  const server = http.createServer((request, response) => {
    perConnection.set(request.socket, (perConnection.get(request.socket) ?? 0) + 1);
    response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
    response.end(BODY);
  });
  if (keepAlive !== undefined) server.keepAliveTimeout = Number(keepAlive) * 1000;
  if (counts !== undefined) {
    server.on("connection", (socket) => {
      const port = socket.remotePort ?? "?";
      socket.on("close", () =>
        appendFileSync(counts, `${port} ${perConnection.get(socket) ?? 0}\n`),
      );
    });
  }
  return server;
}

if (workers === 1) {
  const server = serve();
  server.listen(
    { port: 0, host: "127.0.0.1", backlog: Number(process.env.BENCH_BACKLOG ?? 511) },
    () => {
      const address = server.address();
      if (address !== null && typeof address === "object")
        process.stdout.write(`${address.port}\n`);
    },
  );
  process.on("SIGTERM", () => process.exit(0));
} else if (cluster.isPrimary) {
  let listening = 0;
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("listening", (_worker, address) => {
    if (++listening === workers) process.stdout.write(`${address.port}\n`);
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    process.stderr.write(`node-server: worker ${worker.process.pid} died (${code ?? signal})\n`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    cluster.disconnect(() => process.exit(0));
  });
} else {
  serve().listen(0, "127.0.0.1");
}
